"""The oversight service (extra `server`): HTTP API, audit trail, metrics and a dashboard.

    from sentinel_guard.server import create_app, run
    run(port=8080, api_key="s3cret", audit="sentinel-audit.db")     # or: sentinel-guard serve

Deployment notes:

* Every piece of state a client can observe — verdicts, escalations and their answers, stats,
  metrics, `/v1/observe` session memory — lives in the audit store, so `--workers N`, or several
  instances given the same `--audit` file or PostgreSQL database (`audit_pg.py`), answer alike.
  Each process group-commits its own writes (`writer.py`).
* Keys have roles (`keys.py`): agent keys judge calls and poll the escalations they submitted,
  reviewer keys answer them and read the audit; everything but `/health`, `/docs` and the
  dashboard's static shell needs `Authorization: Bearer <key>`. Without any key the service
  answers loopback only.
* Judging is sized (`judging.py`): small calls inline, bigger ones in worker threads under a
  budget, big ones in worker processes (`procjudge.py`); repeated small bodies may be answered
  from a bounded per-process verdict cache (`verdict_cache.py`), every answer still audited.
  The page asks for a reviewer key and keeps it in the tab's sessionStorage. CORS stays off
  unless origins are configured. See `security.py`, `inputs.py`, `judging.py`, `connections.py`.

Importing this package without FastAPI installed raises `MissingExtraError` naming the extra.
"""

from sentinel_guard.errors import require_extra

require_extra("fastapi", "server", "the oversight service")
require_extra("uvicorn", "server", "the oversight service")

from sentinel_guard.server.app import create_app  # noqa: E402
from sentinel_guard.server.serve import run  # noqa: E402

__all__ = ["create_app", "run"]

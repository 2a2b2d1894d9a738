"""The oversight service (extra `server`): HTTP API, audit trail, metrics and a dashboard.

    from sentinel_guard.server import create_app, run
    run(port=8080, api_key="s3cret", audit="sentinel-audit.db")     # or: sentinel-guard serve

Deployment notes:

* Every piece of state a client can observe — verdicts, escalations and their answers, stats,
  metrics — lives in the audit store, so `--workers N`, or several instances on one host given
  the same `--audit` file, answer alike (SQLite in WAL mode; each process group-commits its own
  writes and waits on the file lock for at most 30 s). Only `/v1/observe` (tool outputs
  remembered per session) is per-process memory: send a session's calls to one process.
* Past one host, implement the same store methods (`append_many`, `query`, `get`, `resolve`,
  `stats`) on a server database such as PostgreSQL; the routes need nothing else.
* Keys have roles (`keys.py`): agent keys judge calls and poll escalations, reviewer keys also
  answer them and read the audit; everything but `/health`, `/docs` and the dashboard's static
  shell needs `Authorization: Bearer <key>`. Without any key the service answers loopback only.
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

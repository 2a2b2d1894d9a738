"""The oversight service (extra `server`): HTTP API, audit trail, metrics and a dashboard.

    from sentinel_guard.server import create_app, run
    run(port=8080, api_key="s3cret", audit="sentinel-audit.db")     # or: sentinel-guard serve

Importing this package without FastAPI installed raises `MissingExtraError` naming the extra.
"""

from sentinel_guard.errors import require_extra

require_extra("fastapi", "server", "the oversight service")
require_extra("uvicorn", "server", "the oversight service")

from sentinel_guard.server.app import create_app  # noqa: E402
from sentinel_guard.server.serve import run  # noqa: E402

__all__ = ["create_app", "run"]

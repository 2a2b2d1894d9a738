"""`run()`: start the service under uvicorn — what `sentinel-guard serve` calls.

One worker runs the app object built here. With `workers > 1`, uvicorn starts processes that
each call the `create_app` factory, so the configuration travels as `SENTINEL_*` environment
variables; the workers share the SQLite audit file (WAL, busy timeout), which holds every piece
of state a client can observe.
"""

from __future__ import annotations

import os
from pathlib import Path

from sentinel_guard.errors import ConfigError
from sentinel_guard.policy import Policy

__all__ = ["run"]

FACTORY = "sentinel_guard.server.app:create_app"


def run(
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    policy: str | Path | None = None,
    api_key: str | None = None,
    audit: str | Path | None = None,
    workers: int = 1,
    cors_origins: list[str] | None = None,
    overseer: str = "rules",
    max_body_bytes: int | None = None,
    log_level: str = "warning",
    access_log: bool = False,
    audit_sync: str | None = None,
    model_url: str | None = None,
    model: str | None = None,
) -> None:
    """Serve until interrupted. Arguments left None fall back to `SENTINEL_*` env vars, then defaults.

    Raises `ConfigError` (before binding the port) for a bad policy file, port or worker count.
    """
    import uvicorn

    if not 0 <= port <= 65535:
        raise ConfigError(f"port must be 0-65535, got {port}")
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    settings = {
        "SENTINEL_POLICY": str(policy) if policy else None,
        "SENTINEL_API_KEY": api_key,
        "SENTINEL_AUDIT": str(audit) if audit else None,
        "SENTINEL_CORS_ORIGINS": ",".join(cors_origins) if cors_origins else None,
        "SENTINEL_OVERSEER": overseer,
        "SENTINEL_MAX_BODY_BYTES": str(max_body_bytes) if max_body_bytes else None,
        "SENTINEL_AUDIT_SYNC": audit_sync,
        "SENTINEL_MODEL_URL": model_url,
        "SENTINEL_MODEL": model,
    }
    for name, value in settings.items():
        if value is not None:
            os.environ[name] = value
    if os.environ.get("SENTINEL_POLICY"):
        Policy.from_yaml(os.environ["SENTINEL_POLICY"])  # fail now, with the file's name, not in each worker
    common = {"host": host, "port": port, "log_level": log_level, "access_log": access_log}
    if workers == 1:
        from sentinel_guard.server.app import create_app

        uvicorn.run(create_app(), **common)  # type: ignore[arg-type]
    else:
        uvicorn.run(FACTORY, factory=True, workers=workers, **common)  # type: ignore[arg-type]

"""`run()`: start the service under uvicorn — what `sentinel-guard serve` calls.

One worker runs the app object built here. With `workers > 1`, uvicorn starts processes that
each call the `create_app` factory, so the configuration travels as `SENTINEL_*` environment
variables; the workers share the SQLite audit file (WAL, busy timeout), which holds every piece
of state a client can observe.

Connections are kept honest at the socket (`connections.py`: header/body deadlines, a cap) and
idle keep-alive sockets are closed after `idle_timeout_s`. On SIGTERM/SIGINT open requests —
escalation long-polls included — get `shutdown_grace_s` to finish, then the process exits.
Without any key the service refuses to bind a non-loopback interface.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from sentinel_guard.errors import ConfigError
from sentinel_guard.policy import Policy
from sentinel_guard.server.keys import KeyRing, parse_reviewer_spec
from sentinel_guard.server.security import is_loopback_host

__all__ = ["run"]

FACTORY = "sentinel_guard.server.app:create_app"
PROTOCOL = "sentinel_guard.server.connections:GuardedHttpProtocol"


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
    reviewer_keys: Sequence[str] = (),
    keys_file: str | Path | None = None,
    rate_limit: float | None = None,
    judge_budget_s: float | None = None,
    judge_workers: int | None = None,
    idle_timeout_s: float = 5.0,
    header_timeout_s: float = 10.0,
    body_timeout_s: float = 30.0,
    max_connections: int = 1024,
    shutdown_grace_s: float = 1.0,
    embed: bool = False,
) -> None:
    """Serve until interrupted. Arguments left None fall back to `SENTINEL_*` env vars, then defaults.

    Raises `ConfigError` (before binding the port) for a bad policy file, port, worker count,
    key (shorter than 16 characters, malformed `NAME=KEY`, unreadable keys file), or a
    non-loopback `host` with no key configured.
    """
    import uvicorn

    if not 0 <= port <= 65535:
        raise ConfigError(f"port must be 0-65535, got {port}")
    if workers < 1:
        raise ConfigError(f"workers must be at least 1, got {workers}")
    limits: tuple[tuple[str, float], ...] = (("idle timeout", idle_timeout_s), ("header timeout", header_timeout_s),
                                             ("body timeout", body_timeout_s), ("max connections", max_connections))
    for what, limit in limits:
        if limit <= 0:
            raise ConfigError(f"{what} must be positive, got {limit:g}")
    if shutdown_grace_s < 0:
        raise ConfigError(f"shutdown grace must not be negative, got {shutdown_grace_s:g}")
    reviewers = dict(parse_reviewer_spec(spec) for spec in reviewer_keys)
    settings: dict[str, str | None] = {
        "SENTINEL_POLICY": str(policy) if policy else None,
        "SENTINEL_API_KEY": api_key,
        "SENTINEL_REVIEWER_KEYS": ",".join(f"{n}={k}" for n, k in reviewers.items()) or None,
        "SENTINEL_KEYS_FILE": str(keys_file) if keys_file else None,
        "SENTINEL_RATE_LIMIT": str(rate_limit) if rate_limit else None,
        "SENTINEL_JUDGE_BUDGET_S": str(judge_budget_s) if judge_budget_s else None,
        "SENTINEL_JUDGE_WORKERS": str(judge_workers) if judge_workers else None,
        "SENTINEL_HEADER_TIMEOUT_S": str(header_timeout_s),
        "SENTINEL_BODY_TIMEOUT_S": str(body_timeout_s),
        "SENTINEL_MAX_CONNECTIONS": str(max_connections),
        "SENTINEL_AUDIT": str(audit) if audit else None,
        "SENTINEL_CORS_ORIGINS": ",".join(cors_origins) if cors_origins else None,
        "SENTINEL_OVERSEER": overseer,
        "SENTINEL_MAX_BODY_BYTES": str(max_body_bytes) if max_body_bytes else None,
        "SENTINEL_AUDIT_SYNC": audit_sync,
        "SENTINEL_MODEL_URL": model_url,
        "SENTINEL_MODEL": model,
        "SENTINEL_EMBED": "1" if embed else None,
    }
    for name, value in settings.items():
        if value is not None:
            os.environ[name] = value
    if os.environ.get("SENTINEL_POLICY"):
        Policy.from_yaml(os.environ["SENTINEL_POLICY"])  # fail now, with the file's name, not in each worker
    keys = KeyRing.from_env(os.environ)  # fail now on a short or malformed key
    if embed:  # fail now, naming the extra or the export, not in each worker
        from sentinel_guard.learned.embed import EmbedTier

        EmbedTier()
    if keys.empty and not is_loopback_host(host.encode()):
        raise ConfigError(f"refusing to serve on {host} without a key: anyone who reaches it could read the audit "
                          "and answer escalations; give --api-key and --reviewer-key (or --keys-file), or bind "
                          "127.0.0.1")
    common = {"host": host, "port": port, "log_level": log_level, "access_log": access_log, "http": PROTOCOL,
              "timeout_keep_alive": idle_timeout_s, "timeout_graceful_shutdown": shutdown_grace_s}
    if workers == 1:
        from sentinel_guard.server.app import create_app

        uvicorn.run(create_app(), **common)  # type: ignore[arg-type]
    else:
        uvicorn.run(FACTORY, factory=True, workers=workers, **common)  # type: ignore[arg-type]

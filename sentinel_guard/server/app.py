"""`create_app`: the oversight service as a FastAPI app.

All state that callers can observe (verdicts, escalations, stats, `/v1/observe` session memory)
lives in the audit store, so several workers or instances pointed at one SQLite file — or hosts
pointed at one PostgreSQL database (`SENTINEL_AUDIT=postgresql://…`) — answer alike. Each process
keeps one write connection (fed by a group-commit writer thread) and one read connection (one
connection pool for PostgreSQL).

`create_app()` with no arguments reads its configuration from the environment, which is how
`uvicorn --factory sentinel_guard.server.app:create_app` and `sentinel-guard serve --workers N`
start it: `SENTINEL_API_KEY`, `SENTINEL_REVIEWER_KEYS` (comma-separated NAME=KEY),
`SENTINEL_KEYS_FILE`, `SENTINEL_AUDIT` (default `sentinel-audit.db`), `SENTINEL_POLICY`,
`SENTINEL_OVERSEER` (default `rules`), `SENTINEL_CORS_ORIGINS` (comma-separated),
`SENTINEL_MAX_BODY_BYTES` (default 1 MiB), `SENTINEL_RATE_LIMIT` (requests/s per key),
`SENTINEL_JUDGE_BUDGET_S` (default 10), `SENTINEL_JUDGE_WORKERS`, `SENTINEL_INLINE_BYTES` (default
1024), `SENTINEL_VERDICT_CACHE` (entries, default 4096; 0 turns it off), `SENTINEL_JUDGE_PROCESSES`
(default 1; 0: none) and `SENTINEL_PROCESS_BYTES` (default 16384).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware

from sentinel_guard import __version__
from sentinel_guard.audit import SQLiteAuditStore
from sentinel_guard.audit_pg import PostgresAuditStore
from sentinel_guard.errors import ConfigError
from sentinel_guard.guard import Guard
from sentinel_guard.memory import LocalSessionMemory, StoreSessionMemory
from sentinel_guard.policy import Policy
from sentinel_guard.server.front import ServiceApp
from sentinel_guard.server.judging import JudgePool
from sentinel_guard.server.keys import KeyRing
from sentinel_guard.server.procjudge import ProcessJudge
from sentinel_guard.server.security import AccessMiddleware, BodyLimitMiddleware
from sentinel_guard.server.setup import ServerStore, default_guard, env_float, env_int, open_store
from sentinel_guard.server.verdict_cache import VerdictCache
from sentinel_guard.server.writer import GroupCommitWriter

__all__ = ["ServerState", "create_app"]

_FROM_ENV: Any = object()
DEFAULT_AUDIT = "sentinel-audit.db"
BUILTIN_BACKENDS = ("heuristic", "rules", "default")
"""`/live/oversee` backend names that mean "this server's default guard"."""


@dataclass
class ServerState:
    """What the routes share: the guards, the audit store's two connections and the writer."""

    guard: Guard
    store: SQLiteAuditStore | PostgresAuditStore
    reader: SQLiteAuditStore | PostgresAuditStore
    writer: GroupCommitWriter
    backends: dict[str, Guard] = field(default_factory=dict)
    auth: bool = False
    pool: JudgePool = field(default_factory=JudgePool)
    started_at: float = field(default_factory=time.time)

    def backend(self, name: str) -> tuple[Guard, str] | None:
        """The guard for a `/live/oversee` backend name and the name to report, or None."""
        if name in BUILTIN_BACKENDS:
            return self.guard, self.guard.overseer.name
        guard = self.backends.get(name)
        return (guard, name) if guard is not None else None


def create_app(
    guard: Guard | None = None,
    *,
    api_key: str | None = _FROM_ENV,
    audit: ServerStore | str | Path = _FROM_ENV,
    policy: Policy | str | Path | None = _FROM_ENV,
    overseer: str = _FROM_ENV,
    max_body_bytes: int = _FROM_ENV,
    cors_origins: list[str] | None = _FROM_ENV,
    backends: dict[str, Guard] | None = None,
    fast_path: bool = _FROM_ENV,
    audit_sync: str = _FROM_ENV,
    reviewer_keys: dict[str, str] | None = None,
    keys_file: str | Path | None = None,
    rate_limit: float | None = _FROM_ENV,
    judge_budget_s: float = _FROM_ENV,
    judge_workers: int | None = None,
    inline_bytes: int = _FROM_ENV,
    verdict_cache: int = _FROM_ENV,
    judge_processes: int = _FROM_ENV,
    process_bytes: int = _FROM_ENV,
    embed: bool = _FROM_ENV,
) -> FastAPI:
    """Build the service.

    Args:
        guard: the default guard; built from `policy` and `overseer` when None. Its own audit
            store, if any, becomes the server's (the server writes records itself, to learn ids).
        api_key: the agents' bearer key (env `SENTINEL_API_KEY`): submit calls, poll escalations.
        reviewer_keys: name → key of the humans who answer escalations and read the audit trail.
            When `api_key` comes from the environment, these and `keys_file` do too
            (`SENTINEL_REVIEWER_KEYS`, `SENTINEL_KEYS_FILE`). With no key at all the service
            accepts loopback requests only (see `security.py`).
        keys_file: lines `agent NAME KEY` / `reviewer NAME KEY` (see `keys.py`).
        rate_limit: requests per second per key, 429 beyond (env `SENTINEL_RATE_LIMIT`); None: off.
        judge_budget_s: seconds one call may take to judge, queue included; fail closed beyond
            (env `SENTINEL_JUDGE_BUDGET_S`, default 10).
        judge_workers: worker threads that judge (env `SENTINEL_JUDGE_WORKERS`; default 2-8 by CPUs).
        inline_bytes: hot-route bodies up to this size without a session are judged on the event
            loop, cheaper than a thread hand-off (env `SENTINEL_INLINE_BYTES`, default 1024; 0: none).
        verdict_cache: how many verdicts of repeated, session-less hot-route bodies a process keeps
            for a rules guard (env `SENTINEL_VERDICT_CACHE`, default 4096; 0: off). Each request
            is still audited; see `verdict_cache.py` for why a hit is the same verdict.
        judge_processes: worker processes (started on the first big call) that judge calls of
            `process_bytes` characters or more for the rules guard this function builds, so they
            never hold this process's GIL (env `SENTINEL_JUDGE_PROCESSES`, default 1; 0: none;
            a `guard` passed in is always judged in this process). `process_bytes`: env
            `SENTINEL_PROCESS_BYTES`, default 16384.
        embed: the guard this function builds (and its judging processes) adds the embed tier,
            the full sentence encoder for texts the default tier is unsure of (env
            `SENTINEL_EMBED=1`; extra `embed` and `sentinel-guard embed-export`).
        audit: SQLite audit file or store (env `SENTINEL_AUDIT`, default `sentinel-audit.db`).
        policy: policy (or YAML path) for the default guard (env `SENTINEL_POLICY`).
        overseer: `rules` (env `SENTINEL_OVERSEER`); other names need `backends`.
        max_body_bytes: request-body limit, 413 beyond it (env `SENTINEL_MAX_BODY_BYTES`, 1 MiB).
        cors_origins: allowed browser origins; CORS stays off when None/empty (env `SENTINEL_CORS_ORIGINS`).
        backends: extra guards `/live/oversee` may select by `backend` name (e.g. a model overseer).
        fast_path: answer well-formed `/v1/oversee` and `/live/oversee` calls without the framework's
            per-request machinery (same schema, judging and answers; see `fastpath.py`); on unless
            env `SENTINEL_FAST_PATH=0`.
        audit_sync: `full` (default: every commit fsynced, verdicts survive a power cut) or
            `normal` (survive a killed process, not a machine crash; no fsync wait per answer),
            for an audit path (env `SENTINEL_AUDIT_SYNC`).
    """
    from sentinel_guard.server.inputs import StrictJSONMiddleware
    from sentinel_guard.server.routes_admin import router as admin_router
    from sentinel_guard.server.routes_docs import router as docs_router
    from sentinel_guard.server.routes_oversee import install_error_handlers
    from sentinel_guard.server.routes_oversee import router as oversee_router

    env = os.environ
    if api_key is _FROM_ENV and reviewer_keys is None and keys_file is None:
        keys = KeyRing.from_env(env)
    else:
        keys = KeyRing.configure(api_key=(env.get("SENTINEL_API_KEY") or None) if api_key is _FROM_ENV else api_key,
                                 reviewer_keys=reviewer_keys or {}, keys_file=keys_file)
    if rate_limit is _FROM_ENV:
        rate_limit = env_float("SENTINEL_RATE_LIMIT", None)
    if judge_budget_s is _FROM_ENV:
        judge_budget_s = env_float("SENTINEL_JUDGE_BUDGET_S", 10.0) or 10.0
    if judge_workers is None and env.get("SENTINEL_JUDGE_WORKERS", "").strip():
        judge_workers = env_int("SENTINEL_JUDGE_WORKERS", 0)
    if inline_bytes is _FROM_ENV:
        inline_bytes = env_int("SENTINEL_INLINE_BYTES", 1024)
    if verdict_cache is _FROM_ENV:
        verdict_cache = env_int("SENTINEL_VERDICT_CACHE", 4096)
    if judge_processes is _FROM_ENV:
        judge_processes = env_int("SENTINEL_JUDGE_PROCESSES", 1)
    if process_bytes is _FROM_ENV:
        process_bytes = env_int("SENTINEL_PROCESS_BYTES", 16384)
    if embed is _FROM_ENV:
        embed = env.get("SENTINEL_EMBED", "").strip().lower() in ("1", "true", "yes", "on")
    if judge_processes < 0 or process_bytes < 1:
        raise ConfigError(f"judge processes must not be negative and process bytes must be positive, got "
                          f"{judge_processes} and {process_bytes}")
    if inline_bytes < 0 or verdict_cache < 0:
        raise ConfigError(f"inline bytes and verdict cache entries must not be negative, got {inline_bytes} and "
                          f"{verdict_cache}")
    if rate_limit is not None and rate_limit <= 0:
        raise ConfigError(f"rate limit must be a positive number of requests per second, got {rate_limit:g}")
    if judge_budget_s <= 0:
        raise ConfigError(f"the judging budget must be a positive number of seconds, got {judge_budget_s:g}")
    if judge_workers is not None and judge_workers < 1:
        raise ConfigError(f"judge workers must be at least 1, got {judge_workers}")
    if policy is _FROM_ENV:
        policy = env.get("SENTINEL_POLICY") or None
    if overseer is _FROM_ENV:
        overseer = env.get("SENTINEL_OVERSEER") or "rules"
    if max_body_bytes is _FROM_ENV:
        max_body_bytes = env_int("SENTINEL_MAX_BODY_BYTES", 1 << 20)
    if cors_origins is _FROM_ENV:
        cors_origins = [o.strip() for o in env.get("SENTINEL_CORS_ORIGINS", "").split(",") if o.strip()]
    if fast_path is _FROM_ENV:
        fast_path = env.get("SENTINEL_FAST_PATH", "1").strip().lower() not in ("0", "false", "no", "off")
    if audit_sync is _FROM_ENV:
        audit_sync = env.get("SENTINEL_AUDIT_SYNC") or "full"
    if max_body_bytes < 1024:
        raise ConfigError(f"max_body_bytes must be at least 1024, got {max_body_bytes}")
    if keys.empty:
        logging.getLogger("sentinel_guard.server").warning(
            "no API key configured: only requests from and addressed to loopback (127.0.0.1, localhost) are "
            "answered; set --api-key and --reviewer-key to serve anyone else")

    own_rules_guard = guard is None and overseer == "rules"
    if guard is None:
        guard = default_guard(policy, overseer, embed=embed)
    if audit is _FROM_ENV:
        if guard.audit is not None and not isinstance(guard.audit, ServerStore):
            raise ConfigError(f"the guard's audit store is a {type(guard.audit).__name__}; the server reads stats and "
                              "escalations back from an SQLite store: pass audit=<path>.db")
        audit = guard.audit if isinstance(guard.audit, ServerStore) else env.get("SENTINEL_AUDIT", DEFAULT_AUDIT)
    guard.audit = None  # the server appends (group commit) so it can return each record's id
    for extra in (backends or {}).values():
        extra.audit = None
    store, reader = open_store(audit, audit_sync)
    for g in (guard, *(backends or {}).values()):
        if isinstance(g.memory, LocalSessionMemory):  # /v1/observe: every worker and instance sees it
            g.memory = StoreSessionMemory(store, reader=reader, limits=g.memory.limits)
    processes = (guard, ProcessJudge(guard.policy, workers=judge_processes, embed=embed)) \
        if own_rules_guard and judge_processes else None
    state = ServerState(guard=guard, store=store, reader=reader, writer=GroupCommitWriter(store),
                        backends=dict(backends or {}), auth=not keys.empty,
                        pool=JudgePool(workers=judge_workers, budget_s=judge_budget_s, inline_bytes=inline_bytes,
                                       cache=VerdictCache(verdict_cache) if verdict_cache else None,
                                       processes=processes, process_bytes=process_bytes))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for g in {id(g): g for g in (state.guard, *state.backends.values())}.values():
            try:
                g.warm_up()  # the first request should not pay for parser and model loading
            except Exception as exc:  # noqa: BLE001 - requests will fail closed and name it; say so now too
                logging.getLogger("sentinel_guard.server").warning("warm-up failed: %s: %s", type(exc).__name__, exc)
        yield
        state.pool.close()
        state.writer.close()
        for g in {id(g): g for g in (state.guard, *state.backends.values())}.values():
            await g.aclose()
        store.close()
        if reader is not store:
            reader.close()

    app = ServiceApp(
        title="sentinel-guard oversight service",
        version=__version__,
        summary="Approve, flag, block or escalate AI-agent tool calls; every verdict is audited before it is returned.",
        lifespan=lifespan,
        docs_url=None,  # /docs is a packaged page (routes_docs.py): no CDN, works with a key
        redoc_url=None,
    )
    app.state.sentinel = state
    install_error_handlers(app)
    app.include_router(oversee_router)
    app.include_router(admin_router)
    app.include_router(docs_router)
    # The service's layers run in front of the framework (see `front.py`), outermost first: body
    # limit, then CORS (so preflights and 401s carry CORS headers when it is on), then access
    # (host, key, role, rate), then the strict JSON check, then the fast path for well-formed
    # hot-route calls; whatever the fast path does not answer reaches the framework's routes.
    from sentinel_guard.server.fastpath import FastPathMiddleware

    layers: list[tuple[Any, dict[str, Any]]] = [(BodyLimitMiddleware, {"max_bytes": max_body_bytes})]
    if cors_origins:
        layers.append((CORSMiddleware, {"allow_origins": cors_origins, "allow_methods": ["GET", "POST"],
                                        "allow_headers": ["Authorization", "Content-Type"]}))
    layers += [(AccessMiddleware, {"keys": keys, "rate_limit": rate_limit}), (StrictJSONMiddleware, {})]
    if fast_path:
        layers.append((FastPathMiddleware, {"state": state}))
    app.wrap(layers)
    return app


def state_of(request: Request) -> ServerState:
    """The `ServerState` of the app serving `request`."""
    return request.app.state.sentinel  # type: ignore[no-any-return]


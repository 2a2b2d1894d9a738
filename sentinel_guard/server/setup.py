"""What the operator configured, turned into objects: the default guard and the audit stores.

Split from `app.py` (which wires the app, its middleware and its lifespan): these read settings
and open things, and each refuses a bad setting with a `ConfigError` naming it.
"""

from __future__ import annotations

import os
from pathlib import Path

from sentinel_guard.audit import SQLiteAuditStore, is_postgres_url
from sentinel_guard.audit_pg import PostgresAuditStore
from sentinel_guard.errors import ConfigError
from sentinel_guard.guard import Guard
from sentinel_guard.policy import Policy
from sentinel_guard.shield import Shield

__all__ = ["ServerStore", "default_guard", "env_float", "env_int", "open_store"]


def env_float(name: str, default: float | None) -> float | None:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def default_guard(policy: Policy | str | Path | None, overseer: str, *, embed: bool = False) -> Guard:
    """The guard the operator chose: `rules` (default), or a model as `openai` / `cascade`;
    `embed`: its shield and intent step add the embed tier (extra `embed` and its export).

    A model overseer needs `SENTINEL_MODEL_URL` (an OpenAI-compatible base URL, e.g. a
    `vllm serve ... --lora-modules overseer=ADAPTER` server) and `SENTINEL_MODEL` (the model or
    LoRA module name); `SENTINEL_MODEL_API_KEY` is optional. Nothing is loaded in-process and no
    request can change this choice.
    """
    shield = Shield(embed=True) if embed else True
    if overseer == "rules":
        return Guard(policy=policy, shield=shield)
    if overseer == "local":
        return local_guard(policy, shield)
    if overseer not in ("openai", "cascade"):
        raise ConfigError(f"unknown overseer {overseer!r}: choose rules, openai, cascade or local")
    url, model = os.environ.get("SENTINEL_MODEL_URL"), os.environ.get("SENTINEL_MODEL")
    if not url or not model:
        raise ConfigError(f"overseer {overseer!r} needs --model-url and --model (SENTINEL_MODEL_URL, SENTINEL_MODEL)")
    from sentinel_guard.backends import CascadeOverseer, OpenAICompatibleOverseer

    resolved = policy if isinstance(policy, Policy) else (Policy.from_yaml(policy) if policy else Policy())
    remote = OpenAICompatibleOverseer(url, model, api_key=os.environ.get("SENTINEL_MODEL_API_KEY"),
                                      constraints=resolved.constraints)
    chosen = remote if overseer == "openai" else CascadeOverseer(model=remote, policy=resolved)
    return Guard(chosen, policy=resolved, shield=shield)


def local_guard(policy: Policy | str | Path | None, shield: Shield | bool = True) -> Guard:
    """`local`: a model in this process (extra `local`); `SENTINEL_MODEL` is an adapter directory
    (its recorded base is loaded under it) or a base (a named base, model directory or .gguf)."""
    target = os.environ.get("SENTINEL_MODEL")
    if not target:
        raise ConfigError("overseer 'local' needs --model: an adapter directory or a base model")
    from sentinel_guard.backends.local import LocalOverseer

    resolved = policy if isinstance(policy, Policy) else (Policy.from_yaml(policy) if policy else Policy())
    is_adapter = (Path(target) / "adapter_config.json").is_file()
    local = LocalOverseer(adapter=target, constraints=resolved.constraints) if is_adapter else \
        LocalOverseer(target, constraints=resolved.constraints)
    return Guard(local, policy=resolved, shield=shield)


ServerStore = SQLiteAuditStore | PostgresAuditStore
"""Stores the service can read stats, escalations and session memory back from."""


def open_store(audit: ServerStore | str | Path, sync: str) -> tuple[ServerStore, ServerStore]:
    """The writer's store and the readers' (SQLite: a second connection; PostgreSQL: one pool)."""
    if isinstance(audit, PostgresAuditStore):
        return audit, audit
    if is_postgres_url(audit):
        from sentinel_guard.audit import open_audit_store

        try:
            pg = open_audit_store(str(audit), synchronous=sync)
        except ValueError as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"audit sync: {exc}") from None
        assert isinstance(pg, PostgresAuditStore)
        return pg, pg
    if isinstance(audit, SQLiteAuditStore):
        store = audit
    elif isinstance(audit, (str, Path)):
        if str(audit) == ":memory:" or str(audit).endswith(".jsonl"):
            raise ConfigError("the server needs an SQLite audit file (a path such as sentinel-audit.db), "
                              f"not {str(audit)!r}: stats and escalations are read back from it")
        try:
            store = SQLiteAuditStore(audit, synchronous=sync)
        except ValueError as exc:
            raise ConfigError(f"audit sync: {exc}") from None
    else:
        raise ConfigError(f"audit must be a path, a postgresql:// URL or an SQL audit store, not {type(audit).__name__}")
    return store, SQLiteAuditStore(store.path)

"""The war-room environment (`sentinel_guard.env`, extra `env`): an OpenEnv where a scripted
responder proposes cloud-incident actions and the overseer under training approves, flags, blocks or
escalates them.

Importing this package is cheap: the OpenEnv-backed classes (`WarRoomEnvironment`,
`WarRoomClient`, `create_app` and the typed models) load on first attribute access. The engine,
graders, prompt and eval harness need only pydantic.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "Episode",
    "OverseerAction",
    "ResponderAction",
    "WarRoomAction",
    "WarRoomClient",
    "WarRoomEnvironment",
    "WarRoomObservation",
    "WarRoomState",
    "create_app",
    "grade_decision",
    "observation_to_messages",
    "observation_to_toolcall",
    "run_eval",
]

_LAZY = {
    "Episode": "sentinel_guard.env.engine",
    "WarRoomEnvironment": "sentinel_guard.env.environment",
    "create_app": "sentinel_guard.env.environment",
    "WarRoomClient": "sentinel_guard.env.client",
    "WarRoomAction": "sentinel_guard.env.models",
    "WarRoomObservation": "sentinel_guard.env.models",
    "WarRoomState": "sentinel_guard.env.models",
    "OverseerAction": "sentinel_guard.env.models",
    "ResponderAction": "sentinel_guard.env.models",
    "grade_decision": "sentinel_guard.env.graders",
    "observation_to_messages": "sentinel_guard.env.prompt",
    "observation_to_toolcall": "sentinel_guard.env.prompt",
    "run_eval": "sentinel_guard.env.evaluate",
}


_NEEDS_OPENENV = frozenset({"sentinel_guard.env.environment", "sentinel_guard.env.client", "sentinel_guard.env.models"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = _LAZY[name]
        if module in _NEEDS_OPENENV:
            from sentinel_guard.errors import require_extra

            require_extra("openenv", "env", "the war-room OpenEnv server and client")
        return getattr(import_module(module), name)
    raise AttributeError(f"module 'sentinel_guard.env' has no attribute {name!r}")

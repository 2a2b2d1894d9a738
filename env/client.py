"""`WarRoomClient`: a typed OpenEnv `EnvClient` for the war room over the WebSocket session route.

    async with WarRoomClient(base_url="http://127.0.0.1:8000") as env:
        r = await env.reset(task_id="war_room", seed=7, mode="train_overseer")
        r = await env.step(WarRoomAction(role="overseer", overseer=OverseerAction(decision="block",
                                                                                   justification="...")))
or synchronously with `WarRoomClient(base_url=...).sync()`.
"""

from __future__ import annotations

from typing import Any

from openenv.core import EnvClient
from openenv.core.client_types import StepResult
from sentinel_guard.env.models import WarRoomAction, WarRoomObservation, WarRoomState

__all__ = ["WarRoomClient"]


class WarRoomClient(EnvClient[WarRoomAction, WarRoomObservation, WarRoomState]):
    """Each client connection is its own server-side session and episode."""

    def _step_payload(self, action: WarRoomAction) -> dict[str, Any]:
        return action.model_dump(exclude_none=True, exclude={"metadata"})

    def _parse_result(self, payload: dict[str, Any]) -> StepResult[WarRoomObservation]:
        data = dict(payload.get("observation") or {})
        data["done"] = bool(payload.get("done", False))
        data["reward"] = payload.get("reward")
        obs = WarRoomObservation.model_validate(data)
        return StepResult(observation=obs, reward=payload.get("reward"), done=bool(payload.get("done", False)))

    def _parse_state(self, payload: dict[str, Any]) -> WarRoomState:
        return WarRoomState(**payload)

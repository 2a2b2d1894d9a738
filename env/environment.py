"""`WarRoomEnvironment`: the OpenEnv `Environment` over the plain-Python episode engine, and its app.

One instance per WebSocket session (the server's factory makes a fresh one per connection), so
concurrent clients never share an episode. `step` and `reset` are cheap CPU work, so the async
variants run inline instead of hopping to a thread pool.
"""

from __future__ import annotations

from typing import Any

from openenv.core.env_server.interfaces import Environment
from sentinel_guard.env.engine import EnvInputError, Episode, StepOutcome
from sentinel_guard.env.models import (
    WarRoomAction,
    WarRoomObservation,
    WarRoomState,
)

__all__ = ["WarRoomEnvironment", "create_app"]


def _to_observation(out: StepOutcome, reward: float) -> WarRoomObservation:
    # model_validate (pydantic-core) is both checked and faster than model_construct here.
    return WarRoomObservation.model_validate({
        **out.observation, "reward": reward, "metadata": {},
        "rewards": {"responder": out.responder_reward, "overseer": out.overseer_reward,
                    "overseer_binary": out.overseer_binary},
    })


class WarRoomEnvironment(Environment[WarRoomAction, WarRoomObservation, WarRoomState]):
    """Responder/overseer war room; `reset(task_id=, seed=, mode=, suite=, split=)` starts an episode."""

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self) -> None:
        super().__init__()
        self._episode: Episode | None = None

    @property
    def episode(self) -> Episode | None:
        """The running episode (engine object), or None before the first reset."""
        return self._episode

    def reset(self, seed: int | None = None, episode_id: str | None = None, task_id: str = "action_screen",
              mode: str = "alternating", suite: str = "v2", split: str = "train", **kwargs: Any) -> WarRoomObservation:
        """Start an episode. Unknown task/suite/mode/split or extra arguments raise `EnvInputError` and
        leave any running episode untouched."""
        if kwargs:
            raise EnvInputError(f"unknown reset argument(s): {', '.join(sorted(kwargs))}")
        self._episode = Episode(task_id, seed, mode, suite=suite, split=split, episode_id=episode_id)
        return _to_observation(StepOutcome(self._episode.observation()), 0.0)

    def step(self, action: WarRoomAction, timeout_s: float | None = None, **kwargs: Any) -> WarRoomObservation:
        """Apply a responder or overseer action; errors come back in `last_action_error`, state unchanged."""
        if self._episode is None:
            raise EnvInputError("no episode: call reset first")
        body: dict[str, Any] = {"role": action.role}
        if action.responder is not None:
            r = action.responder
            body["responder"] = {"action_type": r.action_type, "parameters": r.parameters, "reasoning": r.reasoning,
                                 "responder_role": r.responder_role}
        if action.overseer is not None:
            body["overseer"] = {"decision": action.overseer.decision, "justification": action.overseer.justification}
        out = self._episode.step(body)
        return _to_observation(out, out.overseer_reward if action.role == "overseer" else out.responder_reward)

    async def reset_async(self, seed: int | None = None, episode_id: str | None = None, task_id: str = "action_screen",
                          mode: str = "alternating", suite: str = "v2", split: str = "train",
                          **kwargs: Any) -> WarRoomObservation:
        return self.reset(seed, episode_id, task_id, mode, suite, split, **kwargs)

    async def step_async(self, action: WarRoomAction, timeout_s: float | None = None,
                         **kwargs: Any) -> WarRoomObservation:
        return self.step(action, timeout_s, **kwargs)

    @property
    def state(self) -> WarRoomState:
        if self._episode is None:
            return WarRoomState(episode_id=None, step_count=0)
        return WarRoomState(**self._episode.state())


def create_app(max_concurrent_envs: int = 64) -> Any:
    """The FastAPI app serving the war room (HTTP routes + the `/ws` session route)."""
    from fastapi import Request
    from fastapi.responses import JSONResponse
    from openenv.core.env_server.http_server import create_app as _create

    app = _create(WarRoomEnvironment, WarRoomAction, WarRoomObservation, env_name="war_room",
                  max_concurrent_envs=max_concurrent_envs)

    async def _bad_input(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=400, content={"detail": str(exc)})

    app.add_exception_handler(EnvInputError, _bad_input)
    return app

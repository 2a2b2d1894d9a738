"""`WarRoomToolEnv`: the TRL `environment_factory` adapter around the in-process war-room env.

TRL creates one instance per rollout and calls `reset(**row)` with the dataset row; every public
method becomes a tool the model can call (helpers are private for that reason). There is one tool per decision. Each
call steps the real environment (the env's grader scores it) and answers with the next
overseer-phase prompt, so a rollout can oversee several turns of the same episode
(`max_overseer_turns`). The dataset row's prompt is the served prompt of the first turn, rendered by
the env's observation→prompt function; replaying the row's `prefix` rebuilds that exact state.
"""

from __future__ import annotations

from typing import Any

from sentinel_guard.train import envlink

__all__ = ["ENVIRONMENTS", "WarRoomAnswerEnv", "WarRoomEnv", "WarRoomToolEnv"]


class WarRoomEnv:
    """One war-room episode per rollout; rewards are the env's binary overseer rewards.

    The base exposes no tools. `WarRoomAnswerEnv` is this base as is: the rollout answers the served
    JSON verdict, exactly as the model is served, and `rewards.env_reward` steps the env with it.
    `WarRoomToolEnv` adds one tool per decision for multi-turn rollouts.
    """

    def __init__(self) -> None:
        self.rewards: list[float] = []
        self.done = True
        self._session: envlink.Session | None = None
        self._turns_left = 0
        self._view = "full"

    def reset(self, **row: Any) -> str | None:
        """Rebuild the row's overseer turn (suite, task, seed, prefix); nothing is appended to the prompt."""
        self._session = envlink.replay(envlink.ref_from_row(row))
        self.rewards = []
        self.done = self._session.done
        self._turns_left = int(row.get("max_overseer_turns") or 1)
        self._view = str(row.get("prompt_view") or "full")
        return None

    def _decide(self, decision: str, justification: str) -> str:
        """Step the env with one decision; returns the next turn's prompt, or says the episode ended."""
        if self._session is None or self.done:
            raise ValueError("The episode is over; no more decisions are accepted.")
        outcome = self._session.decide(decision, justification)
        self.rewards.append(outcome.binary)
        self._turns_left -= 1
        self.done = outcome.done or self._turns_left <= 0
        if self.done:
            return "Episode over."
        return envlink.user_prompt(self._session.observation, self._view)

    @property
    def reward(self) -> float:
        """Mean binary reward over this rollout's decisions (0.0 when it made none).

        Deliberately not `get_reward`: TRL would add that as a second reward source on top of
        `rewards.env_reward`, counting every decision twice.
        """
        return sum(self.rewards) / len(self.rewards) if self.rewards else 0.0


class WarRoomAnswerEnv(WarRoomEnv):
    """No tools: one served-format verdict per rollout, graded by stepping the env (train = serve).

    For small models the tool boilerplate would double the prompt and show a format the served
    overseer never sees; this environment keeps the GRPO prompt byte-identical to the served one.
    """


class WarRoomToolEnv(WarRoomEnv):
    """One tool per decision; each call steps the env and returns the next turn's prompt."""

    def approve(self, justification: str) -> str:
        """Approve the proposed action: it is safe and consistent with the incident.

        Args:
            justification: The evidence (action, target, observation) the decision rests on.
        """
        return self._decide("approve", justification)

    def flag(self, justification: str) -> str:
        """Flag the proposed action: it runs, but a human should review it.

        Args:
            justification: The evidence (action, target, observation) the decision rests on.
        """
        return self._decide("flag", justification)

    def block(self, justification: str) -> str:
        """Block the proposed action: it must not run.

        Args:
            justification: The evidence (action, target, observation) the decision rests on.
        """
        return self._decide("block", justification)

    def escalate(self, justification: str) -> str:
        """Escalate the proposed action: it must not run until a human decides.

        Args:
            justification: The evidence (action, target, observation) the decision rests on.
        """
        return self._decide("escalate", justification)


ENVIRONMENTS: dict[str, type[WarRoomEnv]] = {"tools": WarRoomToolEnv, "answer": WarRoomAnswerEnv}
"""`stage_a/stage_c.environment` in a recipe → the environment_factory GRPO uses."""


def grade_answer(env: WarRoomEnv, text: str) -> None:
    """Grade a rollout that answered in the served JSON format (no tool call) by stepping its env."""
    from sentinel_guard.train.rewards import verdict_of

    parsed = verdict_of(text)
    if parsed is not None and not env.done:
        env._decide(*parsed)

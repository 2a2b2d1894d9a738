"""Reward functions for GRPO — thin: the env's grader decides, this module only routes to it.

A completion earns the env's *binary overseer reward* for the decision it made, obtained by
stepping the real environment (`WarRoomToolEnv.decide` / a tool call), never by re-implementing the
grader. A completion whose verdict cannot be parsed earns 0.0: it is not turned into an approval.
"""

from __future__ import annotations

from typing import Any

from sentinel_guard.errors import VerdictParseError
from sentinel_guard.prompting import parse_verdict

__all__ = ["completion_text", "env_reward", "verdict_of"]


def completion_text(completion: Any) -> str:
    """The text of a TRL completion: a string, or the contents of its assistant messages."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(str(m.get("content") or "") for m in completion
                       if isinstance(m, dict) and m.get("role", "assistant") == "assistant")
    return ""


def verdict_of(text: str) -> tuple[str, str] | None:
    """(decision, justification) from a served-format JSON verdict; None when it does not parse."""
    try:
        v = parse_verdict(text, decided_by="policy")
    except VerdictParseError:
        return None
    return v.decision.value, v.justification


def env_reward(completions: list[Any], environments: list[Any] | None = None, **_: Any) -> list[float]:
    """GRPO reward: the env's binary overseer reward, averaged over the decisions of each rollout.

    With `environment_factory`, decisions made through the tool methods are already graded by the
    env. A rollout that answered in the served JSON format instead (no tool call) is graded now by
    stepping its environment with the parsed decision. No decision at all → 0.0.
    """
    if environments is None or len(environments) != len(completions):
        raise ValueError("env_reward needs one environment per completion (GRPOTrainer environment_factory)")
    from sentinel_guard.train.tool_env import grade_answer

    rewards = []
    for completion, env in zip(completions, environments, strict=True):
        if not env.rewards:
            grade_answer(env, completion_text(completion))
        rewards.append(env.reward)
    return rewards

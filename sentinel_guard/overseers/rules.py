"""`RulesOverseer`: the default judge — parses commands, SQL and structured args; no model, no network.

SCAFFOLD: the rule registry (sentinel_guard/rules/) is being built; this fixes the interface.
"""

from __future__ import annotations

from sentinel_guard.overseers.base import Overseer
from sentinel_guard.policy import Policy
from sentinel_guard.rules.effects import Effect, classify_effect
from sentinel_guard.types import Decision, ToolCall, Verdict

__all__ = ["RulesOverseer"]


class RulesOverseer(Overseer):
    """Judges calls with the built-in rule set, adjusted by a `Policy`."""

    name = "rules"

    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or Policy()

    async def judge(self, call: ToolCall) -> Verdict:
        return self.evaluate(call)

    def evaluate(self, call: ToolCall) -> Verdict:
        """The synchronous core of `judge` (rules never wait on I/O)."""
        effect = classify_effect(call)
        decision = self.policy.unknown_tools.read if effect is Effect.READ else self.policy.unknown_tools.write
        return Verdict(decision=decision, justification=f"No rule matched; unknown {effect.value} tool.",
                       confidence=0.5, rules=(f"default.unknown-{effect.value}",), decided_by="rules")

    def judge_sync(self, call: ToolCall) -> Verdict:
        return self.evaluate(call)


_ = Decision

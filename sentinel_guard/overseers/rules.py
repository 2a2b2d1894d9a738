"""`RulesOverseer`: the default judge — parses commands, SQL and structured args; no model, no network.

The rules themselves live in `sentinel_guard.rules` (one module per domain, each rule a named,
pure check). This class adapts them to the `Overseer` interface and applies the policy's
rule switches and unknown-tool defaults. Every verdict names the rules that fired; when none
did, it names the default that decided (`default.read`, `default.unknown-write`, ...).
"""

from __future__ import annotations

from sentinel_guard.overseers.base import Overseer
from sentinel_guard.policy import Policy
from sentinel_guard.types import ToolCall, Verdict

__all__ = ["RulesOverseer"]


class RulesOverseer(Overseer):
    """Judges calls with the built-in rule set, adjusted by a `Policy`."""

    name = "rules"
    sync_native = True

    def __init__(self, policy: Policy | None = None) -> None:
        from sentinel_guard.rules.engine import evaluate  # deferred: the rule modules load on first use

        self.policy = policy or Policy()
        self._evaluate = evaluate
        """Bound once here: an import statement per call cost ~1 µs of every verdict."""

    async def judge(self, call: ToolCall) -> Verdict:
        return self.evaluate(call)

    def evaluate(self, call: ToolCall) -> Verdict:
        """The synchronous core of `judge` (rules never wait on I/O)."""
        return self._evaluate(call, self.policy)

    def judge_sync(self, call: ToolCall) -> Verdict:
        return self.evaluate(call)

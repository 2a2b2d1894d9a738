"""`RulesOverseer`: the default judge — parses commands, SQL and structured args; no model, no network.

The rules themselves live in `sentinel_guard.rules` (one module per domain, each rule a named,
pure check). This class adapts them to the `Overseer` interface. The policy belongs to the
`Guard`, which hands it over with every call (`judge(call, policy=...)`), so `disabled_rules`
and the unknown-tool defaults mean the same whichever way the guard was built. Used alone, the
overseer judges under the policy it was built with (default: `Policy()`).
"""

from __future__ import annotations

from sentinel_guard.analysis.transcript import Transcript
from sentinel_guard.errors import UsageError
from sentinel_guard.overseers.base import Overseer
from sentinel_guard.policy import Policy
from sentinel_guard.types import ToolCall, Verdict

__all__ = ["RulesOverseer"]


class RulesOverseer(Overseer):
    """Judges calls with the built-in rule set under a `Policy`."""

    name = "rules"
    sync_native = True
    takes_policy = True
    """Guards hand this overseer their policy with each call."""
    takes_transcript = True
    """Guards hand it the call's context as they parsed it for the shield, so it is parsed once."""

    def __init__(self, policy: Policy | None = None) -> None:
        from sentinel_guard.rules.engine import evaluate  # deferred: the rule modules load on first use

        self.policy = policy
        """The policy used when none is handed with a call; None means `Policy()` defaults."""
        self._evaluate = evaluate

    def _policy_for(self, handed: Policy | None) -> Policy:
        if handed is None:
            return self.policy or _DEFAULT
        if self.policy is not None and self.policy is not handed and self.policy != handed:
            raise UsageError("RulesOverseer was built with one policy and handed a different one; "
                             "give the policy to the Guard only (Guard(RulesOverseer(), policy=...))")
        return handed

    async def judge(self, call: ToolCall, policy: Policy | None = None, *,
                    transcript: Transcript | None = None) -> Verdict:
        return self.evaluate(call, policy, transcript=transcript)

    def evaluate(self, call: ToolCall, policy: Policy | None = None, *,
                 transcript: Transcript | None = None) -> Verdict:
        """The synchronous core of `judge` (rules never wait on I/O). `transcript`, if given, must
        be `parse_transcript(call.context)`; without it the rules parse the context when they need it."""
        return self._evaluate(call, self._policy_for(policy), transcript=transcript)

    def judge_sync(self, call: ToolCall, policy: Policy | None = None, *,
                   transcript: Transcript | None = None) -> Verdict:
        return self.evaluate(call, policy, transcript=transcript)


_DEFAULT = Policy()

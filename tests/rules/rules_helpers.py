"""Shared helpers for the rules tests: judge a call with the rules overseer alone."""

from __future__ import annotations

from typing import Any

from sentinel_guard.overseers.rules import RulesOverseer
from sentinel_guard.policy import Policy
from sentinel_guard.types import ToolCall, Verdict


def judge(tool: str, args: dict[str, Any], context: str | None = None, policy: Policy | None = None,
          **extra: Any) -> Verdict:
    """The rules overseer's verdict for one call."""
    return RulesOverseer(policy).evaluate(ToolCall(tool=tool, args=args, context=context, **extra))


def shell(command: str, context: str | None = None, policy: Policy | None = None) -> Verdict:
    """Verdict for a `shell` tool running `command`."""
    return judge("shell", {"command": command}, context, policy)

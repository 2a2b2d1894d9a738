"""The Guard owns the policy and hands it to the rules overseer with every call."""

from __future__ import annotations

import asyncio

import pytest

from sentinel_guard import Guard, Policy, ToolCall
from sentinel_guard.errors import SentinelError, UsageError
from sentinel_guard.overseers.rules import RulesOverseer

CALL = ToolCall(tool="shell", args={"command": "git reset --hard HEAD~3"})
OFF = Policy(disabled_rules=["git."])


@pytest.mark.parametrize("make", [
    lambda: Guard(policy=OFF, shield=False),
    lambda: Guard(RulesOverseer(), policy=OFF, shield=False),
    lambda: Guard(RulesOverseer(OFF), shield=False),
    lambda: Guard(RulesOverseer(OFF), policy=OFF, shield=False),
])
def test_disabled_rules_hold_however_the_guard_is_built(make) -> None:  # type: ignore[no-untyped-def]
    guard = make()
    assert not any(r.startswith("git.") for r in guard.judge_sync(CALL).rules)


def test_default_guard_still_fires_the_rule() -> None:
    assert "git.destroy-work" in Guard(shield=False).judge_sync(CALL).rules


def test_async_path_hands_the_policy_too() -> None:
    verdict = asyncio.run(Guard(RulesOverseer(), policy=OFF, shield=False).judge(CALL))
    assert not any(r.startswith("git.") for r in verdict.rules)


def test_two_different_policies_are_a_usage_error() -> None:
    with pytest.raises(UsageError) as err:
        Guard(RulesOverseer(OFF), policy=Policy(environment="production"))
    assert isinstance(err.value, SentinelError)
    with pytest.raises(UsageError):
        RulesOverseer(OFF).evaluate(CALL, Policy(environment="production"))

"""How the rules tier honours a `Policy`: disabled rules, unknown-tool defaults, environment, and naming."""

from __future__ import annotations

import pytest
from rules_helpers import judge, shell

from sentinel_guard import Guard
from sentinel_guard.policy import Policy
from sentinel_guard.rules.engine import known_rules
from sentinel_guard.types import Decision, ToolCall


def test_disabled_rule_is_removed_from_the_verdict() -> None:
    policy = Policy(disabled_rules=["git.destroy-work"])
    verdict = shell("git reset --hard HEAD", policy=policy)
    assert "git.destroy-work" not in verdict.rules
    assert not verdict.decision.stops


def test_disabled_prefix_removes_a_family_but_not_others() -> None:
    policy = Policy(disabled_rules=["recon."])
    assert shell("find / -perm -4000", policy=policy).decision is not Decision.ESCALATE
    assert shell("rm -rf /", policy=policy).decision is Decision.BLOCK


def test_unknown_tools_follow_the_policy_defaults() -> None:
    assert judge("get_forecast", {"city": "Oslo"}).decision is Decision.APPROVE
    assert judge("frobnicate_widget", {"id": 3}).decision is Decision.FLAG
    strict = Policy(unknown_tools={"read": "flag", "write": "escalate"})
    assert judge("get_forecast", {"city": "Oslo"}, policy=strict).decision is Decision.FLAG
    assert judge("frobnicate_widget", {"id": 3}, policy=strict).decision is Decision.ESCALATE


def test_unknown_writes_have_low_confidence_and_reads_high() -> None:
    assert judge("frobnicate_widget", {"id": 3}).confidence < 0.7
    assert judge("list_invoices", {}).confidence >= 0.8


def test_policy_environment_is_the_default_when_the_call_says_nothing() -> None:
    prod = Policy(environment="production")
    verdict = shell("kubectl scale deploy web --replicas=0", policy=prod)
    assert verdict.decision.stops and verdict.severity.value == "critical"
    staging = Policy(environment="staging")
    assert shell("kubectl scale deploy web --replicas=0", policy=staging).decision is Decision.FLAG


@pytest.mark.parametrize("tool,args", [
    ("shell", {"command": "rm -rf /srv/data"}),
    ("shell", {"command": "echo hello"}),
    ("execute_sql", {"query": "DROP TABLE t"}),
    ("send_email", {"to": "a@b.example", "body": "hi"}),
    ("mystery", {}),
    ("get_user", {"id": 1}),
])
def test_every_verdict_names_its_rule_and_reason(tool: str, args: dict) -> None:
    verdict = judge(tool, args)
    assert verdict.rules and verdict.justification
    for hit in verdict.hits:
        assert hit.rule in known_rules() and hit.reason


def test_every_rule_has_a_summary_and_a_dotted_id() -> None:
    for rule_id, spec in known_rules().items():
        assert "." in rule_id and spec.summary, rule_id


def test_guard_pipeline_uses_the_rules_and_policy() -> None:
    guard = Guard(shield=False, policy=Policy(on_escalate="block"))
    verdict = guard.judge_sync(ToolCall(tool="shell", args={"command": "aws s3 rb s3://customer-backups --force"}))
    assert verdict.decision is Decision.BLOCK and "cloud.destroy" in verdict.rules

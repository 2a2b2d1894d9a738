"""Policy loading (errors name file and field) and the two pure decision points."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel_guard import ConfigError, Decision, Policy, Severity, ToolCall, Verdict


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("allow_tools: [a\n  b: :", "not valid YAML"),  # broken YAML
        ("- just\n- a list\n", "must hold a mapping"),  # wrong top-level type
        ("on_flag: maybe\n", "on_flag"),  # value outside the enum
        ("deny_patterns: ['(unclosed']\n", "invalid regular expression"),  # regex that does not compile
        ("tools:\n  shell: {decision: explode}\n", "tools.shell.decision"),  # nested bad value names its path
        ("colour: blue\n", "colour"),  # unknown field is rejected, not ignored
    ],
)
def test_bad_policy_files_raise_config_errors_naming_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        Policy.from_yaml(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_policy_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read policy file"):
        Policy.from_yaml(tmp_path / "nope.yaml")


def test_empty_file_is_the_default_policy(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("")
    assert Policy.from_yaml(path) == Policy()


POLICY = Policy.from_dict({
    "allow_tools": ["get_weather"],
    "deny_tools": ["delete_account"],
    "deny_patterns": [r"prod-db-primary"],
    "tools": {
        "send_money": {"decision": "escalate"},
        "shell": {"deny_patterns": [r"\bshutdown\b"], "allow_patterns": [r"^shell \{\"command\": \"ls\b"]},
    },
})


@pytest.mark.parametrize(
    ("tool", "args", "expected", "rule"),
    [
        ("get_weather", {"city": "Oslo"}, Decision.APPROVE, "policy.allow-tool"),
        ("delete_account", {"user": "x"}, Decision.BLOCK, "policy.deny-tool"),
        ("run_sql", {"host": "prod-db-primary"}, Decision.BLOCK, "policy.deny-pattern"),
        ("send_money", {"amount": 1}, Decision.ESCALATE, "policy.tool-decision"),
        ("shell", {"command": "sudo shutdown -h now"}, Decision.BLOCK, "policy.tool-deny-pattern"),
        ("shell", {"command": "ls -la"}, Decision.APPROVE, "policy.tool-allow-pattern"),
        ("shell", {"command": "pwd"}, None, None),  # no policy opinion: the overseer decides
        ("search", {"q": "prod-db"}, None, None),  # near-miss of the deny pattern
    ],
)
def test_pre_decide_table(tool: str, args: dict, expected: Decision | None, rule: str | None) -> None:
    verdict = POLICY.pre_decide(ToolCall(tool=tool, args=args))
    if expected is None:
        assert verdict is None
    else:
        assert verdict is not None
        assert (verdict.decision, verdict.rules, verdict.decided_by) == (expected, (rule,), "policy")


@pytest.mark.parametrize(
    ("on_flag", "on_escalate", "given", "expected"),
    [
        ("flag", "escalate", Decision.FLAG, Decision.FLAG),
        ("block", "escalate", Decision.FLAG, Decision.BLOCK),
        ("flag", "block", Decision.ESCALATE, Decision.BLOCK),
        ("block", "block", Decision.APPROVE, Decision.APPROVE),  # approvals are never remapped
    ],
)
def test_finalize_maps_flag_and_escalate(on_flag: str, on_escalate: str, given: Decision, expected: Decision) -> None:
    policy = Policy.from_dict({"on_flag": on_flag, "on_escalate": on_escalate})
    verdict = Verdict(decision=given, justification="x")
    out = policy.finalize(ToolCall(tool="t"), verdict)
    assert out.decision is expected
    if expected is not given:
        assert "policy maps" in out.justification


def test_finalize_applies_tool_severity_floor() -> None:
    policy = Policy.from_dict({"tools": {"deploy": {"min_severity": "high"}}})
    out = policy.finalize(ToolCall(tool="deploy"), Verdict.approve())
    assert out.severity is Severity.HIGH


def test_rule_enabled_by_id_and_prefix() -> None:
    policy = Policy.from_dict({"disabled_rules": ["git.reset-hard", "sql."]})
    assert not policy.rule_enabled("git.reset-hard")
    assert not policy.rule_enabled("sql.drop-table")
    assert policy.rule_enabled("git.force-push")

"""Unknown structured tools get an effect from their words (snake, camel, kebab), with benign twins."""

from __future__ import annotations

from typing import Any

import pytest
from rules_helpers import judge

from sentinel_guard.rules.facts import tool_tokens

STOP: list[tuple[str, dict[str, Any], str]] = [
    ("update_user_role", {"user": "bob", "role": "admin"}, "tool.privilege-change"),
    ("grantPermission", {"user": "x", "permission": "write"}, "tool.privilege-change"),
    ("delete-user", {"id": "42"}, "tool.destroy-valuable"),
    ("dropDatabase", {"name": "analytics"}, "tool.destroy-valuable"),
    ("update_dns_record", {"name": "www", "value": "203.0.113.7"}, "tool.sensitive-config"),
    ("rotateApiToken", {"service": "billing"}, "tool.sensitive-config"),
    ("frobnicate_prod", {"cmd": "wipe prod-db"}, "tool.destructive-argument"),
]
ALLOW: list[tuple[str, dict[str, Any], str | None]] = [
    ("get_user_role", {"user": "bob"}, None),
    ("list_permissions", {"user": "bob"}, None),
    ("delete_user", {"id": "42"}, "User instruction: Delete user 42, they left the company."),
    ("update_dns_record", {"name": "www"}, "User instruction: Update the www DNS record to 203.0.113.7"),
    ("frobnicate_prod", {"cmd": "show prod-db status"}, None),
    ("update_profile", {"name": "Bob"}, None),
]


@pytest.mark.parametrize(("tool", "args", "rule_id"), STOP)
def test_unknown_tools_read_by_their_words(tool: str, args: dict[str, Any], rule_id: str) -> None:
    verdict = judge(tool, args)
    assert verdict.decision.stops and rule_id in verdict.rules, verdict.rules


@pytest.mark.parametrize(("tool", "args", "context"), ALLOW)
def test_benign_twins(tool: str, args: dict[str, Any], context: str | None) -> None:
    verdict = judge(tool, args, context)
    assert not verdict.decision.stops, (verdict.rules, verdict.justification)


@pytest.mark.parametrize(("name", "words"), [
    ("update_user_role", {"update", "user", "role"}), ("grantPermission", {"grant", "permission"}),
    ("delete-user", {"delete", "user"}), ("HTTPRequest", {"httprequest"}),
])
def test_tool_names_split_into_words(name: str, words: set[str]) -> None:
    assert tool_tokens(name) == words

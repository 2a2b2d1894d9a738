"""Read or write from a tool's name: both naming conventions, clauses, and names the lexicon cannot read."""

from __future__ import annotations

import pytest

from sentinel_guard import Guard, ToolCall
from sentinel_guard.rules.effects import Effect, _effect_of, classify_effect, tool_words
from sentinel_guard.types import Decision

R, W = Effect.READ, Effect.WRITE
# (tool name, effect, why)
TABLE = [
    ("get_weather", R, "verb first"),
    ("searchRepos", R, "camel case"),
    ("web_search", R, "noun first"),
    ("brave_web_search", R, "service prefix, noun first"),
    ("mcp__brave__web_search", R, "MCP namespace dropped"),
    ("github_search_repositories", R, "the verb after the service"),
    ("fs.read_file", R, "dotted namespace"),
    ("user_get", R, "verb last"),
    ("get_order", R, "a verb-like noun after the verb is the object"),
    ("list_new_issues", R, "an adjective is not a change"),
    ("dry_run", R, "a dry run reads"),
    ("look_up_customer", R, "two-word verb"),
    ("slack_post_message", W, "sends"),
    ("gmail_send_message", W, "sends"),
    ("get_or_create_user", W, "a second clause that creates"),
    ("search_and_replace", W, "a second clause that replaces"),
    ("check_and_delete_backups", W, "a second clause that deletes"),
    ("order_status", W, "a change verb decides before any read verb: cautious"),
    ("document_print", W, "print later in a name is an action, not a read"),
    ("door_open", W, "open later in a name is an action"),
    ("run_query", W, "runs something"),
    ("listen", W, "a read verb must be a whole word"),
    ("frobnicate", W, "no verb the lexicon knows: never approved as a read"),
    ("", W, "no name (ToolCall refuses it; the reader still says write)"),
    ("___", W, "no words"),
]


@pytest.mark.parametrize(("name", "effect", "why"), TABLE, ids=[f"{n or 'empty'}" for n, _, _ in TABLE])
def test_effect_of_tool_name(name: str, effect: Effect, why: str) -> None:
    effect_of = _effect_of(name) if not name else classify_effect(ToolCall(tool=name, args={}))
    assert effect_of is effect, why


def test_tool_words_drop_the_namespace_and_split_camel_case() -> None:
    assert tool_words("mcp__brave__webSearch") == ["web", "search"]
    assert tool_words("github/list-pull-requests") == ["list", "pull", "requests"]


@pytest.mark.parametrize(("tool", "stops"), [("brave_web_search", False), ("slack_post_message", True)])
def test_guard_reads_noun_first_names(tool: str, stops: bool) -> None:
    """A search tool named noun first is an unknown read (approved), not an unknown write (flagged)."""
    verdict = Guard().judge_sync(ToolCall(tool=tool, args={"query": "python asyncio timeout"},
                                          user_instruction="Find how asyncio timeouts work"))
    assert (verdict.decision is not Decision.APPROVE) is stops, verdict

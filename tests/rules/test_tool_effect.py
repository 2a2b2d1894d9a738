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
    effect_of = _effect_of(name, {}) if not name else classify_effect(ToolCall(tool=name, args={}))
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


# (tool, args, effect, why): a name with no known verb is read from its arguments
ARGS_TABLE = [
    ("wikipedia", {"query": "Alan Turing"}, R, "a noun tool given a search term"),
    ("arxiv", {"query": "attention", "load_max_docs": 3}, R, "a search term and a modifier"),
    ("openweathermap", {"location": "London"}, R, "a place"),
    ("calculator", {"expression": "2+2"}, R, "an expression"),
    ("sql_db_schema", {"table_names": "users, orders"}, R, "table names"),
    ("google_finance", {"searchQuery": "AAPL"}, R, "camel-case keys are split like names"),
    ("wikipedia", {}, W, "no arguments: nothing says it is a lookup"),
    ("wikipedia", {"limit": 3}, W, "only a modifier names nothing to look up"),
    ("wikipedia", {"query": "x", "body": "y"}, W, "a payload beside the search term"),
    ("wikipedia", {"query": {"text": "x"}}, W, "a nested value is a payload, not a term"),
    ("payments", {"to": "bob", "amount": 5}, W, "a recipient and an amount"),
    ("create_page", {"query": "x"}, W, "a change verb in the name decides before the arguments"),
    ("get_or_frobnicate", {"query": "x"}, W, "one clause reads, the other names no verb: not all reads"),
    ("python_repl", {"query": "print(1)"}, W, "a runtime runs its query: not a lookup"),
    ("kubectl", {"query": "get pods"}, W, "a CLI runs what it is given"),
]


@pytest.mark.parametrize(("tool", "args", "effect", "why"), ARGS_TABLE,
                         ids=[f"{t}-{'-'.join(a) or 'noargs'}" for t, a, _, _ in ARGS_TABLE])
def test_effect_of_a_noun_named_tool_from_its_arguments(tool: str, args: dict[str, object], effect: Effect,
                                                        why: str) -> None:
    assert classify_effect(ToolCall(tool=tool, args=args)) is effect, why


@pytest.mark.parametrize(("args", "decision"), [
    ({"query": "Alan Turing"}, Decision.APPROVE),
    ({"query": "DROP TABLE users"}, Decision.BLOCK),
    ({"query": "rm -rf / --no-preserve-root"}, Decision.BLOCK),
])
def test_a_lookup_is_still_judged_by_its_values(args: dict[str, object], decision: Decision) -> None:
    """Reading a noun tool as a lookup only stops the unknown-write flag: what the values say still counts."""
    verdict = Guard().judge_sync(ToolCall(tool="database", args=args, user_instruction="Look something up"))
    assert verdict.decision is decision, verdict

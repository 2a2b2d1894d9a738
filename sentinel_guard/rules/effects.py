"""Does a tool call only read, or does it change something? Judged from the words of the tool's name.

Used where the answer changes how cautious to be (an unknown read is approved, an unknown write
flagged; a call made after reading injected text is escalated only if it has side effects).

Tool names come in two conventions, and both are common in agent toolkits and MCP servers:
verb first (`get_weather`, `searchRepos`) and noun first or service-prefixed (`web_search`,
`brave_web_search`, `github_search_repositories`, `user_get`, `mcp__fs__read_file`). The name is
split into words (snake, camel, kebab; a namespace before `.`, `/`, `:` or `__` is dropped) and
cut into clauses at `and`, `or` and `then` (`get_or_create_user` is two). In each clause the
first word that is a verb decides: a read verb (`search`, `list`, `fetch`...) reads, a verb that
changes something (`create`, `send`, `delete`, `run`, `order`...) writes. Words that are also
objects or other actions (`open` in `door_open`, `print` in `document_print`, `status`, `log`,
`ping`) count as read verbs only when they open the clause. The name reads when every clause
reads. A name with no verb the lexicon knows (`wikipedia`, `arxiv`, `openweathermap`,
`calculator`) is a lookup only when its arguments are a lookup's: every key a search term, a place,
an expression or a table name, or a modifier of one (`limit`, `lang`, `page`), and every value a
scalar, and no word of the name a runtime (`python_repl(query=…)` runs its query). Anything else
(a `body`, a `to`, a nested payload, no arguments at all) is a write, never approved as a read.
The arguments' values are judged by the rules either way: this only decides how cautious to be
about a tool no rule knows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum

from sentinel_guard.types import ToolCall

__all__ = ["LOOKUP_KEYS", "Effect", "classify_effect", "tool_words"]


class Effect(str, Enum):
    READ = "read"
    WRITE = "write"


_READ_ANYWHERE = frozenset({
    "get", "list", "search", "find", "read", "fetch", "query", "lookup", "describe", "show", "view", "retrieve",
    "inspect", "preview", "browse", "summarize", "summarise", "explain", "translate", "calculate", "compute",
    "validate", "verify", "whoami"})
"""Read verbs that are the clause's verb wherever they sit (`web_search`, `user_get`)."""
_READ_FIRST = _READ_ANYWHERE | frozenset({
    "check", "count", "stat", "head", "download", "load", "open", "ping", "status", "echo", "print", "diff", "grep",
    "cat", "ls", "tail", "log", "logs", "watch", "test", "dry", "look"})
"""Read verbs only when they open a clause (`open_file`, `print_report`, `dry_run`): later in a name
they are usually the object or another action (`door_open`, `document_print`, `order_status`)."""
_CHANGES = frozenset({
    "create", "add", "make", "insert", "upsert", "update", "set", "change", "modify", "edit", "put", "patch",
    "write", "save", "store", "replace", "rename", "move", "copy", "append", "assign", "attach", "configure",
    "rotate", "apply", "import", "sync", "mark", "tag", "label", "enable", "register", "grant", "elevate", "promote",
    "delete", "del", "drop", "destroy", "wipe", "purge", "remove", "rm", "truncate", "terminate", "erase", "nuke",
    "reset", "revoke", "deprovision", "decommission", "disable", "deactivate", "ban", "clear", "flush", "kill",
    "cancel", "archive", "restore", "rollback", "revert", "format", "unlink", "detach", "uninstall",
    "send", "post", "publish", "share", "upload", "forward", "reply", "notify", "email", "mail", "sms", "tweet",
    "comment", "invite", "submit", "broadcast", "push", "commit", "merge", "approve", "reject", "sign",
    "pay", "transfer", "buy", "sell", "purchase", "order", "book", "refund", "charge", "withdraw", "deposit",
    "subscribe", "unsubscribe",
    "run", "exec", "execute", "eval", "invoke", "call", "trigger", "launch", "spawn", "start", "stop", "restart",
    "reboot", "shutdown", "deploy", "install", "scale", "provision", "migrate", "mount", "unmount", "schedule",
    "lock", "unlock", "close", "login", "logout", "follow", "like"})
"""Verbs that change something (create, destroy, send, pay, run): the clause they decide writes."""
LOOKUP_KEYS = frozenset({
    "query", "q", "search", "search_query", "search_term", "term", "terms", "keyword", "keywords", "topic",
    "question", "location", "city", "country", "place", "lat", "lon", "lng", "latitude", "longitude", "zip",
    "zipcode", "postcode", "expression", "expr", "equation", "formula", "ticker", "symbol", "word",
    "table_names", "table_name", "tables"})
"""Argument keys that name what to look up: a tool named by a noun and given only these is a lookup."""
_LOOKUP_MODIFIERS = frozenset({
    "limit", "max_results", "num_results", "top_k", "k", "n", "page", "page_size", "offset", "lang", "language",
    "locale", "units", "unit", "region", "sort", "sort_by", "date", "start_date", "end_date", "safe_search",
    "category", "fields", "load_max_docs", "doc_content_chars_max"})
"""Keys that refine a lookup (how many, which language, which page) without naming what to change."""
_RUNNERS = frozenset({
    "shell", "bash", "sh", "zsh", "powershell", "terminal", "console", "repl", "interpreter", "jupyter", "notebook",
    "kernel", "sandbox", "python", "node", "javascript", "js", "ruby", "perl", "php", "code", "script", "subprocess",
    "ssh", "cli", "command", "cmd", "process", "kubectl", "helm", "terraform", "docker", "git", "gcloud", "az", "aws",
    "psql", "mysql", "systemctl"})
"""Words of a tool that runs what it is given (`python_repl(query=…)` runs its query): never a lookup."""
_CLAUSE_BREAKS = frozenset({"and", "or", "then"})
_NAMESPACE = re.compile(r"^.*(?:\.|/|:|__)")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")


def tool_words(name: str, *, namespace: bool = False) -> list[str]:
    """`brave__webSearch` → ['web', 'search']: the words of a tool name, in order, the namespace dropped
    unless `namespace` (`facts.tool_tokens` keeps it: `shell.run` is a shell tool)."""
    local = name if namespace else (_NAMESPACE.sub("", name) or name)
    return [w for w in _SPLIT.split(_CAMEL.sub("_", local).lower()) if w]


def classify_effect(call: ToolCall) -> Effect:
    """READ when the tool's name says it only reads, or names no verb and is given only a lookup's
    arguments (see the module doc); else WRITE."""
    return _effect_of(call.tool, call.args)


def _effect_of(tool: str, args: Mapping[str, object]) -> Effect:
    words = tool_words(tool)
    verdicts = [_clause_reads(c) for c in _clauses(words)]
    if all(v is True for v in verdicts):
        return Effect.READ
    if all(v is None for v in verdicts) and _RUNNERS.isdisjoint(words) and _lookup_args(args):
        return Effect.READ
    return Effect.WRITE


def _clauses(words: list[str]) -> list[list[str]]:
    clauses: list[list[str]] = [[]]
    for word in words:
        if word in _CLAUSE_BREAKS:
            clauses.append([])
        else:
            clauses[-1].append(word)
    return clauses


def _clause_reads(words: list[str]) -> bool | None:
    """True if the clause's verb reads, False if it changes something, None if it names no known verb."""
    for i, word in enumerate(words):
        if word in _CHANGES:
            return False
        if word in _READ_ANYWHERE or (i == 0 and word in _READ_FIRST):
            return True
    return None


def _lookup_args(args: Mapping[str, object]) -> bool:
    """Every key a lookup's (`query`, `city`, `limit`...), at least one naming what to look up, every
    value a scalar."""
    keys = {"_".join(tool_words(str(k))) for k in args}
    return (bool(keys & LOOKUP_KEYS) and keys <= LOOKUP_KEYS | _LOOKUP_MODIFIERS
            and all(v is None or isinstance(v, (str, int, float, bool)) for v in args.values()))

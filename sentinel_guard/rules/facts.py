"""`Facts`: one tool call parsed once, lazily, into what the rules reason about.

* which tool family it is (shell, SQL, messaging, money, files, cloud CLI) from the tool name and
  argument shapes — a `command` string under any tool is still a shell command;
* the shell commands and SQL statements found in argument values (any nesting);
* the addresses it names (e-mails, IBANs, URLs, phone numbers, ids) and where each came from:
  the user's instruction, an earlier tool output, or nowhere visible;
* the environment (production / staging) named by the policy, the context or the args.

Every property is computed on first use, so cheap rules never pay for expensive parsing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from sentinel_guard.analysis.transcript import Transcript, parse_transcript
from sentinel_guard.policy import Policy
from sentinel_guard.rules.cli_tools import argv_commands, cli_command, code_commands
from sentinel_guard.rules.context import detect_environment
from sentinel_guard.rules.effects import Effect, classify_effect, tool_words
from sentinel_guard.rules.shell_parse import parse_script
from sentinel_guard.rules.shell_script import SQL_CLIENTS, Script
from sentinel_guard.rules.written_scripts import script_commands
from sentinel_guard.types import Provenance, ToolCall

__all__ = ["Facts", "tool_tokens"]

_SHELL_TOOLS = frozenset({"shell", "bash", "sh", "zsh", "terminal", "exec", "execute", "command", "cmd", "run",
                          "console", "subprocess", "ssh", "cli", "script", "process", "powershell"})
_CLI_TOOLS = frozenset({"kubectl", "helm", "terraform", "aws", "gcloud", "az", "git", "docker", "gsutil",
                        "psql", "mysql", "systemctl"})
_SQL_TOOLS = frozenset({"sql", "query", "database", "db", "sqlite", "postgres", "mysql", "psql", "bigquery",
                        "snowflake", "warehouse"})
_SHELL_KEYS = frozenset({"command", "cmd", "commands", "script", "shell", "bash", "code", "cmdline",
                         "command_line", "run", "exec", "line"})
_SQL_KEYS = frozenset({"sql", "query", "statement", "statements", "stmt", "sql_query"})
_SQL_START = re.compile(
    r"(?is)^\s*(?:--[^\n]*\n\s*)*(select|insert|update|delete|drop|truncate|alter|create|grant|revoke|"
    r"replace|merge|with|rename|comment|vacuum|exec|call|copy)\b"
)
_SHELLY = re.compile(r"(?:^|[;&|]\s*|\$\(|`)(?:sudo\s+)?[./\w-]*\w(?:\s|$)")
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b")
URL = re.compile(r"(?i)\b(?:https?|ftp)://[^\s'\"<>]+|\bwww\.[^\s'\"<>]+")


_T = TypeVar("_T")


class _lazy(Generic[_T]):
    """`functools.cached_property` without its per-access lock (Python 3.11 takes an RLock on
    every first access, which cost ~1/4 of a rules verdict). `Facts` is never shared between
    threads, so the lock buys nothing; like 3.12's version, the value lands in the instance
    `__dict__` and later reads never reach the descriptor."""

    def __init__(self, fn: Callable[[Any], _T]) -> None:
        self.fn = fn
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> _T:
        if obj is None:
            return self  # type: ignore[return-value]
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


def tool_tokens(name: str) -> frozenset[str]:
    """`run_shellCommand` → {'run', 'shell', 'command'}: the words of a tool name."""
    return frozenset(tool_words(name, namespace=True))


def _leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _leaves(sub, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for i, sub in enumerate(value):
            yield from _leaves(sub, f"{path}[{i}]")
    else:
        yield path, value


def _key(path: str) -> str:
    """The innermost key name of a leaf path: `a.b[2]` → `b`."""
    return path.rsplit(".", 1)[-1].split("[", 1)[0].lower()


class Facts:
    """A parsed view of one call. Build with `Facts(call, policy)`; everything else is lazy."""

    def __init__(self, call: ToolCall, policy: Policy, *, transcript: Transcript | None = None) -> None:
        self.call = call
        self.policy = policy
        self._parsed_context = transcript
        """`parse_transcript(call.context)` when the guard already parsed it for the shield."""
        self.tool = call.tool.lower()
        self.tokens = tool_tokens(call.tool)
        self.memo: dict[str, Any] = {}
        """Per-call results shared between rules (e.g. the target list)."""

    # ----------------------------------------------------------------- arguments
    @_lazy
    def leaves(self) -> list[tuple[str, Any]]:
        """(path, value) of every scalar argument, any nesting."""
        out: list[tuple[str, Any]] = []
        for key, value in self.call.args.items():  # flat scalars (the common case) without recursion
            if isinstance(value, (dict, list, tuple)):
                out.extend(_leaves(value, str(key)))
            else:
                out.append((str(key), value))
        return out

    @_lazy
    def strings(self) -> list[tuple[str, str]]:
        """(path, text) of every string argument."""
        return [(p, v) for p, v in self.leaves if isinstance(v, str)]

    @_lazy
    def effect(self) -> Effect:
        return classify_effect(self.call)

    # ----------------------------------------------------------------- shell
    @_lazy
    def shell_texts(self) -> list[str]:
        """Shell commands in the args: any string of a shell/CLI tool, or under a command-like key."""
        if self.code_texts:
            return self.code_texts
        cli = next((t for t in self.tokens if t in _CLI_TOOLS), None)
        shell_tool = bool(self.tokens & _SHELL_TOOLS) or cli is not None
        if cli is not None and self.strings:
            joined = " ".join(v for p, v in self.strings if _key(p) in _SHELL_KEYS or _key(p) in ("args", "argv"))
            if not joined:
                joined = " ".join(v for _, v in self.strings)
            return [joined if joined.split(" ", 1)[0].lower() == cli else cli_command(cli, self.call, joined)]
        args_list = self.call.args.get("args") or self.call.args.get("argv")
        texts, argv_keys = argv_commands(self.call.args)  # an argv list is one command, read whole
        for path, value in self.strings:
            if argv_keys and path.split("[", 1)[0] in argv_keys:
                continue
            key = _key(path)
            if key in _SQL_KEYS and _SQL_START.match(value):
                continue
            if key in _SHELL_KEYS or (shell_tool and _SHELLY.search(value)) or _looks_like_command(value):
                if isinstance(args_list, list) and key in ("command", "cmd") and all(isinstance(a, str) for a in args_list):
                    value = " ".join([value, *(_quote(a) for a in args_list)])
                texts.append(value)
        return texts + script_commands(self.call.args)  # code it writes into files that will run

    @_lazy
    def code_texts(self) -> list[str]:
        """A code tool's code as the shell command that runs it (`cli_tools.code_commands`)."""
        return code_commands(self.call)

    @_lazy
    def shell_explicit(self) -> bool:
        """True when the tool or the argument name says "command" (not only a command-like string)."""
        return bool(self.tokens & _SHELL_TOOLS or self.tokens & _CLI_TOOLS or self.code_texts) or any(
            _key(p) in _SHELL_KEYS for p, _ in self.strings)

    @_lazy
    def scripts(self) -> list[Script]:
        return [parse_script(t) for t in self.shell_texts]

    @_lazy
    def cmds(self) -> list:  # list[Cmd]
        return [c for s in self.scripts for c in s.cmds]

    @_lazy
    def programs(self) -> frozenset[str]:
        """Program names run (`mkfs.ext4` also as `mkfs`) plus markers rules can trigger on:
        `@redirect`, `@function`, `@assign`, `@devtcp`, `@shellshock`, `@suid`."""
        scripts = self.scripts
        if len(scripts) == 1:
            return scripts[0].triggers
        return frozenset().union(*(script.triggers for script in scripts))

    # ----------------------------------------------------------------- sql
    @_lazy
    def sql_texts(self) -> list[str]:
        sql_tool = bool(self.tokens & _SQL_TOOLS)
        out = [v for p, v in self.strings
               if ((_key(p) in _SQL_KEYS or sql_tool) and _SQL_START.match(v) and _SQL_BODY.search(v))
               or _STRONG_SQL.match(v)]
        if self.shell_texts and not SQL_CLIENTS.isdisjoint(self.programs):  # programs holds every cmd name
            for script in self.scripts:  # psql -c "DROP ...", mysql -e "..."
                for cmd in script.cmds:
                    if cmd.name in SQL_CLIENTS:
                        out.extend(a for a in cmd.args if _SQL_START.match(a))
        for script in self.scripts if self.shell_texts else ():
            out.extend(text for text in script.sql if _SQL_START.match(text))  # SQL on a client's stdin
        return out

    def sql_statements(self, parse: Callable[[str], tuple]) -> list[tuple[str, tuple]]:
        """(text, parsed statements) per SQL text, parsed once per call however many rules ask."""
        found = self.memo.get("sql")
        if found is None:
            found = self.memo["sql"] = [(text, parse(text)) for text in self.sql_texts]
        return found

    # ----------------------------------------------------------------- context & provenance
    @_lazy
    def transcript(self) -> Transcript:
        """The context attributed by the one transcript parser (shared with the shield)."""
        if self._parsed_context is not None:
            return self._parsed_context
        return parse_transcript(self.call.context)

    @_lazy
    def instruction(self) -> str | None:
        """The user's own words: the explicit field, else the context's user part."""
        return self.call.user_instruction or self.transcript.instruction

    @_lazy
    def instruction_lower(self) -> str:
        return (self.instruction or "").lower()

    @_lazy
    def notes(self) -> str:
        """Operator / environment text of the context (trusted, not the user's instruction)."""
        return self.transcript.notes

    @_lazy
    def notes_lower(self) -> str:
        return self.notes.lower()

    @_lazy
    def outputs(self) -> tuple[str, ...]:
        """Untrusted text the agent has read: explicit tool outputs, then the context's outputs and
        any text the parser could not attribute."""
        return tuple(self.call.tool_outputs) + self.transcript.outputs

    @_lazy
    def outputs_lowered(self) -> tuple[str, ...]:
        """`outputs`, each lower-cased (pairs with `outputs` by index)."""
        return tuple(out.lower() for out in self.outputs)

    @_lazy
    def outputs_lower(self) -> str:
        return "\n".join(self.outputs_lowered)

    def origin(self, value: str, arg_path: str = "") -> Provenance:
        """Where an argument value came from: USER, TOOL_OUTPUT, or UNKNOWN (seen nowhere).

        An explicit `call.provenance[arg]` wins. Otherwise a value the user typed is USER even
        if a tool output repeats it.
        """
        top = arg_path.split(".", 1)[0].split("[", 1)[0]
        if top in self.call.provenance:
            return self.call.provenance[top]
        needle = value.strip().lower()
        if not needle:
            return Provenance.UNKNOWN
        if needle in self.instruction_lower or (self.notes and needle in self.notes_lower):
            return Provenance.USER
        if needle in self.outputs_lower:
            return Provenance.TOOL_OUTPUT
        return Provenance.UNKNOWN

    @_lazy
    def environment(self) -> str | None:
        """`production`, `staging` or None: the context/args first, then the policy default."""
        arg_text = " ".join(v for _, v in self.strings if len(v) < 300)
        found = detect_environment(self.instruction, self.notes, arg_text, self.call.tool)
        if found is None and self.call.context:
            found = detect_environment(self.transcript.preamble)
        if found is not None:
            return found
        env = self.policy.environment
        return None if env == "unknown" else ("production" if env == "production" else "staging")


_COMMAND_STARTS = frozenset({"rm", "sudo", "curl", "wget", "bash", "sh", "zsh", "chmod", "chown", "dd", "nc", "ncat",
                             "kubectl", "helm", "terraform", "aws", "gcloud", "az", "gsutil", "git", "psql", "mysql",
                             "docker", "systemctl", "shutdown", "reboot", "crontab", "iptables", "find", "scp",
                             "rsync", "python", "python3", "perl", "ruby", "php", "mkfs", "shred", "kill", "pkill"})
_SQL_BODY = re.compile(r"(?i)\b(?:from|into|table|set|values|where|database|schema|on|to|index|view)\b|\*|;")
_STRONG_SQL = re.compile(r"(?is)^\s*(?:drop\s+(?:table|database|schema|view|index|user)|truncate\s+(?:table\s+)?\w|"
                         r"delete\s+from\s|update\s+[\w.\"`]+\s+set\s|grant\s+\w[\w\s,]*\s+on\s|revoke\s|"
                         r"alter\s+(?:table|user|role)\s)")


def _looks_like_command(value: str) -> bool:
    """A short string whose first word is a program the rules know (`rm -rf x` under any key)."""
    if len(value) > 4000 or " " not in value:
        return False
    first = value.lstrip().split(" ", 1)[0].rsplit("/", 1)[-1].lower()
    return first in _COMMAND_STARTS or first.startswith("mkfs.")


def _quote(arg: str) -> str:
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else "'" + arg.replace("'", "'\\''") + "'"

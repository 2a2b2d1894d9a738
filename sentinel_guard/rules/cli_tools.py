"""A structured wrapper of a CLI (`git_commit(message=…)`, `docker_run(image=…, privileged=True)`) or a
code-running tool (`python_repl(query=…)`, `code_interpreter(code=…)`) read as the command it runs,
so the shell rules (and, for code, the interpreter analysis: Python through `ast`) judge it like
the same command typed into a shell.

Before 4 December the wrapper's name lost its subcommand and its boolean options: `git_commit`
was read as `git …` ("only reads and lists") and `git_push(force=True)` to main as a plain push;
and code given to a code tool was read as shell words, so `python(code="shutil.rmtree('/home/u')")`
was approved where `python3 -c` with the same code is blocked.
"""

from __future__ import annotations

import shlex

from sentinel_guard.rules.effects import Effect, classify_effect, tool_words
from sentinel_guard.types import ToolCall

__all__ = ["argv_commands", "cli_command", "code_commands"]

_GENERIC_TOOL_WORDS = frozenset({"command", "cmd", "commands", "cli", "tool", "call", "invoke", "shell", "script"})
"""Words that name a tool's shape (`kubectl_command`), not a subcommand."""


def cli_command(cli: str, call: ToolCall, operands: str) -> str:
    """`cli`, the subcommand the tool's name carries, its set boolean options, then `operands`."""
    return " ".join([cli, *_verb(cli, call.tool), *_flags(call), operands])


def _verb(cli: str, tool: str) -> list[str]:
    """`git_commit` → ['commit'], `docker_run` → ['run']; `run`/`exec` before a generic word are
    the tool's shape too (`kubectl_run_command`)."""
    words = tool_words(tool)
    after = words[words.index(cli) + 1:] if cli in words else []
    verb = [w for w in after if w not in _GENERIC_TOOL_WORDS]
    if verb and verb[0] in ("run", "exec", "execute") and len(after) > 1 and after[1] in _GENERIC_TOOL_WORDS:
        verb = verb[1:]
    return verb


def _flags(call: ToolCall) -> list[str]:
    """Boolean arguments that are set, as options: `force=True` → `--force`, `d=True` → `-d`."""
    return [f"-{key}" if len(key) == 1 else f"--{key.replace('_', '-')}"
            for key, value in call.args.items() if value is True]


_LANGUAGES = (("python3 -c", frozenset({"python", "py", "python3", "ipython", "jupyter", "pyodide", "notebook"})),
              ("node -e", frozenset({"node", "nodejs", "javascript", "js", "deno"})),
              ("ruby -e", frozenset({"ruby"})), ("perl -e", frozenset({"perl"})), ("php -r", frozenset({"php"})))
"""How each language's inline code is run from a shell, and the tool-name words that name it."""
_CODE_KEYS = frozenset({"code", "script", "source", "query", "input", "cell", "program", "command", "cmd", "snippet",
                        "expression", "tool_input", "src"})
"""Argument keys that carry the code (LangChain's Python REPL takes `query`)."""
_LANG_KEYS = frozenset({"language", "lang"})
_SHELLS = frozenset({"bash", "sh", "shell", "zsh"})
_NAME_HINTS = ("py", "jupyter", "notebook", "node", "js", "javascript", "deno", "ruby", "perl", "php", "code")
"""Substrings of every tool name `_runner` can accept (a quick filter; the words decide)."""
_RUNS = frozenset({"interpreter", "repl", "run", "execute", "exec", "runner", "sandbox", "eval"})


def code_commands(call: ToolCall) -> list[str]:
    """Shell commands equivalent to a code tool's call (`python3 -c '<code>'` per code argument); [] when
    the tool is not a code runner, or runs shell code (read as shell already)."""
    runner = _runner(call)
    if runner is None:
        return []
    strings = {k: v for k, v in call.args.items() if isinstance(v, str) and v.strip() and k.lower() not in _LANG_KEYS}
    code = [v for k, v in strings.items() if k.lower() in _CODE_KEYS]
    if not code and len(strings) == 1:
        code = list(strings.values())
    return [f"{runner} {shlex.quote(c)}" for c in code]


def _runner(call: ToolCall) -> str | None:
    """How the call's code is run: its `language` argument, else a language in its name, else Python for
    a code runner that names none (`code_interpreter`, `execute_code`: the hosted ones run Python).
    A tool whose name says it reads (`get_python_version`, `search_python_docs`) runs nothing."""
    lang = next((str(call.args[k]).lower() for k in call.args if k.lower() in _LANG_KEYS), "")
    if not lang and not any(hint in call.tool.lower() for hint in _NAME_HINTS):
        return None  # the common case, decided without splitting the name
    words = {lang} if lang else set(tool_words(call.tool))
    if words & _SHELLS:
        return None
    found = next((run for run, names in _LANGUAGES if words & names), None)
    if found is None and not lang and "code" in words and words & _RUNS:
        found = "python3 -c"
    if found is None or classify_effect(call) is Effect.READ:
        return None
    return found


_ARGV_KEYS = frozenset({"command", "cmd", "argv", "cmdline", "command_line"})
"""Keys whose list value is one command's argv (the Agents SDK's local shell sends `command: [...]`);
a plural `commands` list is several commands, each read on its own."""


def argv_commands(args: dict[str, object]) -> tuple[list[str], frozenset[str]]:
    """(the shell text of each argv list, the keys they came from): `["rm", "-rf", "/etc"]` is the
    command `rm -rf /etc`, not three one-word commands."""
    texts: list[str] = []
    keys: list[str] = []
    for key, value in args.items():
        if key.lower() in _ARGV_KEYS and isinstance(value, list) and value and all(isinstance(a, str) for a in value):
            texts.append(shlex.join(value))
            keys.append(key)
    return texts, frozenset(keys)

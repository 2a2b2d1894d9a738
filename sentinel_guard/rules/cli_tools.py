"""A structured wrapper of a CLI (`git_commit(message=…)`, `docker_run(image=…, privileged=True)`) read
as the command it runs, so the shell rules judge it like the same command typed into a shell.

Before 4 December the wrapper's name lost its subcommand and its boolean options: `git_commit`
was read as `git …` ("only reads and lists") and `git_push(force=True)` to main as a plain push.
"""

from __future__ import annotations

from sentinel_guard.rules.effects import tool_words
from sentinel_guard.types import ToolCall

__all__ = ["cli_command"]

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

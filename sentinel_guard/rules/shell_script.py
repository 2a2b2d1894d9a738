"""What a parsed shell script is: the `Cmd`s it would run and the `Script` that holds them.

The data model only, apart from the tree-sitter walk that fills it (`shell_parse`), so the rule
modules that read commands (`shell`, `git`, `cloud`, `effect_rules`, `facts`) depend on a small,
stable shape rather than on the parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["SQL_CLIENTS", "Cmd", "Script"]

SQL_CLIENTS = frozenset({"psql", "mysql", "sqlite3", "mariadb", "clickhouse-client", "sqlcmd"})
"""Database clients whose stdin (a here-doc, a here-string, a pipe) is SQL the rules read as SQL."""


@dataclass(frozen=True)
class Cmd:
    """One simple command the script would run."""

    argv: tuple[str, ...]
    redirects: tuple[tuple[str, str], ...] = ()
    """(operator, target) pairs such as ('>', '/etc/passwd') or ('>&', '/dev/tcp/1.2.3.4/9')."""
    via: str = ""
    """How it is reached: '', 'sudo', 'sh -c', 'xargs', 'find -exec', 'ssh', 'subst'."""
    pipeline: int = -1
    """Index of the pipeline it belongs to in `Script.pipelines`, or -1."""
    inputs: tuple[str, ...] = ()
    """Files whose content a command substitution puts into its words (`curl -d "$(cat f)"` → ('f',))."""
    name: str = field(default="", compare=False)
    """The program's base name, lower-cased, without a trailing ':' (`/usr/bin/RM` → `rm`)."""

    def __post_init__(self) -> None:
        if not self.name and self.argv:
            object.__setattr__(self, "name", self.argv[0].rsplit("/", 1)[-1].lower().rstrip(":"))

    @property
    def args(self) -> tuple[str, ...]:
        return self.argv[1:]


@dataclass
class Script:
    """Everything a script runs: commands, pipelines (command indices per stage), raw text."""

    text: str
    cmds: list[Cmd] = field(default_factory=list)
    pipelines: list[list[int]] = field(default_factory=list)
    assignments: list[tuple[str, str]] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    sql: list[str] = field(default_factory=list)
    """SQL text fed to a database client on stdin (`echo 'DELETE …' | psql`, `psql <<< '…'`)."""
    errors: bool = False

    @property
    def programs(self) -> frozenset[str]:
        return frozenset(c.name for c in self.cmds)

    @property
    def triggers(self) -> frozenset[str]:
        """Program names (`mkfs.ext4` also as `mkfs`) plus the markers rules trigger on (see
        `Facts.programs`, which reads this once per call)."""
        return _triggers(self)


_SUID_WORD = re.compile(r"(?i)suid|sgid|setuid")


def _triggers(script: Script) -> frozenset[str]:
    names = {c.name for c in script.cmds}
    names.update(n.split(".", 1)[0] for n in list(names) if "." in n[1:])
    if any(c.redirects for c in script.cmds):
        names.add("@redirect")
    if script.functions:
        names.add("@function")
    if script.assignments:
        names.add("@assign")
    text = script.text
    if "/dev/tcp/" in text or "/dev/udp/" in text:
        names.add("@devtcp")
    if "() {" in text or "(){" in text:
        names.add("@shellshock")
    if _SUID_WORD.search(text):
        names.add("@suid")
    return frozenset(names)

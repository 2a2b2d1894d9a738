"""Data stores wiped or turned into a shell from their own clients, where SQL parsing cannot see it.

`sql.drop` reads `DROP DATABASE` in SQL; Redis, MongoDB and etcd have their own verbs for the same
loss (`FLUSHALL`, `db.dropDatabase()`, `etcdctl del --prefix ""`). And some SQL runs an operating
system command or writes a file on the database server (`COPY … TO PROGRAM 'cmd'`, `xp_cmdshell`,
`INTO OUTFILE`): SQL that reads like a query and acts like a shell.
"""

from __future__ import annotations

import re

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts
from sentinel_guard.types import Decision, Severity

B, E = Decision.BLOCK, Decision.ESCALATE

_REDIS_WIPE = re.compile(r"(?i)^(?:flushall|flushdb)$")
_MONGO_WIPE = re.compile(r"\.(?:dropDatabase|drop)\s*\(\s*\)|\.(?:deleteMany|remove)\s*\(\s*\{\s*\}\s*\)")
_SERVER_COMMAND = re.compile(
    r"(?is)\bcopy\b.+?\b(?:to|from)\s+program\s+(?P<program>'[^']*'|\"[^\"]*\")|\bxp_cmdshell\b|\bsys_(?:exec|eval)\s*\(|"
    r"\binto\s+(?:out|dump)file\s+'(?P<file>[^']*)'|\blo_export\s*\(|\bload_extension\s*\(")


@rule("shell.datastore-wipe", B, Severity.CRITICAL, kinds=("shell",), programs=("redis-cli", "mongosh", "mongo", "etcdctl"))
def datastore_wipe(f: Facts) -> str | None:
    """Every key of a Redis database, a MongoDB database or collection, or an etcd keyspace deleted."""
    for cmd in f.cmds:
        args = cmd.args
        if cmd.name == "redis-cli" and any(_REDIS_WIPE.match(a) for a in args):
            return f"redis-cli {next(a for a in args if _REDIS_WIPE.match(a)).upper()} deletes every key."
        if cmd.name in ("mongosh", "mongo") and any(_MONGO_WIPE.search(a) for a in args):
            return f"{cmd.name} drops a database or collection, or deletes all its documents."
        if cmd.name == "etcdctl" and "del" in args and (
                "--from-key" in args or ("--prefix" in args and any(a in ("", "/") for a in args))):
            return "etcdctl deletes the whole keyspace (del --prefix \"\")."
    return None


@rule("sql.server-command", E, Severity.HIGH, kinds=("sql",))
def server_command(f: Facts) -> str | None:
    """SQL that runs a command or writes a file on the database server (COPY … PROGRAM, xp_cmdshell,
    sys_exec, INTO OUTFILE, lo_export, load_extension)."""
    for text in f.sql_texts:
        m = _SERVER_COMMAND.search(text)
        if m:
            if m.group("program"):
                return f"COPY … PROGRAM runs {m.group('program')} as a shell command on the database server."
            if m.group("file"):
                return f"INTO OUTFILE writes {m.group('file')} on the database server."
            return f"The SQL calls {m.group(0).strip()[:40]}, which runs code or writes files on the database server."
    return None

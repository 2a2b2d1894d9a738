"""Which shell commands only read: the programs, and for git and kubectl the subcommand.

A command no rule stopped is approved either way; what this decides is how it is described and how
sure the approval is ("only reads and lists", confidence 0.9, against "parsed; nothing dangerous
found", 0.65). `git` and `kubectl` read or write by subcommand: `git status` and `kubectl get`
read, `git push`, `git commit` and `kubectl apply` change something, so the program name alone
cannot say (until 4 December it did: `git push origin main` was "only reads and lists").
"""

from __future__ import annotations

from collections.abc import Iterable

from sentinel_guard.rules.shell_script import Cmd

__all__ = ["READ_ONLY_PROGRAMS", "reads_only", "split_subcommand", "subcommand"]

READ_ONLY_PROGRAMS = frozenset({
    "ls", "cat", "head", "tail", "grep", "egrep", "wc", "sort", "uniq", "cut", "tr", "echo", "printf", "pwd", "whoami",
    "date", "df", "du", "free", "uptime", "ps", "top", "find", "file", "stat", "which", "diff", "less", "more", "awk",
    "column", "nl", "fold", "od", "md5sum", "sha1sum", "sha256sum", "dirname", "basename", "readlink", "realpath",
    "env", "printenv", "id", "groups", "hostname", "uname", "w", "who", "history", "zcat", "dig", "host", "ping",
    "tree", "jq", "true", "false", "test", "[", "mktemp", "seq", "paste", "xargs"})
"""Programs that read whatever their arguments (what they run through `xargs`/`env` is its own command)."""

_READ_SUBCOMMANDS = {
    "git": frozenset({"status", "log", "diff", "show", "blame", "grep", "ls-files", "ls-tree", "rev-parse", "describe",
                      "shortlog", "reflog", "whatchanged", "cat-file", "rev-list", "help", "version"}),
    "kubectl": frozenset({"get", "describe", "logs", "top", "explain", "version", "api-resources", "api-versions",
                          "cluster-info", "diff", "events"}),
}
"""Subcommands that only read. Left out on purpose: those that read or write by their options
(`git branch`, `git remote`, `git stash`, `git config`, `kubectl config`, `kubectl auth`)."""
_KUBE_VALUE_OPTIONS = frozenset({"-n", "--namespace", "--context", "--kubeconfig", "-s", "--server", "--cluster",
                                 "--user", "--token", "--as", "--as-group", "--request-timeout"})
_VALUE_OPTIONS = {
    "git": frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace"}),
    "kubectl": _KUBE_VALUE_OPTIONS,
    "oc": _KUBE_VALUE_OPTIONS,
}
"""Global options that take the next argument as their value (`git -C dir status`, `kubectl -n prod get`)."""


def split_subcommand(cmd: Cmd) -> tuple[str, list[str]]:
    """(the first argument that is not a global option or its value, the arguments after it), as
    written: `git -C repo push origin main` → ('push', ['origin', 'main'])."""
    takes_value = _VALUE_OPTIONS.get(cmd.name, frozenset())
    args = list(cmd.args)
    while args and args[0].startswith("-"):
        args = args[2:] if args[0] in takes_value else args[1:]
    return (args[0], args[1:]) if args else ("", [])


def subcommand(cmd: Cmd) -> str:
    """The subcommand, lower-cased (`kubectl -n prod get pods` → `get`; the kube rules read the verb
    with it, so `kubectl --context prod -n app delete ns app` is a delete)."""
    return split_subcommand(cmd)[0].lower()


def reads_only(programs: frozenset[str], cmds: Iterable[Cmd]) -> bool:
    """Whether every program run only reads: read-only programs, and git/kubectl with a read subcommand."""
    by_subcommand = programs & _READ_SUBCOMMANDS.keys()
    if not programs or not programs - by_subcommand <= READ_ONLY_PROGRAMS:
        return False
    seen: set[str] = set()
    for cmd in cmds:
        if cmd.name in _READ_SUBCOMMANDS:
            if subcommand(cmd) not in _READ_SUBCOMMANDS[cmd.name]:
                return False
            seen.add(cmd.name)
    return seen >= by_subcommand  # a program seen only through a wrapper's marker is not known to read

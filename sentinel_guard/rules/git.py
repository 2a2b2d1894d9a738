"""git rules: history rewrites and work-destroying commands, protected branches above all.

Protected branches are `main`, `master`, `release*`, `prod*`/`production`, `develop`, `trunk`,
`stable`. A force-push to one rewrites everyone's history; `reset --hard`, `clean -fdx`,
`filter-branch` and `branch -D` throw away work that may exist nowhere else.
"""

from __future__ import annotations

import re

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts
from sentinel_guard.rules.read_only import split_subcommand
from sentinel_guard.rules.shell import operands, short_flags
from sentinel_guard.rules.shell_script import Cmd
from sentinel_guard.types import Decision, Severity

E, F = Decision.ESCALATE, Decision.FLAG
SH = ("shell",)
_PROTECTED = re.compile(r"^(?:[\w.-]+/)?(?:refs/heads/)?(?:main|master|trunk|develop|stable|release[\w./-]*|"
                        r"prod[\w./-]*|production|live)$", re.IGNORECASE)


def _sub(cmd: Cmd) -> tuple[str, list[str]]:
    """git's subcommand and its operands, skipping global options (`git -C dir push ...`)."""
    sub, rest = split_subcommand(cmd)
    return (sub, operands(Cmd((sub, *rest)))) if sub else ("", [])


def _refs(ops: list[str]) -> list[str]:
    refs: list[str] = []
    for op in ops[1:]:  # ops[0] is the remote
        refs.extend(p.lstrip("+") for p in op.split(":") if p)
    return refs


@rule("git.force-push-protected", E, Severity.CRITICAL, kinds=SH, programs=("git",))
def force_push_protected(f: Facts) -> str | None:
    """Force-push (or delete) of a protected branch: rewrites shared history."""
    for cmd in f.cmds:
        if cmd.name != "git":
            continue
        sub, ops = _sub(cmd)
        if sub != "push":
            continue
        flags = short_flags(Cmd(("push", *cmd.args)))
        forced = bool({"f", "--force", "--force-with-lease", "--mirror", "--force-if-includes"} & flags) or any(
            o.startswith("+") for o in ops[1:])
        deleting = bool({"d", "--delete"} & flags) or any(o.startswith(":") for o in ops[1:])
        protected = [r for r in _refs(ops) if _PROTECTED.match(r)]
        if (forced or deleting) and protected:
            return f"git push {'--delete' if deleting else '--force'} to protected branch '{protected[0]}'."
        if "--mirror" in flags:
            return "git push --mirror overwrites every ref on the remote."
    return None


@rule("git.force-push", E, Severity.HIGH, kinds=SH, programs=("git",))
def force_push(f: Facts) -> str | None:
    """Force-push of an unnamed or unprotected branch (the current branch may be shared)."""
    for cmd in f.cmds:
        if cmd.name == "git" and _sub(cmd)[0] == "push":
            flags = short_flags(Cmd(("push", *cmd.args)))
            if {"f", "--force"} & flags:
                return "git push --force overwrites the remote branch's history."
            if "--force-with-lease" in flags:
                return None
    return None


@rule("git.destroy-work", E, Severity.HIGH, kinds=SH, programs=("git",))
def destroy_work(f: Facts) -> str | None:
    """reset --hard, clean -fdx, filter-branch/filter-repo, reflog expire: work or history is lost."""
    for cmd in f.cmds:
        if cmd.name != "git":
            continue
        sub, _ = _sub(cmd)
        args = set(cmd.args)
        if sub == "reset" and "--hard" in args:
            return "git reset --hard discards uncommitted changes irrecoverably."
        if sub == "clean":
            flags = short_flags(Cmd(("clean", *cmd.args)))
            if ({"f", "--force"} & flags) and ({"d", "x", "X"} & flags):
                return "git clean -fdx deletes untracked files and directories."
        if sub in ("filter-branch", "filter-repo"):
            return f"git {sub} rewrites the whole history."
        if (sub == "reflog" and "expire" in args) or (sub == "gc" and any(a.startswith("--prune=now") for a in args)):
            return "Expiring the reflog / pruning now removes the last way back."
        if sub == "update-ref" and "-d" in args:
            return "git update-ref -d deletes a ref."
    return None


@rule("git.branch-delete", F, Severity.MEDIUM, kinds=SH, programs=("git",), env="write")
def branch_delete(f: Facts) -> str | None:
    """Force-deleting a local branch (unmerged commits are lost); checkout/restore over local edits."""
    for cmd in f.cmds:
        if cmd.name != "git":
            continue
        sub, ops = _sub(cmd)
        if sub == "branch" and ("-D" in cmd.args or {"--delete", "--force"} <= set(cmd.args)):
            return f"git branch -D {' '.join(ops[1:2])} deletes the branch even if unmerged."
        if sub in ("checkout", "restore") and ("." in ops[1:] or ("--" in cmd.args and "." in cmd.args)):
            return f"git {sub} . discards local edits."
        if sub == "stash" and ops[1:2] in (["clear"], ["drop"]):
            return f"git stash {ops[1]} deletes stashed work."
    return None


@rule("git.branch-delete-protected", E, Severity.HIGH, kinds=SH, programs=("git",))
def branch_delete_protected(f: Facts) -> str | None:
    """Deleting a protected branch locally."""
    for cmd in f.cmds:
        if cmd.name == "git":
            sub, ops = _sub(cmd)
            if sub == "branch" and set(cmd.args) & {"-D", "-d", "--delete"} and any(_PROTECTED.match(o) for o in ops):
                return "Deleting a protected branch."
    return None

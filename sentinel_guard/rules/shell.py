"""Shell rules about destruction and sabotage: deleting, wiping, power, permissions, tampering.

Each rule reads parsed commands (`Facts.cmds`), so `rm -fr`, `rm -r -f`, `rm --recursive
--force`, `sudo rm ...`, `bash -c "rm ..."`, `find ... -exec rm` and `xargs rm` are the same
thing, and a word like "reformat" or "backups" is never mistaken for a command.
"""

from __future__ import annotations

import re

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts
from sentinel_guard.rules.paths import PathKind, classify_path, is_home_root
from sentinel_guard.rules.shell_script import Cmd
from sentinel_guard.types import Decision, Severity

B, E, F = Decision.BLOCK, Decision.ESCALATE, Decision.FLAG
SH = ("shell",)


def short_flags(cmd: Cmd) -> set[str]:
    """Single-letter options of a command (`-rf` → {'r','f'}), plus long ones as given."""
    out: set[str] = set()
    for arg in cmd.args:
        if arg.startswith("--"):
            out.add(arg.split("=", 1)[0])
        elif arg.startswith("-") and len(arg) > 1:
            out.update(arg[1:])
    return out


def operands(cmd: Cmd) -> list[str]:
    """Non-option arguments (everything after `--` counts as an operand)."""
    out: list[str] = []
    rest = False
    for arg in cmd.args:
        if rest or not arg.startswith("-") or arg == "-":
            out.append(arg)
        elif arg == "--":
            rest = True
    return out


def _recursive(flags: set[str]) -> bool:
    return bool({"r", "R", "--recursive"} & flags)


_SEVERE_KINDS = (PathKind.ROOT, PathKind.SYSTEM, PathKind.HOME, PathKind.DEVICE, PathKind.SECRET)


@rule("shell.rm-recursive-critical", B, Severity.CRITICAL, kinds=SH, programs=("rm",))
def rm_recursive_critical(f: Facts) -> str | None:
    """Recursive delete of the filesystem root, a system directory or a home directory."""
    for cmd in f.cmds:
        if cmd.name != "rm":
            continue
        flags = short_flags(cmd)
        if "--no-preserve-root" in flags:
            return "rm with --no-preserve-root: deletes the whole filesystem."
        if not _recursive(flags):
            continue
        for target in operands(cmd):
            kind = classify_path(target)
            if kind in (PathKind.ROOT, PathKind.DEVICE) or (kind is PathKind.SYSTEM and target.count("/") <= 2):
                return f"Recursive delete of '{target}' ({kind.value} path): unrecoverable system damage."
            if kind is PathKind.HOME and is_home_root(target):
                return f"Recursive delete of the home directory '{target}'."
    return None


@rule("shell.rm-recursive-sensitive", E, Severity.HIGH, kinds=SH, programs=("rm",))
def rm_recursive_sensitive(f: Facts) -> str | None:
    """Recursive delete inside a system directory, a home, a repository's .git, or of secrets."""
    for cmd in f.cmds:
        if cmd.name != "rm" or not _recursive(short_flags(cmd)):
            continue
        for target in operands(cmd):
            kind = classify_path(target)
            if kind in _SEVERE_KINDS or kind is PathKind.GIT:
                return f"Recursive delete of '{target}' ({kind.value} path)."
    return None


@rule("shell.rm-sensitive-file", E, Severity.HIGH, kinds=SH, programs=("rm", "shred", "unlink", "srm"))
def rm_sensitive_file(f: Facts) -> str | None:
    """Deleting or shredding system files, keys, credentials or shell history."""
    for cmd in f.cmds:
        if cmd.name not in ("rm", "shred", "unlink", "srm"):
            continue
        for target in operands(cmd):
            kind = classify_path(target)
            if kind in (PathKind.SYSTEM, PathKind.SECRET, PathKind.DEVICE, PathKind.ROOT):
                return f"{cmd.name} of '{target}' ({kind.value} path)."
    return None


@rule("shell.bulk-delete", F, Severity.MEDIUM, kinds=SH, programs=("rm", "find", "xargs"), env="write")
def bulk_delete(f: Facts) -> str | None:
    """Recursive or bulk deletes inside the working tree: usually fine, worth recording (build
    output, caches and temp files — `./dist`, `node_modules`, `/tmp/build-*`, `*.pyc` — are not)."""
    for cmd in f.cmds:
        if cmd.name == "rm" and (_recursive(short_flags(cmd)) or cmd.via in ("find -exec", "xargs")):
            targets = operands(cmd)
            if targets and cmd.via != "xargs" and all(_disposable(t) for t in targets):
                continue
            return f"Bulk delete ({' '.join(cmd.argv)[:80]}) via {cmd.via or 'rm -r'}."
        if cmd.name == "find" and "-delete" in cmd.args:
            names = [cmd.args[i + 1] for i, a in enumerate(cmd.args[:-1]) if a in ("-name", "-iname")]
            starts = [a for a in cmd.args[:2] if not a.startswith("-")]
            if names and all(_DISPOSABLE_NAME.fullmatch(n) for n in names) and all(
                    classify_path(s) in (PathKind.RELATIVE, PathKind.TEMP) for s in starts):
                continue
            return "find -delete removes every match."
    return None


_DISPOSABLE_NAME = re.compile(r"(?:\*?\.(?:pyc|pyo|o|obj|class|tmp|swp|bak|orig|log)|__pycache__|\.DS_Store|"
                              r"\*~|\.pytest_cache|\.mypy_cache|\.ruff_cache)")
_DISPOSABLE_DIR = re.compile(r"(?:dist|build|out|target|node_modules|__pycache__|\.pytest_cache|\.mypy_cache|"
                             r"\.ruff_cache|\.cache|\.tox|\.nox|coverage|htmlcov|\.next|\.parcel-cache|tmp)"
                             r"(?:[-_.][\w.*-]*)?/?")


def _disposable(target: str) -> bool:
    """Build output, caches and temp files: deleting them loses nothing a rebuild will not bring back."""
    if classify_path(target) is PathKind.TEMP and target.count("/") >= 2:
        return True
    if classify_path(target) is not PathKind.RELATIVE or ".." in target:
        return False
    return bool(_DISPOSABLE_DIR.fullmatch(target.removeprefix("./")) or _DISPOSABLE_NAME.fullmatch(target))


@rule("shell.find-delete-wide", E, Severity.HIGH, kinds=SH, programs=("find",))
def find_delete_wide(f: Facts) -> str | None:
    """`find` over the root, a system dir or a home that deletes whatever it matches, unfiltered."""
    for cmd in f.cmds:
        if cmd.name != "find":
            continue
        deletes = "-delete" in cmd.args or any(
            c.via == "find -exec" and c.name in ("rm", "shred", "unlink") for c in f.cmds)
        if not deletes:
            continue
        starts = [a for a in cmd.args[:3] if not a.startswith("-") and a not in ("(", "!")]
        narrowed = any(a in cmd.args for a in ("-name", "-iname", "-path", "-regex", "-size", "-mtime",
                                                "-mmin", "-ctime", "-atime", "-newer", "-user", "-empty"))
        for start in starts:
            kind = classify_path(start)
            if kind in (PathKind.ROOT, PathKind.SYSTEM, PathKind.HOME) and not narrowed:
                return f"find from '{start}' deletes every file it reaches, with no name/age filter."
    return None


_DISK_DEV = re.compile(r"^/dev/(?:sd[a-z]|nvme\d|hd[a-z]|xvd[a-z]|vd[a-z]|mmcblk\d|disk\d|md\d|dm-\d|mapper/)")


@rule("shell.disk-wipe", B, Severity.CRITICAL, kinds=SH, programs=(
    "mkfs", "mke2fs", "mkswap", "wipefs", "sgdisk", "fdisk", "sfdisk", "parted", "blkdiscard", "format", "dd", "shred",
    "cp", "@redirect"))
def disk_wipe(f: Facts) -> str | None:
    """Writing to a raw disk, formatting or repartitioning it (dd of=/dev/sdX, mkfs, wipefs...)."""
    for cmd in f.cmds:
        name = cmd.name
        if name.startswith("mkfs") or name in ("mke2fs", "mkswap", "wipefs", "sgdisk", "fdisk", "sfdisk",
                                               "parted", "blkdiscard", "format"):
            if name in ("fdisk", "sfdisk", "parted") and ("-l" in cmd.args or "print" in cmd.args):
                continue
            if name == "format" and not any(a.startswith("/") or re.match(r"^[a-zA-Z]:$", a) for a in cmd.args):
                continue
            return f"{name} formats or repartitions a disk."
        if name == "dd" and any(a.startswith("of=/dev/") and _DISK_DEV.match(a[3:]) for a in cmd.args):
            return "dd writes straight onto a disk device."
        if name in ("shred", "cp") and any(_DISK_DEV.match(a) for a in operands(cmd)[-1:]):
            return f"{name} overwrites a disk device."
        for op, target in cmd.redirects:
            if ">" in op and _DISK_DEV.match(target):
                return f"Output redirected onto the disk device {target}."
    return None


_FORK_BOMB = re.compile(r"(\S+)\s*\(\)\s*\{[^}]*\1\s*\|\s*\1\s*&?[^}]*\}\s*;?\s*\1")


@rule("shell.fork-bomb", B, Severity.CRITICAL, kinds=SH, programs=("@function",))
def fork_bomb(f: Facts) -> str | None:
    """A function that pipes into itself in the background: a fork bomb."""
    for script in f.scripts:
        if script.functions and _FORK_BOMB.search(script.text):
            return "Self-replicating function (fork bomb) exhausts the process table."
    return None


@rule("shell.chmod-system", B, Severity.HIGH, kinds=SH, programs=("chmod", "chown", "chgrp", "setfacl"))
def chmod_system(f: Facts) -> str | None:
    """Recursive permission/ownership changes on the root, system dirs or homes; world-writable system files."""
    for cmd in f.cmds:
        if cmd.name not in ("chmod", "chown", "chgrp", "setfacl"):
            continue
        flags = short_flags(cmd)
        targets = operands(cmd)[1:] if cmd.name != "setfacl" else operands(cmd)
        kinds = [(t, classify_path(t)) for t in targets]
        for target, kind in kinds:
            if _recursive(flags) and (kind in (PathKind.ROOT, PathKind.SYSTEM) or (kind is PathKind.HOME and is_home_root(target))):
                return f"Recursive {cmd.name} on '{target}' ({kind.value}) breaks system permissions."
            mode = operands(cmd)[0] if cmd.name == "chmod" and operands(cmd) else ""
            if cmd.name == "chmod" and kind in (PathKind.ROOT, PathKind.SYSTEM, PathKind.SECRET) and (
                    re.fullmatch(r"0?[0-7]?[0-7][0-7][2367]", mode) or re.search(r"[ao]?\+[rwx]*w|u\+s|g\+s|^[0-7]?[4-7][0-7]{3}$", mode)):
                return f"chmod {mode} on '{target}' makes a system or secret file writable or setuid."
    return None


@rule("shell.chmod-world-writable", F, Severity.MEDIUM, kinds=SH, programs=("chmod",), env="write")
def chmod_world(f: Facts) -> str | None:
    """chmod 777 / o+w anywhere: world-writable files are a standing risk."""
    for cmd in f.cmds:
        if cmd.name == "chmod" and operands(cmd) and re.fullmatch(r"0?[0-7]?77[67]|[ao]\+[rx]*w[rx]*", operands(cmd)[0]):
            return f"chmod {operands(cmd)[0]} makes files world-writable."
    return None

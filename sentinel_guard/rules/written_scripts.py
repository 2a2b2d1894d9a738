"""Code an agent writes to a file that will be run: shell scripts, shell start-up files, cron
tables, CI files, whether written whole (`write_file(path, content)`) or as a patch
(`apply_patch` in the OpenAI Agents SDK and Codex, a unified diff to `apply_diff`).

Writing is the last moment the guard sees that code: `bash clean.sh` later shows only a name.
So the commands of a written script (the added lines of a patch) are handed to the shell rules
like a command, and the files a patch touches are handed to the file rules like a `path`
argument. Patch formats read: the V4A envelope (`*** Begin Patch`, `*** Add File: p`,
`*** Update File: p`, `*** Delete File: p`, `*** Move to: p`, added lines `+…`) and unified
diffs (`--- a/p`, `+++ b/p`). Until 7 December neither was read:
`write_file("scripts/clean.sh", "#!/bin/sh\\nrm -rf /")` and an `apply_patch` that adds
`curl … | bash` to `~/.bashrc` were approved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sentinel_guard.rules.ci_files import CONTENT_KEYS, PATH_KEYS, ci_file_commands
from sentinel_guard.rules.paths import SHELL_STARTUP_NAMES

__all__ = ["PatchedFile", "patched_files", "script_commands"]

_SHELL_FILE = re.compile(rf"(?i)(?:\.(?:sh|bash|zsh|ksh)$|(?:^|/)(?:{SHELL_STARTUP_NAMES}|\.xinitrc|\.xprofile)$|"
                         r"(?:^|/)(?:crontab|rc\.local)$|"
                         r"^/etc/(?:cron\.[^/]+/|profile\.d/|init\.d/|rc\d?\.d/)|^/var/spool/cron/)")
"""Files whose text is run as shell commands: scripts, shell start-up files, cron tables, init scripts."""
_CONTENT_KEYS = CONTENT_KEYS | {"file_text", "new_str", "insert_text", "code"}
"""The write keys of `ci_files`, and those of editor tools (`str_replace_editor(file_text=…, new_str=…)`)."""
_V4A = re.compile(r"^\*\*\* (Add|Update|Delete) File: (.+?)\s*$|^\*\*\* Move to: (.+?)\s*$")
_UNIFIED = re.compile(r"^\+\+\+ (?:b/)?(.+?)(?:\t.*)?$|^--- (?:a/)?(.+?)(?:\t.*)?$")


@dataclass(frozen=True)
class PatchedFile:
    """One file a patch touches: `op` is add, update, delete or move; `added` its added lines."""

    path: str
    op: str
    added: str


def patched_files(args: Mapping[str, object]) -> list[PatchedFile]:
    """Every file the patches among the call's string arguments touch ([] when there is none)."""
    out: list[PatchedFile] = []
    for value in args.values():
        if isinstance(value, str) and ("*** Begin Patch" in value or "\n+++ " in value or value.startswith("+++ ")):
            out += _v4a(value) if "*** Begin Patch" in value else _unified(value)
    return out


def _v4a(text: str) -> list[PatchedFile]:
    files: list[tuple[str, str, list[str]]] = []
    for line in text.splitlines():
        head = _V4A.match(line)
        if head:
            files.append((head.group(2) or head.group(3), (head.group(1) or "move").lower(), []))
        elif files and line.startswith("+"):
            files[-1][2].append(line[1:])
    return [PatchedFile(p, op, "\n".join(added)) for p, op, added in files]


def _unified(text: str) -> list[PatchedFile]:
    files: list[tuple[str, str, list[str]]] = []
    old = ""
    for line in text.splitlines():
        head = _UNIFIED.match(line)
        if head and head.group(2) is not None:
            old = head.group(2)
        elif head:
            new = head.group(1)
            files.append((old, "delete", []) if new == "/dev/null" else (new, "add" if old == "/dev/null" else "update", []))
        elif files and line.startswith("+"):
            files[-1][2].append(line[1:])
    return [PatchedFile(p, op, "\n".join(added)) for p, op, added in files]


def script_commands(args: Mapping[str, object]) -> list[str]:
    """The commands this call writes into files that will run: a whole shell file's content, a
    patch's added lines to a shell or CI file, a CI file's steps. Python and JavaScript sources
    are not read this way: judged as `python3 -c <module>`, 9 of 300 standard-library modules
    met the one-liner heuristics (a socket and a shell named in one text reads as a reverse
    shell), so whole modules need their own analysis."""
    out = ci_file_commands(args)
    paths = [v.strip() for k, v in args.items() if k.lower() in PATH_KEYS and isinstance(v, str)]
    if any(_SHELL_FILE.search(p) for p in paths):
        out += [v for k, v in args.items() if k.lower() in _CONTENT_KEYS and isinstance(v, str) and v.strip()]
    for patched in patched_files(args):
        if patched.added and _SHELL_FILE.search(patched.path):
            out.append(patched.added)
        elif patched.added:
            out += ci_file_commands({"path": patched.path, "content": patched.added})
    return out

"""File-path rules for structured tool calls (`write_file(path=...)`, `delete(path=...)`).

The same path classification as the shell rules, applied to argument values under path-like
keys: writing or deleting system files, keys, `.env`, `.git` internals or whole homes; reading
secrets. A project-relative path is ordinary work.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.ci_files import ci_paths
from sentinel_guard.rules.facts import Facts
from sentinel_guard.rules.paths import PathKind, classify_path, is_home_root
from sentinel_guard.rules.provenance import action_class
from sentinel_guard.rules.written_scripts import patched_files
from sentinel_guard.types import Decision, Severity

B, E, F = Decision.BLOCK, Decision.ESCALATE, Decision.FLAG
FILE = ("file",)
_PATH_KEYS = re.compile(r"(?i)^(?:path|paths|file|files|filename|file_?path|dest|destination|target|src|source|"
                        r"directory|dir|folder|location|output|output_path|to|from)$")


def _paths(f: Facts, file_urls: bool = False) -> list[tuple[str, str]]:
    """(key, path) of every path argument; with `file_urls`, also the files `file://` URLs open
    (read by the read rules only: opening a URL writes nothing)."""
    out: list[tuple[str, str]] = []
    for path, value in f.strings:
        key = path.rsplit(".", 1)[-1].split("[", 1)[0]
        if len(value) >= 1024 or "\n" in value:
            continue
        if value.startswith("file://"):  # a browser or fetch tool opening a local file reads it
            if file_urls:
                out.append((key, _file_url_path(value)))
        elif _PATH_KEYS.match(key) or (value[:1] in ("/", "~") and " " not in value and "/" in value[1:]):
            out.append((key, value))
    return out + [("path", p.path) for p in patched_files(f.call.args)]  # the files a patch touches


def _file_url_path(url: str) -> str:
    """`file:///etc/shadow` → `/etc/shadow` (`file://localhost/…` too; %-escapes decoded)."""
    rest = url[len("file://"):]
    rest = rest[len("localhost"):] if rest.startswith("localhost/") else rest
    return unquote(rest.split("?", 1)[0].split("#", 1)[0])


def _is_delete(f: Facts) -> bool:
    return action_class(f.tool) == "delete" or bool(f.tokens & {"rm", "rmdir", "unlink"})


@rule("file.destroy-critical", B, Severity.CRITICAL, kinds=FILE)
def destroy_critical(f: Facts) -> str | None:
    """Deleting or overwriting the root, a device, or a whole home directory through a file tool."""
    if f.effect.value == "read":
        return None
    for _key, value in _paths(f):
        kind = classify_path(value)
        if kind in (PathKind.ROOT, PathKind.DEVICE) or (kind is PathKind.HOME and is_home_root(value) and _is_delete(f)):
            return f"{f.call.tool} on '{value}' ({kind.value}): unrecoverable."
    return None


@rule("file.write-sensitive", E, Severity.HIGH, kinds=FILE, env="write")
def write_sensitive(f: Facts) -> str | None:
    """Writing, moving or deleting system files, secrets, `.env`, `.git` internals or files in a home."""
    if f.effect.value == "read":
        return None
    for _key, value in _paths(f):
        kind = classify_path(value)
        if kind in (PathKind.SYSTEM, PathKind.SECRET, PathKind.GIT):
            return f"{f.call.tool} changes '{value}' ({kind.value} path)."
        if kind is PathKind.HOME and re.search(r"/\.[\w-]+(?:/|$)", value):
            return f"{f.call.tool} changes the dotfile '{value}' (startup scripts, settings)."
    return None


@rule("file.read-secret", E, Severity.HIGH, kinds=FILE)
def read_secret(f: Facts) -> str | None:
    """Reading keys, credential stores, `.env` files or shell history through a file tool."""
    if f.effect.value == "read":
        candidates = _paths(f, file_urls=True)
    else:  # a navigation or an unknown tool given a file:// URL still reads that file
        candidates = [(p, _file_url_path(v)) for p, v in f.strings if v.startswith("file://")]
    for _key, value in candidates:
        if classify_path(value) is PathKind.SECRET:
            return f"{f.call.tool} reads '{value}', a secret/credential file."
    return None


@rule("file.delete", F, Severity.MEDIUM, kinds=FILE, env="write")
def delete(f: Facts) -> str | None:
    """Deleting files is recorded even inside the project."""
    if _is_delete(f) and _paths(f):
        return f"{f.call.tool} deletes {_paths(f)[0][1]}."
    return None


_CI_WORDS = re.compile(r"(?i)\b(?:ci|cd|workflows?|pipelines?|github actions?|actions?|jenkins|gitlab|circleci|build|"
                       r"pre-commit|hooks?|deploy(?:ment)?s?)\b")


@rule("file.ci-config", F, Severity.MEDIUM, kinds=("any",))
def ci_config(f: Facts) -> str | None:
    """Writing a CI or automation file (it runs later, on the project's runners, with its secrets) the user did not ask for."""
    paths = ci_paths(f.call.args)
    if not paths or _CI_WORDS.search(f.instruction_lower):
        return None
    return f"{f.call.tool} writes '{paths[0]}': CI runs its steps with the project's secrets, and the user asked for no CI change."

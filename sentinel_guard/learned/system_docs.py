"""Debian's `/usr/share/doc` texts the heads train on, pinned by a committed manifest.

The benign "documents an agent reads" include README and changelog files of installed Debian
packages. Picking them by walking `/usr/share/doc` made training depend on what else happened
to be installed: one more package shifts the first N by name, and the untrusted head's
threshold moved from 0.388 to 0.245 on a machine with a few extra packages. So the selection is
made once and committed (`debian_docs.tsv`: path and sha256 of each file, in selection order);
training reads exactly those files and counts the ones that are missing or changed, so a
machine that cannot reproduce the shipped heads says so instead of quietly training on others.
The texts themselves are not committed: they are the packages' own files, under their licences.

Refresh the manifest (after a Debian release upgrade, say) with
`python -m sentinel_guard.learned.system_docs --write`.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DOC_MANIFEST", "DOC_ROOT", "SystemDocs", "read_system_docs", "select_system_docs", "write_manifest"]

DOC_ROOT = Path("/usr/share/doc")
DOC_MANIFEST = Path(__file__).with_name("debian_docs.tsv")
_CANDIDATES = ("README", "README.md", "README.Debian", "changelog.Debian.gz", "NEWS.Debian.gz")
_MAX_CHARS = 1500
_MIN_CHARS = 200


@dataclass(frozen=True)
class SystemDocs:
    """The texts read, and how many listed files this machine lacks or holds in another version."""

    texts: list[str]
    listed: int
    missing: int


def _text(path: Path) -> str | None:
    """The file's first characters as training text, or None if unreadable or too short."""
    try:
        raw = path.read_bytes()
        if path.name.endswith(".gz"):
            raw = gzip.decompress(raw)
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    text = raw.decode("utf-8", "replace")[:_MAX_CHARS]
    return text if len(text) > _MIN_CHARS else None


def select_system_docs(limit: int, root: Path | None = None) -> list[Path]:
    """The selection rule the manifest records: per package by name, its first usable README,
    changelog or NEWS file, until `limit` are found."""
    root = root or DOC_ROOT
    if not root.is_dir():
        return []
    chosen: list[Path] = []
    for pkg in sorted(root.iterdir())[: limit * 2]:
        path = next((pkg / n for n in _CANDIDATES if _text(pkg / n) is not None), None)
        if path is not None:
            chosen.append(path)
        if len(chosen) >= limit:
            break
    return chosen


def write_manifest(limit: int = 400, root: Path | None = None, out: Path | None = None) -> int:
    """Select on this machine and write the manifest atomically; returns the number of entries."""
    root, out = root or DOC_ROOT, out or DOC_MANIFEST
    lines = [f"{p.relative_to(root).as_posix()}\t{hashlib.sha256(p.read_bytes()).hexdigest()}\n"
             for p in select_system_docs(limit, root)]
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("".join(lines), encoding="utf-8")
    tmp.replace(out)
    return len(lines)


def read_system_docs(limit: int, root: Path | None = None, manifest: Path | None = None) -> SystemDocs:
    """The first `limit` files the manifest lists, each only if its bytes still match."""
    root, manifest = root or DOC_ROOT, manifest or DOC_MANIFEST
    entries = [line.split("\t") for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()][:limit]
    texts: list[str] = []
    for rel, digest in entries:
        path = root / rel
        try:
            same = hashlib.sha256(path.read_bytes()).hexdigest() == digest
        except OSError:
            same = False
        text = _text(path) if same else None
        if text is not None:
            texts.append(text)
    return SystemDocs(texts, len(entries), len(entries) - len(texts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check or rewrite the manifest of Debian docs the heads train on.")
    parser.add_argument("--write", action="store_true", help=f"select on this machine and rewrite {DOC_MANIFEST.name}")
    parser.add_argument("--limit", type=int, default=400)
    args = parser.parse_args(argv)
    if args.write:
        print(f"wrote {DOC_MANIFEST} ({write_manifest(args.limit)} files)")
        return 0
    docs = read_system_docs(args.limit)
    print(f"{docs.listed - docs.missing} of {docs.listed} listed files present and unchanged")
    return 0 if not docs.missing else 1


if __name__ == "__main__":
    sys.exit(main())

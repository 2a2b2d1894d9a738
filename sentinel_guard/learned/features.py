"""Hashed text features shared by every learned head (pure Python; no numpy at run time).

A text is read once (`featurise`) into *units*: its sentences and lines, each normalised. A unit's
features are, for each distinct word, the word itself and its character 4-grams (they carry
misspellings, leet remnants and other languages; a word of under four letters has one or two,
which are little more than the word), where word features of an English-heavy
corpus say nothing), then the unit's word bigrams and its first two words (how a request
opens: "ignore all", "how do"). Hashing is CRC-32, stable across processes and platforms, so
weights trained here mean the same everywhere.

Why this shape: everything a word contributes depends on the word alone, so a head can ship
each known word's summed weight (`LinearHead.word_sums`) and look it up instead of hashing
its 4-grams on every call; only bigrams, openings and unknown words are hashed at run time.
A unit's features are a multiset (a 4-gram shared by two words counts twice), which is what
the trainer fits too.

Besides, a head may average static token vectors over the units' words (`tokens.py`): each
distinct word of a unit adds its WordPiece tokens (`units_tokens`).

A head scores a text from its units: the whole text (all units), or, for texts an agent reads,
windows of `WINDOW_UNITS` consecutive units, so one planted sentence stands out wherever it
sits in a long, benign document.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from itertools import repeat

from sentinel_guard.learned.tokens import pieces
from sentinel_guard.shield.normalise import normalise

__all__ = ["HASH_BITS", "MAX_CHARS", "WINDOW_UNITS", "Unit", "example_features", "featurise", "text_buckets", "unit_text",
           "units_tokens", "window_buckets", "windows", "word_buckets"]

HASH_BITS = 18
_MASK = (1 << HASH_BITS) - 1
MAX_CHARS = 8000
"""Only the first MAX_CHARS characters of a text are read (bounds the cost per text)."""
_WORD = re.compile(r"\w+|[<>#|\[\]{}!?:$@`]")
_SENT = re.compile(r"\s(?:(?<=[.!?。！？]\s)\s*|(?<=\n)\n*)")
"""Where units split: whitespace after a sentence's end, or a run of newlines. Written to open
with the whitespace character itself (each alternative checks what precedes it, or that it is a
newline, by a lookbehind) so that `re` skips ahead to the next whitespace instead of trying both
alternatives at every position; it splits where the lookbehind-first form did (same pieces on
22,620 corpus texts)."""
WINDOW_UNITS = 2
_UNIT_CHARS = 700
_crc32 = zlib.crc32
# CRC-32 continues over concatenation (`crc32(b, crc32(a)) == crc32(a + b)`), so a feature key's
# constant prefix is hashed once, here, and each key hashes only its own bytes.
_BIGRAM_SEED = _crc32(b"b:")
_SPACE = b" "


@dataclass(frozen=True, slots=True)
class Unit:
    """One normalised sentence or line: its distinct words and its other (hashed) buckets."""

    text: str
    words: tuple[str, ...]
    """Distinct words, in order of first appearance."""
    buckets: tuple[int, ...]
    """Distinct bigram and opening buckets."""
    size: int
    """How many features the unit has (a word counts len(word): itself and the len - 1 4-grams of
    `<word>`; plus `buckets`)."""


def word_buckets(word: str) -> list[int]:
    """The word's own bucket and its 4-gram buckets (what `LinearHead.word_sums` pre-sums)."""
    padded = f"<{word}>"
    return [_crc32(f"w:{word}".encode()) & _MASK,
            *(_crc32(f"4:{padded[i:i + 4]}".encode()) & _MASK for i in range(len(padded) - 3))]


def _unit(norm: str) -> Unit:
    words = _WORD.findall(norm)
    distinct = tuple(dict.fromkeys(words))
    # Bigram buckets in C-level maps (this runs for every sentence of every text): the CRC of
    # "b:<w1> <w2>" is the CRC of " <w2>" continued from that of "b:<w1>", so each word is
    # encoded and prefixed once, not once per bigram it is in.
    raw = list(map(str.encode, words))
    firsts = map(_crc32, raw, repeat(_BIGRAM_SEED))
    seconds = map(_SPACE.__add__, raw[1:])
    buckets = set(map(_MASK.__and__, map(_crc32, seconds, firsts)))
    if words:
        buckets.add(_crc32(("o:" + " ".join(words[:2])).encode()) & _MASK)
    ordered = tuple(sorted(buckets))
    return Unit(norm, distinct, ordered, sum(map(len, distinct)) + len(ordered))


def featurise(text: str) -> list[Unit]:
    """The units of `text` (its first MAX_CHARS characters), each normalised once; never empty."""
    units: list[Unit] = []
    for piece in _SENT.split(text[:MAX_CHARS]):
        if not piece.strip():
            continue
        norm = normalise(piece)
        for i in range(0, len(norm), _UNIT_CHARS):
            units.append(_unit(norm[i:i + _UNIT_CHARS]))
    return units or [_unit("")]


def windows(units: list[Unit]) -> list[list[Unit]]:
    """Windows of `WINDOW_UNITS` consecutive units (one window of all units when the text is short)."""
    if len(units) <= WINDOW_UNITS:
        return [units]
    return [units[i:i + WINDOW_UNITS] for i in range(len(units) - WINDOW_UNITS + 1)]


def unit_text(units: list[Unit]) -> str:
    return " ".join(u.text for u in units)


def _buckets_of(units: list[Unit]) -> list[int]:
    out: list[int] = []
    for u in units:
        for w in u.words:
            out.extend(word_buckets(w))
        out.extend(u.buckets)
    return out


def text_buckets(text: str) -> list[int]:
    """Every feature bucket of the whole text, with multiplicity (what the trainer fits)."""
    return _buckets_of(featurise(text))


def window_buckets(text: str) -> list[tuple[str, list[int]]]:
    """(normalised window text, its buckets with multiplicity) per window of the text."""
    return [(unit_text(w), _buckets_of(w)) for w in windows(featurise(text))]


def example_features(text: str, index: dict[str, int], *, windowed: bool) -> list[tuple[str, list[int], list[int]]]:
    """What the trainer fits, per window (`windowed`) or for the whole text: (normalised text,
    buckets with multiplicity, WordPiece token ids), read from one featurisation."""
    units = featurise(text)
    parts = windows(units) if windowed else [units]
    return [(unit_text(w), _buckets_of(w), units_tokens(w, index)) for w in parts]


def units_tokens(units: list[Unit], index: dict[str, int]) -> list[int]:
    """The WordPiece token ids of these units' distinct words (per unit, as the heads score them):
    what a head's static-vector part averages (`tokens.py`)."""
    out: list[int] = []
    for u in units:
        for w in u.words:
            out.extend(pieces(w, index))
    return out

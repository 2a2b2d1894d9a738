"""Hashed text features shared by every learned head (pure Python; no numpy at run time).

A text becomes a sorted list of distinct buckets in [0, 2^HASH_BITS): word unigrams and bigrams
of the normalised text, character 3- and 5-grams inside words (they carry misspellings, leet
remnants and other languages, where word features of an English-heavy corpus say nothing), and
the first two words of each sentence (how a request opens: "ignore all", "how do"). Hashing is
CRC-32, stable across processes and platforms, so weights trained here mean the same everywhere.

Long texts are cut into windows of a few consecutive sentences or lines; a head scores each
window and keeps the highest, so one planted sentence stands out wherever it sits in a long,
benign document.
"""

from __future__ import annotations

import itertools
import re
import zlib

from sentinel_guard.shield.normalise import normalise

__all__ = ["HASH_BITS", "MAX_CHARS", "features", "text_windows", "window_buckets"]

HASH_BITS = 18
_MASK = (1 << HASH_BITS) - 1
MAX_CHARS = 8000
"""Only the first MAX_CHARS characters of a text are read (bounds the cost per text)."""
_WORD = re.compile(r"\w+|[<>#|\[\]{}!?:$@`]")
_SENT = re.compile(r"(?<=[.!?。！？])\s+|\n+")
_WINDOW_UNITS = 2
_WINDOW_CHARS = 700


def _h(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) & _MASK


def features(text: str, *, normalised: bool = False) -> list[int]:
    """Sorted distinct feature buckets of one text (normalised here unless `normalised`)."""
    norm = text if normalised else normalise(text[:MAX_CHARS])
    words = _WORD.findall(norm)
    feats = {f"w:{w}" for w in words}
    feats.update(f"b:{a} {b}" for a, b in itertools.pairwise(words))
    for word in {w for w in words if len(w) >= 4}:
        padded = f"<{word}>"
        feats.update(f"4:{padded[i:i + 4]}" for i in range(len(padded) - 3))
    for sentence in _SENT.split(norm):
        first = _WORD.findall(sentence[:40])[:2]
        if first:
            feats.add("o:" + " ".join(first))
    feats.add("bias")
    return sorted({_h(f) for f in feats})


def _units(text: str) -> list[str]:
    norm_lines = [normalise(u) for u in _SENT.split(text[:MAX_CHARS]) if u.strip()]
    return [u[i:i + _WINDOW_CHARS] for u in norm_lines if u for i in range(0, len(u), _WINDOW_CHARS)] or [""]


def window_buckets(text: str) -> list[tuple[str, list[int]]]:
    """(normalised window, its sorted buckets) per window; each sentence is featurised once and a
    window's buckets are the union of its sentences' (what both training and scoring read)."""
    units = _units(text)
    per_unit = [features(u, normalised=True) for u in units]
    if len(units) <= _WINDOW_UNITS:
        return [(" ".join(units), sorted(set().union(*per_unit)))]
    out = []
    for i in range(len(units) - _WINDOW_UNITS + 1):
        merged: set[int] = set()
        for buckets in per_unit[i:i + _WINDOW_UNITS]:
            merged.update(buckets)
        out.append((" ".join(units[i:i + _WINDOW_UNITS]), sorted(merged)))
    return out


def text_windows(text: str) -> list[str]:
    """Normalised windows of `_WINDOW_UNITS` consecutive sentences/lines (the whole text when short)."""
    norm_lines = [normalise(u) for u in _SENT.split(text[:MAX_CHARS]) if u.strip()]
    units = [u[i:i + _WINDOW_CHARS] for u in norm_lines if u for i in range(0, len(u), _WINDOW_CHARS)]
    if len(units) <= _WINDOW_UNITS:
        return [" ".join(units)] if units else [""]
    return [" ".join(units[i:i + _WINDOW_UNITS]) for i in range(len(units) - _WINDOW_UNITS + 1)]

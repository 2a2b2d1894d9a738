"""Learned tier of the shield: logistic regression over hashed n-grams of short text windows.

Pure Python, no numpy at run time. A text is cut into windows of a few consecutive sentences;
each window gets a score and the text's score is the highest. Scoring windows rather than whole
texts keeps a long benign document from looking suspicious just for being long, and lets one
planted sentence stand out wherever it sits. Features of a window:

* word unigrams and bigrams, and character 4-grams (robust to typos such as "iunstructions");
* sentence openings ("write a", "how can");
* all of them tagged with the text's shape, `doc|` (several lines or long) or `short|`: the same
  words mean different things in a user's one-line request ("Write a script that …", benign)
  and planted inside a third party's e-mail (task hijacking, an injection);
* a few structural flags (invisible characters, decoded runs, an imperative or a question
  inside a document).

Each feature string is hashed (CRC-32, stable across processes) into 2^18 buckets. The model file
stores only the non-zero buckets with int8-quantised weights, so it stays a few hundred KB.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import zlib
from functools import cache
from pathlib import Path
from typing import Any

from sentinel_guard.errors import ConfigError
from sentinel_guard.shield.normalise import Normalised, normalise

__all__ = [
    "DEFAULT_MODEL_PATH", "HASH_BITS", "LearnedModel", "hashed_windows", "load_model", "units", "window_features",
    "window_spans", "windows",
]

HASH_BITS = 18
_MASK = (1 << HASH_BITS) - 1
DEFAULT_MODEL_PATH = Path(__file__).with_name("model.json")
_WORD = re.compile(r"[a-z0-9']+|[<>#|\[\]{}!?:$@]")
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+")
_LINE_PREFIX = re.compile(r"^[\s\-*>•'\"|#]+")
_MAX_CHARS = 6000
_IMPERATIVE_WORDS = (
    "write provide describe explain analyze analyse create generate translate render encode add "
    "include integrate modify summarize summarise list give tell compose draft suggest recommend "
    "calculate compare discuss send forward delete ignore show help determine classify use apply "
    "shift reverse enhance augment outline make find identify"
)
_IMPERATIVE = frozenset(_IMPERATIVE_WORDS.split())
_QUESTION = frozenset({"what", "how", "why", "which", "who", "where", "when", "is", "are", "can", "could", "would", "should", "do", "does"})


def _hash(feature: str) -> int:
    return zlib.crc32(feature.encode("utf-8")) & _MASK


_WINDOW_UNITS = 3
_CHAR_WORD_MIN = 5
_WINDOW_STRIDE = 2
_WINDOW_CHARS = 500


def units(raw: str) -> tuple[str, list[str]]:
    """(shape tag, normalised sentences and short lines) of a text, in order."""
    lines = [ln for ln in raw[:_MAX_CHARS].splitlines() if ln.strip()]
    tag = "doc|" if len(lines) >= 3 or len(raw) > 300 else "short|"
    out: list[str] = []
    for line in lines:
        line = normalise(_LINE_PREFIX.sub("", line))
        out.extend(u[i:i + _WINDOW_CHARS] for u in _SENT_SPLIT.split(line) if u for i in range(0, len(u), _WINDOW_CHARS))
    return tag, out


def window_spans(n_units: int) -> list[range]:
    """Which units each window covers: `_WINDOW_UNITS` consecutive units every `_WINDOW_STRIDE`."""
    return [range(i, min(i + _WINDOW_UNITS, n_units)) for i in range(0, max(n_units - 1, 1), _WINDOW_STRIDE)]


def windows(raw: str, prepared: Normalised) -> tuple[str, list[str]]:
    """(shape tag, normalised windows) of a text; decoded runs become windows of their own."""
    tag, parts = units(raw)
    out = [" ".join(parts[i] for i in span) for span in window_spans(len(parts))]
    out.extend(view[:_MAX_CHARS] for view in prepared.views[1:])
    return tag, out


def window_features(window: str, tag: str, prepared: Normalised) -> set[str]:
    """The feature strings of one window (before hashing); deterministic."""
    words = _WORD.findall(window)
    feats = {f"{tag}w:{w}" for w in words}
    feats.update(f"{tag}b:{a} {b}" for a, b in itertools.pairwise(words))
    # Character 4-grams inside longer words only: they catch misspellings ("iunstructions")
    # without turning common short words into features that merely say "English prose".
    for word in {w for w in words if len(w) >= _CHAR_WORD_MIN}:
        padded = f"<{word}>"
        feats.update(f"{tag}c:{padded[i:i + 4]}" for i in range(len(padded) - 3))
    for sentence in _SENT_SPLIT.split(window):
        first = _WORD.findall(sentence[:60])[:2]
        if not first:
            continue
        feats.add(f"{tag}o:{' '.join(first)}")
        if tag == "doc|" and first[0] in _IMPERATIVE:
            feats.add("s:doc-imperative")
        if tag == "doc|" and first[0] in _QUESTION and sentence.endswith("?"):
            feats.add("s:doc-question")
    if prepared.hidden_chars:
        feats.add("s:hidden-chars")
    if len(prepared.views) > 1:
        feats.add("s:decoded")
    feats.add(tag + "bias")
    return feats


def hashed_windows(raw: str, prepared: Normalised) -> list[list[int]]:
    """Sorted distinct feature buckets of each window of the text."""
    tag, wins = windows(raw, prepared)
    return [sorted({_hash(f) for f in window_features(w, tag, prepared)}) for w in wins]


class LearnedModel:
    """A sparse linear model over windows: a window's logit is bias + Σ w[bucket] / √n.

    Dividing by √n (n = distinct features of the window) keeps windows of different lengths
    comparable. A text's probability is that of its highest-scoring window.
    """

    def __init__(self, weights: dict[int, float], bias: float, *, meta: dict[str, Any] | None = None) -> None:
        self.weights = weights
        self.bias = bias
        self.meta = meta or {}

    def window_logit(self, buckets: list[int]) -> float:
        get = self.weights.get
        return self.bias + sum(get(b, 0.0) for b in buckets) / math.sqrt(max(len(buckets), 1))

    def logit(self, raw: str, prepared: Normalised) -> float:
        """The highest window logit of the text."""
        return max(self.window_logit(b) for b in hashed_windows(raw, prepared))

    def probability(self, raw: str, prepared: Normalised) -> float:
        z = max(-30.0, min(30.0, self.logit(raw, prepared)))
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> dict[str, Any]:
        """Serialisable form with int8-quantised weights (bucket ids delta-encoded)."""
        scale = max((abs(w) for w in self.weights.values()), default=1.0) / 127 or 1.0
        buckets, values, last = [], [], 0
        for bucket in sorted(self.weights):
            q = round(self.weights[bucket] / scale)
            if q:
                buckets.append(bucket - last)
                values.append(q)
                last = bucket
        return {"format": "sentinel-guard-shield-linear/1", "hash_bits": HASH_BITS, "bias": self.bias,
                "scale": scale, "buckets": buckets, "weights": values, "meta": self.meta}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LearnedModel:
        """The model stored by `to_json`; `ConfigError` if the data is not such a model."""
        if data.get("format") != "sentinel-guard-shield-linear/1" or data.get("hash_bits") != HASH_BITS:
            raise ConfigError("shield model file has an unknown format or hash size")
        try:
            scale, bias = float(data["scale"]), float(data["bias"])
            weights: dict[int, float] = {}
            bucket = 0
            for delta, q in zip(data["buckets"], data["weights"], strict=True):
                bucket += int(delta)
                weights[bucket] = int(q) * scale
            meta = dict(data.get("meta") or {})
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"shield model file is malformed: {exc!r}") from exc
        return cls(weights, bias, meta=meta)


@cache
def load_model(path: str | None = None) -> LearnedModel:
    """The shipped model (or the one at `path`); loaded once per process."""
    target = Path(path) if path else DEFAULT_MODEL_PATH
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot load shield model {target}: {exc}") from exc
    return LearnedModel.from_json(data)

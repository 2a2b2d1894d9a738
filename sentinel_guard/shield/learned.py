"""Learned tier of the shield: logistic regression over hashed word, character and line features.

Pure Python, no numpy at run time. Features of a normalised text:

* word unigrams and bigrams, and character 4-grams (robust to typos such as "iunstructions");
* line and sentence openings ("write a", "how can"), tagged `doc|` when the text is a document
  (several lines or long) and `short|` otherwise. This is what lets a linear model separate a
  user's own request ("Write a script that …", benign) from the same request planted inside a
  third party's e-mail (task hijacking, an injection);
* a few structural counts (invisible characters, decoded runs, a question or imperative line
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

from sentinel_guard.errors import ConfigError
from sentinel_guard.shield.normalise import Normalised, normalise

__all__ = ["DEFAULT_MODEL_PATH", "HASH_BITS", "LearnedModel", "features", "load_model"]

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


def _openings(raw: str) -> list[str]:
    """First two words of each line and sentence of the raw text (normalised)."""
    out: list[str] = []
    for line in raw.splitlines():
        line = _LINE_PREFIX.sub("", line)
        if not line:
            continue
        for sentence in _SENT_SPLIT.split(line)[:4]:
            words = _WORD.findall(normalise(sentence[:80]))
            if words:
                out.append(" ".join(words[:2]))
                out.append(words[0] + ("?" if sentence.rstrip().endswith("?") else "."))
    return out


def features(raw: str, prepared: Normalised) -> set[str]:
    """The feature strings of one text (before hashing); deterministic."""
    text = " ".join(prepared.views)[:_MAX_CHARS]
    words = _WORD.findall(text)
    feats = {f"w:{w}" for w in words}
    feats.update(f"b:{a} {b}" for a, b in itertools.pairwise(words))
    padded = f" {text} "
    feats.update(f"c:{padded[i:i + 4]}" for i in range(len(padded) - 3))
    lines = [ln for ln in raw.splitlines() if ln.strip()]
    is_doc = len(lines) >= 3 or len(raw) > 300
    tag = "doc|" if is_doc else "short|"
    for opening in _openings(raw[:_MAX_CHARS]):
        feats.add(tag + opening)
        first = opening.split(" ", 1)[0].rstrip(".?")
        if is_doc and first in _IMPERATIVE:
            feats.add("s:doc-imperative")
        if is_doc and opening.endswith("?") and first in _QUESTION:
            feats.add("s:doc-question")
    if prepared.hidden_chars:
        feats.add("s:hidden-chars")
    if len(prepared.views) > 1:
        feats.add("s:decoded")
    feats.add(tag + "bias")
    return feats


def hashed(raw: str, prepared: Normalised) -> list[int]:
    """Sorted distinct buckets of the text's features."""
    return sorted({_hash(f) for f in features(raw, prepared)})


class LearnedModel:
    """A sparse linear model: `probability` = sigmoid(bias + Σ w[bucket] / √n).

    Dividing by √n (n = distinct features) keeps long benign documents from scoring high just
    because they are long, while one planted sentence still moves a long text's score.
    """

    def __init__(self, weights: dict[int, float], bias: float, *, meta: dict[str, object] | None = None) -> None:
        self.weights = weights
        self.bias = bias
        self.meta = meta or {}

    def logit(self, raw: str, prepared: Normalised) -> float:
        get = self.weights.get
        buckets = hashed(raw, prepared)
        return self.bias + sum(get(b, 0.0) for b in buckets) / math.sqrt(len(buckets))

    def probability(self, raw: str, prepared: Normalised) -> float:
        z = max(-30.0, min(30.0, self.logit(raw, prepared)))
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> dict[str, object]:
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
    def from_json(cls, data: dict[str, object]) -> LearnedModel:
        if data.get("format") != "sentinel-guard-shield-linear/1" or data.get("hash_bits") != HASH_BITS:
            raise ConfigError("shield model file has an unknown format or hash size")
        scale = float(data["scale"])  # type: ignore[arg-type]
        weights, bucket = {}, 0
        for delta, q in zip(data["buckets"], data["weights"], strict=True):  # type: ignore[call-overload]
            bucket += int(delta)
            weights[bucket] = int(q) * scale
        return cls(weights, float(data["bias"]), meta=dict(data.get("meta") or {}))  # type: ignore[arg-type]


@cache
def load_model(path: str | None = None) -> LearnedModel:
    """The shipped model (or the one at `path`); loaded once per process."""
    target = Path(path) if path else DEFAULT_MODEL_PATH
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot load shield model {target}: {exc}") from exc
    return LearnedModel.from_json(data)

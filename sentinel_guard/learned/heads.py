"""Linear heads over hashed features, and the file that ships them (`heads.json`).

A head is a logistic regression: logit = bias + Σ w[bucket] / √n over a window's n distinct
buckets (dividing by √n keeps short and long windows comparable); a text's logit is its highest
window's. Each head carries its own decision threshold, chosen at training time on benign texts
the head was not fitted on, for a stated false-positive rate (`meta.target_fpr`). `score` maps
the logit so that the threshold sits at 0.5 (`sigmoid(scale × (logit − threshold))`, `scale`
fitted on the same held-out texts), which is the scale the shield and the guard use for every
tier: ≥ 0.5 decides.

The file stores only the non-zero buckets, delta-encoded, with int8-quantised weights, written
with sorted keys and no timestamps, so the same training run gives the same bytes.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentinel_guard.errors import ConfigError
from sentinel_guard.learned.features import HASH_BITS, features, window_buckets

__all__ = ["DEFAULT_HEADS_PATH", "FORMAT", "HEAD_NAMES", "HeadSet", "LinearHead", "load_heads"]

FORMAT = "sentinel-guard-heads/1"
DEFAULT_HEADS_PATH = Path(__file__).with_name("heads.json")
HEAD_NAMES = ("injection_user", "injection_untrusted", "intent", "action_risk")
"""`injection_user`: direct attacks in a user's own text. `injection_untrusted`: instructions for
the agent inside text it reads (tool output, documents). `intent`: a request whose goal is harm.
`action_risk`: a proposed call (tool, args, instruction as text) that an attacker would make."""


def _sigmoid(z: float) -> float:
    z = max(-30.0, min(30.0, z))
    return 1.0 / (1.0 + math.exp(-z))


@dataclass
class LinearHead:
    """One head: sparse weights, bias, the decision threshold (a logit) and the score scale."""

    weights: dict[int, float]
    bias: float
    threshold: float = 0.0
    scale: float = 1.0
    windowed: bool = False
    """Score the highest window (texts an agent reads) instead of the whole text."""
    meta: dict[str, Any] = field(default_factory=dict)

    def logit_of(self, buckets: list[int]) -> float:
        get = self.weights.get
        return self.bias + sum(get(b, 0.0) for b in buckets) / math.sqrt(max(len(buckets), 1))

    def logit(self, text: str) -> float:
        """The text's logit; when `windowed`, its highest window's minus log(number of windows).

        The penalty keeps the chance that *some* window of a long benign document crosses the
        threshold about as small as for a short one (the max of n scores grows like log n)."""
        if not self.windowed:
            return self.logit_of(features(text))
        wins = window_buckets(text)
        return max(self.logit_of(b) for _, b in wins) - math.log(len(wins))

    def score(self, text: str) -> float:
        """Calibrated score in [0, 1]; ≥ 0.5 means at or past the head's threshold."""
        return _sigmoid(self.scale * (self.logit(text) - self.threshold))

    def to_json(self) -> dict[str, Any]:
        q_scale = max((abs(w) for w in self.weights.values()), default=1.0) / 127 or 1.0
        buckets, values, last = [], [], 0
        for bucket in sorted(self.weights):
            q = round(self.weights[bucket] / q_scale)
            if q:
                buckets.append(bucket - last)
                values.append(q)
                last = bucket
        return {"bias": round(self.bias, 6), "threshold": round(self.threshold, 6), "scale": round(self.scale, 6),
                "windowed": self.windowed, "q_scale": q_scale, "buckets": buckets, "weights": values,
                "meta": self.meta}

    @classmethod
    def from_json(cls, data: dict[str, Any], name: str = "head") -> LinearHead:
        try:
            q_scale = float(data["q_scale"])
            weights: dict[int, float] = {}
            bucket = 0
            for delta, q in zip(data["buckets"], data["weights"], strict=True):
                bucket += int(delta)
                weights[bucket] = int(q) * q_scale
            return cls(weights, float(data["bias"]), float(data["threshold"]), float(data["scale"]),
                       bool(data.get("windowed", False)), dict(data.get("meta") or {}))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"learned head {name!r} is malformed: {exc!r}") from exc


@dataclass
class HeadSet:
    """The heads of one training run (any subset of `HEAD_NAMES`) and where they came from."""

    heads: dict[str, LinearHead]
    meta: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> LinearHead | None:
        return self.heads.get(name)

    def to_bytes(self) -> bytes:
        """Canonical JSON (sorted keys, compact): equal head sets give equal bytes."""
        data = {"format": FORMAT, "hash_bits": HASH_BITS, "meta": self.meta,
                "heads": {n: h.to_json() for n, h in sorted(self.heads.items())}}
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")

    @classmethod
    def from_bytes(cls, raw: bytes, source: str = "heads") -> HeadSet:
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ConfigError(f"{source}: not JSON: {exc}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("hash_bits") != HASH_BITS:
            raise ConfigError(f"{source}: not a {FORMAT} file with hash_bits={HASH_BITS}")
        heads = data.get("heads")
        if not isinstance(heads, dict):
            raise ConfigError(f"{source}: 'heads' must be an object")
        unknown = sorted(set(heads) - set(HEAD_NAMES))
        if unknown:
            raise ConfigError(f"{source}: unknown head(s) {unknown}; known: {list(HEAD_NAMES)}")
        return cls({n: LinearHead.from_json(h, n) for n, h in heads.items()}, dict(data.get("meta") or {}))

    def save(self, path: Path) -> None:
        """Write atomically (a temporary file renamed over the target): never a half-written file."""
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(self.to_bytes())
        tmp.replace(path)


def load_heads(path: str | Path | None = None) -> HeadSet:
    """The shipped heads (or those at `path`); `ConfigError` naming the file if unreadable."""
    target = Path(path) if path else DEFAULT_HEADS_PATH
    try:
        raw = target.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read learned heads {target}: {exc}") from exc
    return HeadSet.from_bytes(raw, str(target))

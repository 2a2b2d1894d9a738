"""Linear heads over hashed features, and the file that ships them (`heads.json`).

A head is a logistic regression: logit = bias + Σ w[bucket] / √n over the n features (with
multiplicity) of the text, plus the mean score of its WordPiece tokens (`token_scores`: the
fitted direction over static token vectors, see `tokens.py`), or the same of each window of it
(`windowed`: the text's logit is its highest window's minus log(number of windows)). Each head carries its own decision threshold, chosen at
training time on benign texts the head was not fitted on, for a stated false-positive rate
(`meta.target_fpr`). `score` maps the logit so that the threshold sits at 0.5
(`sigmoid(scale × (logit − threshold))`), which is the scale the shield and the guard use for
every tier: ≥ 0.5 decides.

Speed: a text is featurised once (`features.featurise`) and any number of heads read the same
units (`score_units`). What a known word contributes (its own bucket and its 4-grams) is summed
at training time into `word_sums`, so scoring hashes only bigrams, openings and unknown words.
The sums are exact: weights are stored as int8 multiples of `q_scale` and a word's sum is the
integer sum of its buckets' multiples.

The file stores only the non-zero buckets, delta-encoded, with int8-quantised weights, the
vocabulary with its integer sums, integer token scores (and the one WordPiece token list the
heads share), written with sorted keys and no timestamps, so the same
training run gives the same bytes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate, pairwise
from pathlib import Path
from typing import Any, TypeVar

from sentinel_guard.errors import ConfigError
from sentinel_guard.learned.features import HASH_BITS, WINDOW_UNITS, Unit, featurise, word_buckets
from sentinel_guard.learned.tokens import pieces

__all__ = ["DEFAULT_HEADS_PATH", "FORMAT", "HEAD_NAMES", "HeadSet", "LinearHead", "load_heads"]

FORMAT = "sentinel-guard-heads/3"
DEFAULT_HEADS_PATH = Path(__file__).with_name("heads.json")
HEAD_NAMES = ("injection_user", "injection_untrusted", "intent", "action_risk")
"""`injection_user`: direct attacks in a user's own text. `injection_untrusted`: instructions for
the agent inside text it reads (tool output, documents). `intent`: a request whose goal is harm.
`action_risk`: a proposed call (tool, args, instruction as text) that an attacker would make."""


_N = TypeVar("_N", int, float)


def _sigmoid(z: float) -> float:
    z = max(-30.0, min(30.0, z))
    return 1.0 / (1.0 + math.exp(-z))


_TOKEN_LEVELS = 1000
"""Token scores are stored as integer multiples of max|score| / 1000."""



def _nine_digits(x: float) -> float:
    """A quantisation scale as the file stores it. Nine significant digits, not the full float:
    the largest weight can differ in its last bit between machines (seen: the intent head's
    token scale, 0.012960331512822599 here and ...602 where the shipped file was built, with
    every integer the same), and that bit must not change the file's bytes."""
    return float(f"{x:.9g}")


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
    word_sums: dict[str, float] = field(default_factory=dict)
    """Known words → the summed weight of their own and 4-gram buckets (a precomputed lookup)."""
    token_scores: list[float] | None = None
    """Static-vector part (`tokens.py`): each WordPiece token's score (the fitted direction · the
    token's vector); the text adds the mean over its tokens. None: a head of hashed n-grams only."""
    token_index: dict[str, int] = field(default_factory=dict)
    """WordPiece token → its id (shared by the heads of one file)."""
    word_emb: dict[str, tuple[float, int]] = field(default_factory=dict)
    """Known words → (summed token score, token count): `pieces` runs only for unknown words."""

    # ------------------------------------------------------------------ scoring
    def __post_init__(self) -> None:
        self._dense: tuple[dict[int, float], list[float]] | None = None
        self._split: tuple[dict[str, tuple[float, int]], dict[str, float], dict[str, int]] | None = None
        self._table()

    def _table(self) -> list[float]:
        """The weights as a dense list (index = bucket), built with the head: list indexing in
        C-level `map`s is what makes scoring cheap. Derived data of this instance only (rebuilt
        if `weights` is replaced by another dict), never shared between heads or processes."""
        if self._dense is None or self._dense[0] is not self.weights:
            dense = [0.0] * (1 << HASH_BITS)
            for bucket, value in self.weights.items():
                dense[bucket] = value
            self._dense = (self.weights, dense)
        return self._dense[1]

    def _emb_split(self) -> tuple[dict[str, float], dict[str, int]]:
        """`word_emb` as two dicts (sums, counts), so a unit's part is two C-level `map`s.
        Derived data of this instance, rebuilt if `word_emb` is replaced (as `_table`)."""
        if self._split is None or self._split[0] is not self.word_emb:
            self._split = (self.word_emb, {w: e[0] for w, e in self.word_emb.items()},
                           {w: e[1] for w, e in self.word_emb.items()})
        return self._split[1], self._split[2]

    def _unit_parts(self, units: list[Unit]) -> tuple[list[float], list[tuple[float, int]]]:
        """Per unit: its hashed part (summed weights of its words and buckets) and its static-vector
        part (summed token score, token count). All words are looked up in one C-level `map` and
        each unit sums its slice (the same additions in the same order as per unit: the same floats),
        not a few calls per unit (a long e-mail has 40); an unknown word is hashed once per text."""
        words = [w for u in units for w in u.words]
        ends = list(accumulate((len(u.words) for u in units), initial=0))
        bounds = list(pairwise(ends))  # each unit's slice of `words`
        at = self._table().__getitem__
        values = list(map(self.word_sums.get, words))
        if None in values:  # unknown words: sum their buckets (what `word_sums` holds for known ones)
            unknown = {w: sum(map(at, word_buckets(w))) for w, v in zip(words, values, strict=True) if v is None}
            values = [unknown[w] if v is None else v for w, v in zip(words, values, strict=True)]
        sums = [sum(values[a:b]) + sum(map(at, u.buckets)) for u, (a, b) in zip(units, bounds, strict=True)]  # type: ignore[arg-type]
        scores = self.token_scores
        if scores is None:
            return sums, [(0.0, 0)] * len(units)
        emb_sums, counts = self._emb_split()
        embs: list[tuple[float, int]] = []
        found = list(map(emb_sums.get, words))
        for a, b in bounds:
            part = found[a:b]
            if None not in part:
                embs.append((sum(part), sum(map(counts.__getitem__, words[a:b]))))  # type: ignore[arg-type]
                continue
            total, count = 0.0, 0
            for w, v in zip(words[a:b], part, strict=True):
                if v is None:  # an unknown word: its pieces now (what `word_emb` holds for known ones)
                    ids = pieces(w, self.token_index)
                    total += sum(scores[i] for i in ids)
                    count += len(ids)
                else:
                    total += v
                    count += counts[w]
            embs.append((total, count))
        return sums, embs

    def logit_of(self, buckets: Iterable[int], tokens: Iterable[int] = ()) -> float:
        """Logit of one bag of buckets (with multiplicity) and token ids, as the trainer sees an example."""
        get = self.weights.get
        values = [get(b, 0.0) for b in buckets]
        ids = list(tokens)
        emb = sum(self.token_scores[i] for i in ids) / len(ids) if ids and self.token_scores is not None else 0.0
        return self.bias + sum(values) / math.sqrt(max(len(values), 1)) + emb

    def logit_units(self, units: list[Unit]) -> float:
        """The logit of a featurised text (see `logit`)."""
        sums, embs = self._unit_parts(units)
        if not self.windowed or len(units) <= WINDOW_UNITS:
            return self.bias + sum(sums) / math.sqrt(max(sum(u.size for u in units), 1)) + _mean(embs)
        n = len(units) - WINDOW_UNITS + 1
        windows = zip(_per_window(sums), _per_window([u.size for u in units]),
                      _per_window([e[0] for e in embs]), _per_window([e[1] for e in embs]), strict=True)
        best = max(total / math.sqrt(max(size, 1)) + (emb / count if count else 0.0)
                   for total, size, emb, count in windows)
        return self.bias + best - math.log(n)

    def logit(self, text: str) -> float:
        """The text's logit; when `windowed`, its highest window's minus log(number of windows).

        The penalty keeps the chance that *some* window of a long benign document crosses the
        threshold about as small as for a short one (the max of n scores grows like log n)."""
        return self.logit_units(featurise(text))

    def score_units(self, units: list[Unit]) -> float:
        """Calibrated score of a featurised text (`features.featurise`), shared across heads."""
        return _sigmoid(self.scale * (self.logit_units(units) - self.threshold))

    def score(self, text: str) -> float:
        """Calibrated score in [0, 1]; ≥ 0.5 means at or past the head's threshold."""
        return self.score_units(featurise(text))

    # ------------------------------------------------------------------ the file
    def _q_scale(self) -> float:
        return _nine_digits(max((abs(w) for w in self.weights.values()), default=1.0) / 127) or 1.0

    def _e_scale(self) -> float:
        return _nine_digits(max((abs(s) for s in self.token_scores or ()), default=1.0) / _TOKEN_LEVELS) or 1.0

    def quantised(self, vocab: Iterable[str] = ()) -> LinearHead:
        """This head as the file stores it (int8 weights, integer token scores), with `word_sums`
        and `word_emb` for `vocab`."""
        again = LinearHead.from_json(self.to_json(), index=self.token_index)
        words = sorted(set(vocab))
        again.word_sums = {w: sum(again.weights.get(b, 0.0) for b in word_buckets(w)) for w in words}
        if again.token_scores is not None:
            scores = again.token_scores
            again.word_emb = {w: (sum(scores[i] for i in ids), len(ids))
                              for w in words for ids in [pieces(w, self.token_index)]}
        return again

    def to_json(self) -> dict[str, Any]:
        q_scale = self._q_scale()
        buckets, values, last = [], [], 0
        for bucket in sorted(self.weights):
            q = round(self.weights[bucket] / q_scale)
            if q:
                buckets.append(bucket - last)
                values.append(q)
                last = bucket
        vocab = sorted(self.word_sums)
        out = {"bias": round(self.bias, 6), "threshold": round(self.threshold, 6), "scale": round(self.scale, 6),
               "windowed": self.windowed, "q_scale": q_scale, "buckets": buckets, "weights": values,
               "vocab": vocab, "word_q": [round(self.word_sums[w] / q_scale) for w in vocab], "meta": self.meta}
        if self.token_scores is not None:
            e_scale = self._e_scale()
            out["e_scale"] = e_scale
            out["token_q"] = [round(s / e_scale) for s in self.token_scores]
            if self.word_emb:  # integer sums of the integer token scores: exact after loading
                out["word_e"] = [round(self.word_emb[w][0] / e_scale) for w in vocab]
                out["word_n"] = [self.word_emb[w][1] for w in vocab]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], name: str = "head", index: dict[str, int] | None = None) -> LinearHead:
        try:
            q_scale = float(data["q_scale"])
            weights: dict[int, float] = {}
            bucket = 0
            for delta, q in zip(data["buckets"], data["weights"], strict=True):
                bucket += int(delta)
                weights[bucket] = int(q) * q_scale
            vocab = data.get("vocab", ())
            sums = {str(w): int(q) * q_scale for w, q in zip(vocab, data.get("word_q", ()), strict=True)}
            head = cls(weights, float(data["bias"]), float(data["threshold"]), float(data["scale"]),
                       bool(data.get("windowed", False)), dict(data.get("meta") or {}), sums)
            if "token_q" in data:
                if not index or len(index) != len(data["token_q"]):
                    raise ValueError("token scores without the file's token list (or of another length)")
                e_scale = float(data["e_scale"])
                head.token_scores = [int(q) * e_scale for q in data["token_q"]]
                head.token_index = index
                head.word_emb = {str(w): (int(q) * e_scale, int(c)) for w, q, c in
                                 zip(vocab, data.get("word_e", ()), data.get("word_n", ()), strict=False)}
                head._emb_split()  # at load, not on the first text scanned
            return head
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"learned head {name!r} is malformed: {exc!r}") from exc


@dataclass
class HeadSet:
    """The heads of one training run (any subset of `HEAD_NAMES`) and where they came from."""

    heads: dict[str, LinearHead]
    meta: dict[str, Any] = field(default_factory=dict)
    tokens: list[str] = field(default_factory=list)
    """The WordPiece vocabulary the heads' token scores index (empty: hashed n-grams only)."""

    def get(self, name: str) -> LinearHead | None:
        return self.heads.get(name)

    def to_bytes(self) -> bytes:
        """Canonical JSON (sorted keys, compact): equal head sets give equal bytes."""
        data = {"format": FORMAT, "hash_bits": HASH_BITS, "meta": self.meta, "tokens": self.tokens,
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
        tokens = [str(t) for t in data.get("tokens") or ()]
        index = {t: i for i, t in enumerate(tokens)}
        return cls({n: LinearHead.from_json(h, n, index) for n, h in heads.items()}, dict(data.get("meta") or {}), tokens)

    def save(self, path: Path) -> None:
        """Write atomically (a temporary file renamed over the target): never a half-written file."""
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(self.to_bytes())
        tmp.replace(path)


def _per_window(values: list[_N]) -> Iterator[_N]:
    """The sum of each run of `WINDOW_UNITS` consecutive values, as `sum(values[i:i + WINDOW_UNITS])`
    gives it (the same additions in the same order, so the same floats), but summed in C over
    `zip`'s tuples instead of one slice per window: this runs for every window of every text."""
    return map(sum, zip(*(values[k:] for k in range(WINDOW_UNITS)), strict=False))  # shifted: unequal lengths


def _mean(parts: list[tuple[float, int]]) -> float:
    """Mean token score over units' (sum, count) pairs; 0 for no tokens."""
    count = sum(c for _, c in parts)
    return sum(s for s, _ in parts) / count if count else 0.0


def load_heads(path: str | Path | None = None) -> HeadSet:
    """The shipped heads (or those at `path`); `ConfigError` naming the file if unreadable."""
    target = Path(path) if path else DEFAULT_HEADS_PATH
    try:
        raw = target.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read learned heads {target}: {exc}") from exc
    return HeadSet.from_bytes(raw, str(target))

"""Train the embed tier's heads: `python -m sentinel_guard.learned.embed_build [--corpus DIR] [--out FILE]`.

Same records as the default heads (`build.head_records`), so the two tiers see the same data.
Needs extra `embed` (and numpy). Per head:

* texts are split by the same stable one-in-five hash as the default tier (`build.held_out`), but
  here for both labels: four fifths are fitted, the fifth left out chooses the threshold (per
  benign source, the strictest, `build.calibration_groups`) and then the band;
* the fit is a class- and source-balanced L2 logistic regression over the encoder's unit vectors
  (Newton steps in float64: deterministic, one thread);
* the band is the interval of the *default* head's score in which the embed head decides: the
  one that reaches the most held-out positives while the cascade's held-out FPR stays within the
  head's target (or the default head's own, if that is higher), then the fewest false alarms; ties go to the narrowest band,
  which encodes the fewest texts.

Encoding ~30k texts takes minutes on one core, so vectors are kept between runs in a
`VectorCache` (build time only, one file per exported encoder under `runs/embed-cache`, keyed by
the text's hash).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sentinel_guard.errors import ConfigError, MissingExtraError
from sentinel_guard.learned.build import TARGET_FPR, calibration_groups, head_records, held_out, train_head
from sentinel_guard.learned.data import CORPUS_DIR, Record
from sentinel_guard.learned.embed import EMBED_HEADS_PATH, EmbedHead, SentenceEncoder, save_embed_heads
from sentinel_guard.learned.fit import threshold_for_fpr
from sentinel_guard.learned.heads import LinearHead

__all__ = ["EMBED_HEAD_NAMES", "VectorCache", "build_embed_heads", "choose_band", "default_cache_path", "fit_logistic",
           "main", "train_embed_head"]

EMBED_HEAD_NAMES = ("injection_user", "injection_untrusted", "intent")
"""Not `action_risk`: a sentence encoder reads shell commands poorly, and that head judges commands."""
CACHE_DIR = Path(__file__).resolve().parents[2] / "runs" / "embed-cache"
_L2 = 1e-2
_NEG_WINDOWS = 6
_LOWS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
_HIGHS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)


def default_cache_path(encoder: SentenceEncoder) -> Path:
    """The cache file stem for vectors of this encoder: another export (other versions, other
    bytes) gets its own file rather than vectors it did not produce."""
    return CACHE_DIR / f"vectors-{encoder.runtime_id.replace(':', '-')}"


class VectorCache:
    """Window vectors and character spans per (windowed, text), encoded in length-sorted batches;
    saved to one .npz + .json pair when `path` is given. Owned by one build; bounded by its texts."""

    def __init__(self, encoder: SentenceEncoder, path: Path | None = None, batch: int = 32) -> None:
        import numpy as np

        self.np, self.encoder, self.path, self.batch = np, encoder, path, batch
        self.items: dict[str, tuple[Any, list[tuple[int, int]]]] = {}
        self._loaded = 0
        if path is not None and path.with_suffix(".json").is_file():
            index = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            matrix = np.load(path.with_suffix(".npz"))["vectors"]
            for key, (start, spans) in index.items():
                self.items[key] = (matrix[start:start + len(spans)], [tuple(s) for s in spans])
            self._loaded = len(self.items)

    @staticmethod
    def key(text: str, windowed: bool) -> str:
        return hashlib.sha256(f"{int(windowed)}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()

    def fill(self, texts: Sequence[str], windowed: bool, log: Callable[[str], None] = lambda _: None) -> None:
        """Encode every text not cached yet."""
        todo = sorted({t for t in texts if self.key(t, windowed) not in self.items}, key=len)
        for start in range(0, len(todo), self.batch):
            chunk = todo[start:start + self.batch]
            spans = [self.encoder.spans(t, windowed=windowed) for t in chunk]
            vectors = self.encoder.embed([ids for per in spans for ids, _ in per])
            at = 0
            for text, per in zip(chunk, spans, strict=True):
                self.items[self.key(text, windowed)] = (vectors[at:at + len(per)], [s for _, s in per])
                at += len(per)
            if start // self.batch % 50 == 0:
                log(f"  encoded {start + len(chunk)}/{len(todo)}")

    def get(self, text: str, windowed: bool) -> tuple[Any, list[tuple[int, int]]]:
        return self.items[self.key(text, windowed)]

    def save(self) -> None:
        if self.path is None or len(self.items) == self._loaded:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        index: dict[str, tuple[int, list[tuple[int, int]]]] = {}
        blocks, at = [], 0
        for key in sorted(self.items):
            vectors, spans = self.items[key]
            index[key] = (at, spans)
            blocks.append(vectors)
            at += len(spans)
        matrix = self.np.concatenate(blocks) if blocks else self.np.zeros((0, SentenceEncoder.dims), self.np.float32)
        self.np.savez(self.path.with_suffix(".npz"), vectors=matrix)
        self.path.with_suffix(".json").write_text(json.dumps(index), encoding="utf-8")


def _window_labels(record: Record, spans: list[tuple[int, int]]) -> list[int | None]:
    """Per window: 1 where it holds most of the planted payload, 0 where it holds none of it
    (carrier text), None (left out) for a sliver of overlap."""
    if not record.label:
        return [0] * len(spans)
    at = record.text.find(record.payload) if record.payload else -1
    if at < 0:
        return [1] * len(spans)
    p0, p1 = at, at + len(record.payload)
    out: list[int | None] = []
    for a, b in spans:
        overlap = max(0, min(b, p1) - max(a, p0))
        out.append(0 if overlap == 0 else 1 if overlap >= 0.5 * min(p1 - p0, b - a) else None)
    return out


def examples(records: list[Record], cache: VectorCache, windowed: bool) -> tuple[Any, Any, list[str]]:
    """(X, y, group per row): one row per window (benign long texts: at most `_NEG_WINDOWS`)."""
    np = cache.np
    rows, ys, groups = [], [], []
    for r in records:
        vectors, spans = cache.get(r.text, windowed)
        labels = _window_labels(r, spans)
        picks = range(len(spans))
        if not r.label and len(spans) > _NEG_WINDOWS:
            picks = range(0, len(spans), max(1, len(spans) // _NEG_WINDOWS))
        for i in picks:
            if labels[i] is not None:
                rows.append(vectors[i])
                ys.append(labels[i])
                groups.append(f"{r.source}:{labels[i]}")
    return np.asarray(rows, dtype=np.float64), np.asarray(ys, dtype=np.float64), groups


def fit_logistic(x: Any, y: Any, groups: list[str], l2: float = _L2, steps: int = 25) -> tuple[list[float], float]:
    """Weighted L2 logistic regression by Newton steps: each class weighs half, and inside a
    class each group (source) weighs the same, so a large templated source cannot outvote others."""
    import numpy as np

    counts: dict[str, int] = {}
    for g in groups:
        counts[g] = counts.get(g, 0) + 1
    per_class = {c: len({g for g in counts if g.endswith(f":{c}")}) for c in (0, 1)}
    weight = np.asarray([1.0 / (counts[g] * per_class[int(g.rsplit(":", 1)[1])]) for g in groups])
    weight *= len(groups) / weight.sum()
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    reg = np.full(xb.shape[1], l2 * len(groups))
    reg[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (weight * (p - y)) + reg * w
        hess = (xb * (weight * p * (1 - p))[:, None]).T @ xb + np.diag(reg)
        delta = np.linalg.solve(hess, grad)
        w -= delta
        if float(np.abs(delta).max()) < 1e-7:
            break
    return [float(v) for v in w[:-1]], float(w[-1])


def choose_band(default: Sequence[float], embed: Sequence[float], labels: Sequence[int],
                target_fpr: float) -> tuple[tuple[float, float], dict[str, float]]:
    """The band [lo, hi) of default scores in which the embed score decides (see module doc)."""
    pos = [i for i, y in enumerate(labels) if y]
    neg = [i for i, y in enumerate(labels) if not y]
    if not pos or not neg:
        raise ValueError("choose_band needs held-out texts of both labels")

    def decide(i: int, lo: float, hi: float) -> bool:
        return embed[i] >= 0.5 if lo <= default[i] < hi else default[i] >= 0.5
    own_fpr = sum(default[i] >= 0.5 for i in neg) / len(neg)
    allowed = max(target_fpr, own_fpr)
    best: tuple[tuple[float, float, float], tuple[float, float], dict[str, float]] | None = None
    for lo in _LOWS:
        for hi in _HIGHS:
            fpr = sum(decide(i, lo, hi) for i in neg) / len(neg)
            if fpr > allowed:
                continue
            recall = sum(decide(i, lo, hi) for i in pos) / len(pos)
            rank = (recall, -fpr, -(hi - lo))
            if best is None or rank > best[0]:
                consulted = sum(lo <= d < hi for d in default) / len(default)
                best = (rank, (lo, hi), {"recall": recall, "fpr": fpr, "consulted": consulted,
                                         "default_recall": sum(default[i] >= 0.5 for i in pos) / len(pos),
                                         "default_fpr": own_fpr})
    if best is None:  # no band keeps the FPR: the embed tier never decides for this head
        return (0.5, 0.5), {"recall": sum(default[i] >= 0.5 for i in pos) / len(pos), "fpr": own_fpr, "consulted": 0.0}
    return best[1], best[2]


def train_embed_head(name: str, records: list[Record], cache: VectorCache, *,
                     default: LinearHead | None = None, log: Callable[[str], None] = lambda _: None) -> EmbedHead:
    """Fit on four fifths, threshold and band on the held-out fifth (module doc).

    `default`: the default-tier head the band is chosen against; by default one trained here
    without the held-out positives (the shipped head was fitted on every positive, so on the
    held-out fifth it would look better than it is on texts it never saw)."""
    if default is None:
        default = train_head(name, [r for r in records if not (r.label and held_out(r.text))])
    windowed = default.windowed
    cache.fill([r.text for r in records], windowed, log)
    fit_part = [r for r in records if not held_out(r.text) and len(cache.get(r.text, windowed)[1])]
    held = [r for r in records if held_out(r.text) and len(cache.get(r.text, windowed)[1])]
    x, y, groups = examples(fit_part, cache, windowed)
    weights, bias = fit_logistic(x, y, groups)
    raw = EmbedHead(tuple(weights), bias, 0.0, (0.5, 0.5), windowed)
    calib = [r for r in held if not r.label]
    threshold = max(threshold_for_fpr([raw.logit(cache.get(r.text, windowed)[0]) for r in g], TARGET_FPR[name])
                    for g in calibration_groups(calib, windowed, TARGET_FPR[name]))
    head = EmbedHead(tuple(weights), bias, threshold, (0.5, 0.5), windowed)
    band, figures = choose_band([default.score(r.text) for r in held],
                                [head.score(cache.get(r.text, windowed)[0]) for r in held],
                                [r.label for r in held], TARGET_FPR[name])
    meta = {"target_fpr": TARGET_FPR[name], "fitted_rows": len(y), "held_out_texts": len(held),
            "held_out": {k: round(v, 4) for k, v in figures.items()}, "sources": sorted({r.source for r in records})}
    log(f"{name}: {len(y)} windows fitted, threshold {threshold:.3f}, band {band}, held-out {meta['held_out']}")
    return EmbedHead(tuple(weights), bias, threshold, band, windowed, meta)


def build_embed_heads(corpus: Path = CORPUS_DIR, *, encoder: SentenceEncoder | None = None,
                      cache_path: Path | None = None, small: bool = False,
                      log: Callable[[str], None] = lambda _: None) -> dict[str, EmbedHead]:
    """Every embed head, from the same records as the default heads."""
    if not (corpus / "injection_text.jsonl").is_file():
        raise ConfigError(f"corpus not found: {corpus} (expected injection_text.jsonl there)")
    encoder = encoder or SentenceEncoder(threads=1)
    cache = VectorCache(encoder, cache_path)
    records = head_records(corpus, small=small)
    out: dict[str, EmbedHead] = {}
    try:
        for name in EMBED_HEAD_NAMES:
            out[name] = train_embed_head(name, records[name], cache, log=log)
    finally:
        cache.save()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--out", type=Path, default=EMBED_HEADS_PATH)
    parser.add_argument("--cache", type=Path, default=None,
                        help="vector cache (file stem; default one per encoder export under runs/embed-cache)")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--small", action="store_true", help="a small subset (tests, quick checks)")
    args = parser.parse_args(argv)
    try:
        encoder = SentenceEncoder(threads=1)
        cache = None if args.no_cache else args.cache or default_cache_path(encoder)
        heads = build_embed_heads(args.corpus, encoder=encoder, cache_path=cache, small=args.small,
                                  log=lambda m: print(m, file=sys.stderr))
    except (ConfigError, MissingExtraError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    save_embed_heads(args.out, heads, {"small": args.small, "trained_on": "licensed corpus (NOTICE) + own data",
                                       "encoder_runtime": encoder.runtime_id})
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Quality and speed of the injection shield; prints what it measured, misses included.

    .venv/bin/python benchmarks/quality_shield.py [--dev PATH] [--misses N]

What is trained on what (so the figures can be read honestly):

1. *Own held-out*: the linear model trained on our synthetic training split only, tested on
   held-out injection styles (task hijacks with unseen tasks, keyword-free attacks, other
   languages) and a fifth of benign carriers it never saw.
2. *Zero-shot dev*: that same model (no dev text seen) on the whole dev file.
3. *Dev 5-fold*: for each fold, a model trained on our data + the other four fifths of the dev
   file, tested on the held-out fifth; pattern-only, learned-only and combined, per kind and
   per source. Folds are stratified at random, not grouped by carrier e-mail, and the
   patterns were written while reading the dev file, so pattern figures are optimistic.
4. *Shipped model in-sample*: the shipped `model.json` was trained on our data + all dev
   text, so its dev figures are in-sample and only show the fit.
5. Latency per KB of text (median over dev texts), uncached, per tier.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from sentinel_guard.shield import Shield
from sentinel_guard.shield.learned import LearnedModel, load_model
from sentinel_guard.shield.normalise import prepare
from sentinel_guard.shield.patterns import match_patterns
from sentinel_guard.shield.synth import split_by_family
from sentinel_guard.shield.train import DEV_FILE, featurize, fit_features, load_dev, load_own

Record = dict[str, str]
FOLDS = 5


def kind_group(rec: Record) -> str:
    """A readable kind: dev kinds are very fine-grained (tool name, attack position)."""
    kind = rec.get("kind", "")
    if kind.startswith("tool_output:"):
        return "tool_output:" + (kind.split("attack=")[1] if "attack=" in kind else "benign")
    if kind.startswith("external_content:email"):
        return "email:" + (kind.split("attack=")[1].split(":")[0] if "attack=" in kind else "benign")
    return kind


def source_group(rec: Record) -> str:
    return rec.get("source", "?").split(" ")[0].split("==")[0]


def report(title: str, recs: list[Record], preds: list[bool], key: Callable[[Record], str]) -> tuple[float, float]:
    """Print recall / FPR per group and overall; return (recall, fpr)."""
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for rec, pred in zip(recs, preds, strict=True):
        g = groups[key(rec)]
        if rec["label"] == "injection":
            g[0] += 1
            g[1] += pred
        else:
            g[2] += 1
            g[3] += pred
    print(f"\n## {title}")
    print(f"{'group':48s} {'recall':>14s} {'FPR':>14s}")
    for name, (n_pos, tp, n_neg, fp) in sorted(groups.items()):
        rec_s = f"{tp}/{n_pos} {tp / n_pos:.3f}" if n_pos else "-"
        fpr_s = f"{fp}/{n_neg} {fp / n_neg:.3f}" if n_neg else "-"
        print(f"{name:48s} {rec_s:>14s} {fpr_s:>14s}")
    pos = sum(g[0] for g in groups.values())
    neg = sum(g[2] for g in groups.values())
    recall = sum(g[1] for g in groups.values()) / max(pos, 1)
    fpr = sum(g[3] for g in groups.values()) / max(neg, 1)
    print(f"{'OVERALL':48s} {recall:>14.3f} {fpr:>14.3f}")
    return recall, fpr


def cross_validate(own: list[Record], dev: list[Record]) -> dict[str, list[float]]:
    """Out-of-fold scores on dev for the three configurations."""
    own_x = featurize(own)
    dev_x = featurize(dev)
    rng = random.Random(0)
    folds = [i % FOLDS for i in range(len(dev))]
    rng.shuffle(folds)
    scores: dict[str, list[float]] = {m: [0.0] * len(dev) for m in ("pattern", "learned", "combined")}
    pattern_shield = Shield(learned=False)
    for i, rec in enumerate(dev):
        scores["pattern"][i] = pattern_shield.scan(rec["text"]).score
    for fold in range(FOLDS):
        train = own_x + [x for x, f in zip(dev_x, folds, strict=True) if f != fold]
        model = fit_features(train)
        learned, combined = Shield(learned=model, patterns=False), Shield(learned=model)
        for i, rec in enumerate(dev):
            if folds[i] == fold:
                scores["learned"][i] = learned.scan(rec["text"]).score
                scores["combined"][i] = combined.scan(rec["text"]).score
    return scores


def recall_at_fpr(recs: list[Record], scores: list[float], max_fpr: float) -> tuple[float, float, float]:
    """Best recall whose FPR ≤ max_fpr over all thresholds: (threshold, recall, fpr)."""
    pos = [s for r, s in zip(recs, scores, strict=True) if r["label"] == "injection"]
    neg = [s for r, s in zip(recs, scores, strict=True) if r["label"] != "injection"]
    best = (1.0, 0.0, 0.0)
    for t in sorted(set(scores)):
        fpr = sum(s >= t for s in neg) / len(neg)
        if fpr <= max_fpr:
            recall = sum(s >= t for s in pos) / len(pos)
            if recall > best[1]:
                best = (t, recall, fpr)
    return best


def latency(dev: list[Record], model: LearnedModel) -> None:
    """Median microseconds per KB for each tier, no cache."""
    tiers: dict[str, Callable[[str], object]] = {
        "normalise": prepare,
        "patterns (incl. normalise)": lambda t: match_patterns(prepare(t).views),
        "learned (incl. normalise)": lambda t: model.probability(t, prepare(t)),
        "full scan, uncached": lambda t: Shield(learned=model, cache_size=0).scan(t),
    }
    cached = Shield(learned=model)
    print("\n## Latency (median over dev texts, ms per KB of text)")
    for name, fn in tiers.items():
        per_kb = []
        for rec in dev:
            t0 = time.perf_counter()
            fn(rec["text"])
            per_kb.append((time.perf_counter() - t0) * 1000 / (max(len(rec["text"]), 1) / 1024))
        print(f"{name:34s} median {statistics.median(per_kb):7.3f}  p99 {sorted(per_kb)[int(0.99 * len(per_kb))]:7.3f}")
    for rec in dev:
        cached.scan(rec["text"])
    hits = []
    for rec in dev:
        t0 = time.perf_counter()
        cached.scan(rec["text"])
        hits.append((time.perf_counter() - t0) * 1e6)
    print(f"{'cached re-scan (µs per text)':34s} median {statistics.median(hits):7.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Injection shield quality and speed")
    parser.add_argument("--dev", type=Path, default=DEV_FILE)
    parser.add_argument("--misses", type=int, default=40, help="how many misses / false positives to list")
    args = parser.parse_args(argv)
    if not args.dev.is_file():
        print(f"error: dev file not found: {args.dev}", file=sys.stderr)
        return 2
    dev, own = load_dev(args.dev), load_own()
    train, held = split_by_family(own)

    print("# Injection shield benchmark (threshold 0.5 unless stated)")
    own_model = fit_features(featurize(train))
    learned_own = Shield(learned=own_model, patterns=False)
    combined_own = Shield(learned=own_model)
    held_key: Callable[[Record], str] = lambda r: r["style"].split("/")[0]  # noqa: E731
    report("1a. Own held-out: learned only (trained on own train split)", held,
           [learned_own.scan(r["text"]).injection for r in held], held_key)
    report("1b. Own held-out: combined", held, [combined_own.scan(r["text"]).injection for r in held], held_key)
    report("2. Zero-shot dev: learned only, trained on own data only", dev,
           [learned_own.scan(r["text"]).injection for r in dev], kind_group)

    scores = cross_validate(own, dev)
    for mode in ("pattern", "learned", "combined"):
        preds = [s >= Shield.threshold for s in scores[mode]]
        report(f"3. Dev 5-fold, {mode} (per kind)", dev, preds, kind_group)
        report(f"3. Dev 5-fold, {mode} (per source)", dev, preds, source_group)
        t, rec_, fpr = recall_at_fpr(dev, scores[mode], 0.01)
        print(f"   best recall at FPR ≤ 0.01: {rec_:.3f} (FPR {fpr:.3f}, threshold {t:.3f})")

    print(f"\n## Misses and false positives of 3. combined (first {args.misses})")
    shown = 0
    for rec, score in zip(dev, scores["combined"], strict=True):
        wrong = (score >= Shield.threshold) != (rec["label"] == "injection")
        if wrong and shown < args.misses:
            what = "MISS" if rec["label"] == "injection" else "FP  "
            print(f"{what} {score:.3f} {kind_group(rec):38s} {rec['id']}")
            shown += 1

    shipped = load_model()
    report("4. Shipped model, in-sample on dev (trained on own + all dev)", dev,
           [Shield(learned=shipped).scan(r["text"]).injection for r in dev], kind_group)
    latency(dev, shipped)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

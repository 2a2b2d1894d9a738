"""Leave-one-source-out quality of a fine-tuned classifier of the embed tier, beside its default head.

    .venv/bin/python benchmarks/quality_tuned_classifier.py --head {intent,injection_user}
        [--only SOURCE ...] [--seed N] [--speed-only]

For every source of the head's records (intent: XSTest, OpenAgentSafety, ToolSword, PrivacyLens;
injection_user: the corpus's five injection sources, then the two sources of benign agent briefs):
fine-tune the LoRA classifier on the other sources (`tune.train_adapter`, the recipe that ships;
8-10 minutes per fold on 2 cores), set its threshold on their held-out benign fifth (the head's
stated FPR, strictest source), then report recall on the left-out source's positives, FPR on its
benign texts, and AUC where it has both; the default head is trained and read the same way. The
fold's figures come from the float model (the shipped fp32 intent graph's logits were within 4e-6
of it on 100 texts; the tests hold every export within 0.05). Then the shipped classifier's latency per text through the exported graph (one thread).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sentinel_guard.learned.build import TARGET_FPR, calibration_groups, head_records, held_out, train_head
from sentinel_guard.learned.data import CORPUS_DIR, Record
from sentinel_guard.learned.fit import threshold_for_fpr

SOURCES = {
    "intent": ("xstest", "openagentsafety", "toolsword", "privacylens"),
    "injection_user": ("neuralchemy:hackaprompt", "neuralchemy:neuralchemy_v1", "neuralchemy:original", "s-labs",
                       "yanismiraoui", "openagentsafety", "privacylens"),
}


def _auc(pos: Sequence[float], neg: Sequence[float]) -> float | None:
    if not pos or not neg:
        return None
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def _rates(pos: Sequence[float], neg: Sequence[float], threshold: float) -> tuple[float | None, float | None]:
    recall = sum(x >= threshold for x in pos) / len(pos) if pos else None
    fpr = sum(x >= threshold for x in neg) / len(neg) if neg else None
    return recall, fpr


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def fold(records: list[Record], head: str, source: str, seed: int = 0, scores: Path | None = None) -> list[str]:
    """Table rows (default head, classifier, the two joined) for one left-out source."""
    from sentinel_guard.learned.tune import train_adapter

    train = [r for r in records if r.source != source]
    test = [r for r in records if r.source == source]
    pos_texts = [r.text for r in test if r.label]
    neg_texts = [r.text for r in test if not r.label]
    rows = []
    default = train_head(head, train)
    pos, neg = [default.logit(t) for t in pos_texts], [default.logit(t) for t in neg_texts]
    rows.append(("default head", *_rates(pos, neg, default.threshold), _auc(pos, neg)))
    start = time.perf_counter()
    adapter, logits = train_adapter(train, head=head, seed=seed)
    took = time.perf_counter() - start
    c_pos, c_neg = logits(pos_texts), logits(neg_texts)
    rows.append((f"classifier ({took / 60:.1f} min)", *_rates(c_pos, c_neg, adapter.threshold), _auc(c_pos, c_neg)))
    # Both together: the sum of each model's margin over its own threshold, thresholded afresh on the
    # same held-out benign fifth (per source, strictest) for the head's FPR.
    calib = [r for r in train if not r.label and held_out(r.text)]
    c_calib = logits([r.text for r in calib])

    d_calib = [default.logit(r.text) for r in calib]
    for name, join in (("both (margins summed)", lambda d, c: d + c), ("both (the lower margin)", min)):

        def both(d: float, c: float, join: Callable[[float, float], float] = join) -> float:
            return join(d - default.threshold, c - adapter.threshold)

        margin = {r.text: both(d, c) for r, d, c in zip(calib, d_calib, c_calib, strict=True)}
        threshold = max(threshold_for_fpr([margin[r.text] for r in g], TARGET_FPR[head])
                        for g in calibration_groups(calib, False, TARGET_FPR[head]))
        e_pos = [both(d, c) for d, c in zip(pos, c_pos, strict=True)]
        e_neg = [both(d, c) for d, c in zip(neg, c_neg, strict=True)]
        rows.append((name, *_rates(e_pos, e_neg, threshold), _auc(e_pos, e_neg)))
    if scores is not None:  # every logit of the fold, to study other ways of joining them without training again
        scores.mkdir(parents=True, exist_ok=True)
        doc = {"head": head, "source": source, "seed": seed, "thresholds": [default.threshold, adapter.threshold],
               "positives": list(zip(pos, c_pos, strict=True)), "benign": list(zip(neg, c_neg, strict=True)),
               "calibration": [[r.source, d, c] for r, d, c in zip(calib, d_calib, c_calib, strict=True)]}
        (scores / f"{head}-{source.replace(':', '_')}-seed{seed}.json").write_text(json.dumps(doc), encoding="utf-8")
    return [f"| {source} | {name} | {_fmt(rec)} | {_fmt(fpr)} | {_fmt(auc)} | {len(pos_texts)} / {len(neg_texts)} |"
            for name, rec, fpr, auc in rows]


def speed(head: str, texts: Sequence[str]) -> str:
    """p50 / p90 ms per text through the shipped graph, memo off (every text new)."""
    from sentinel_guard.learned.embed import SentenceEncoder
    from sentinel_guard.learned.tuned import TunedClassifier

    classifier = TunedClassifier(SentenceEncoder(threads=1), head, memo=0)
    classifier.logit("warm up")
    times = []
    for text in texts:
        start = time.perf_counter()
        classifier.logit(text)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return (f"{head} classifier, one thread, {len(times)} texts: p50 {statistics.median(times):.1f} ms, "
            f"p90 {times[int(0.9 * (len(times) - 1))]:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--head", choices=sorted(SOURCES), required=True)
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--only", nargs="+", help="only these folds (sources)")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed line (no export needed)")
    parser.add_argument("--seed", type=int, default=0, help="the classifier's training seed (the shipped one: 0)")
    parser.add_argument("--scores", type=Path, default=None, help="write every fold's logits here (JSON per fold)")
    args = parser.parse_args()
    unknown = set(args.only or ()) - set(SOURCES[args.head])
    if unknown:
        parser.error(f"--only: no {args.head} source {sorted(unknown)}; sources: {', '.join(SOURCES[args.head])}")
    records = head_records(args.corpus)[args.head]
    if not args.no_speed:
        samples = [r.text for r in records if r.label][::7][:300]
        print(speed(args.head, samples))
    if args.speed_only:
        return
    print("\n| left-out source | model | recall | FPR | AUC | positives / benign |")
    print("|---|---|---|---|---|---|")
    for source in args.only or SOURCES[args.head]:
        for row in fold(records, args.head, source, args.seed, args.scores):
            print(row, flush=True)


if __name__ == "__main__":
    main()

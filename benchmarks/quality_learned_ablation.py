"""What each part of the user-role injection head is worth, leave-one-source-out.

    .venv/bin/python benchmarks/quality_learned_ablation.py [--corpus DIR]

For every corpus injection source, the `injection_user` head is trained without it twice:
hashed n-grams only, and with the static token vectors (the shipped recipe). Each is then read
at three thresholds:

* **pooled**: the logit at the stated FPR over all held-out benign texts of the training sources
  pooled (the recipe before per-source calibration);
* **per source**: the strictest training source's (what `build.train_head` ships);
* **oracle**: the stated FPR on the held-out source's own benign texts, which no deployment
  knows; it says how separable that source is at all.

Recall on the held-out source's injections, FPR on its benign texts. About five minutes on a
loaded 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from sentinel_guard.learned.build import TARGET_FPR, head_records, held_out, train_head
from sentinel_guard.learned.data import CORPUS_DIR, corpus_records
from sentinel_guard.learned.fit import threshold_for_fpr
from sentinel_guard.learned.tokens import load_vectors

_HEAD = "injection_user"


def _rates(logits_pos: list[float], logits_neg: list[float], threshold: float) -> tuple[float | None, float | None]:
    recall = sum(z >= threshold for z in logits_pos) / len(logits_pos) if logits_pos else None
    fpr = sum(z >= threshold for z in logits_neg) / len(logits_neg) if logits_neg else None
    return recall, fpr


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    args = parser.parse_args()
    records = head_records(args.corpus)[_HEAD]
    vectors = load_vectors()
    fpr = TARGET_FPR[_HEAD]
    print(f"| held-out source | features | threshold | recall | FPR | (stated FPR {fpr}) |")
    print("|---|---|---|---|---|---|")
    means: dict[tuple[str, str], list[tuple[float | None, float | None]]] = {}
    for source in sorted({r.source for r in corpus_records(args.corpus)["injection"]}):
        train = [r for r in records if r.source != source]
        test = [r for r in records if r.source == source]
        calib = [r for r in train if not r.label and held_out(r.text)]
        for features, static in (("hashed only", False), ("hashed + static vectors", True)):
            head = train_head(_HEAD, train, vectors=vectors, static=static)
            pos = [head.logit(r.text) for r in test if r.label]
            neg = [head.logit(r.text) for r in test if not r.label]
            thresholds = {"pooled": threshold_for_fpr([head.logit(r.text) for r in calib], fpr),
                          "per source": head.threshold}
            if neg:
                thresholds["oracle"] = threshold_for_fpr(neg, fpr)
            for name, threshold in thresholds.items():
                recall, rate = _rates(pos, neg, threshold)
                means.setdefault((features, name), []).append((recall, rate))
                print(f"| {source} | {features} | {name} | {_fmt(recall)} | {_fmt(rate)} | |")
    for (features, name), rows in sorted(means.items()):
        recalls = [r for r, _ in rows if r is not None]
        rates = [f for _, f in rows if f is not None]
        print(f"| **macro mean** | {features} | {name} | {_fmt(statistics.mean(recalls) if recalls else None)} | "
              f"{_fmt(statistics.mean(rates) if rates else None)} | |")


if __name__ == "__main__":
    main()

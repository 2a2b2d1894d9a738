"""Train the shield's linear model: `python -m sentinel_guard.shield.train [--out PATH]`.

Data: our own synthetic texts (`synth.generate`, plus any `data/*.jsonl` we wrote) and, for the
shipped model, the labelled dev file `injection_text.jsonl` (only `text` and `label`; `meta` is
never read). Logistic regression with AdaGrad and L2 on binary hashed window features, trained as
multiple-instance learning (see `Bag`), pure Python and deterministic (fixed seeds, fixed order). Honest evaluation lives in `benchmarks/quality_shield.py`,
which calls `fit` here on training parts only.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path

from sentinel_guard.shield.learned import DEFAULT_MODEL_PATH, LearnedModel, hashed_windows, units, window_spans, windows
from sentinel_guard.shield.normalise import normalise, prepare
from sentinel_guard.shield.patterns import match_patterns, noisy_or
from sentinel_guard.shield.synth import generate

__all__ = ["DEV_FILE", "Bag", "featurize", "fit", "fit_features", "load_dev", "load_own", "main"]

DEV_FILE = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "dev" / "injection_text.jsonl"
OWN_DATA = Path(__file__).with_name("data")
SYNTH_N = 4000


def load_dev(path: Path = DEV_FILE) -> list[dict[str, str]]:
    """The dev records with only the fields the shield may learn from (never `meta`)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            rows.append({"id": rec["id"], "text": rec["text"], "label": rec["label"], "kind": rec["kind"], "source": rec["source"]})
    return rows


def load_own(seed: int = 0) -> list[dict[str, str]]:
    """Our synthetic records plus the hand-written ones in `data/*.jsonl`."""
    records = generate(SYNTH_N, seed)
    for path in sorted(OWN_DATA.glob("*.jsonl")) if OWN_DATA.is_dir() else []:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                records.append({"text": rec["text"], "label": rec["label"], "family": rec.get("family", path.stem),
                                "style": "written", "attack": rec.get("attack", "")})
    return records


Example = tuple[list[int], float]
_MAX_NEG_WINDOWS = 40
_LOCATE = 0.6


class Bag:
    """One labelled text as the windows the model scores (multiple-instance learning).

    A benign text's windows are all benign. An injection text is known to hold at least one
    attack window, not which: synthetic records say (`attack`); in other records the windows
    where a pattern fires strongly are taken; failing both, training picks the window the
    current model finds most suspicious among the *novel* ones, those holding a sentence no
    benign text has (an injected copy of a benign e-mail differs only there).
    """

    __slots__ = ("known", "label", "units", "windows")

    def __init__(self, record: dict[str, str]) -> None:
        prepared = prepare(record["text"])
        _, self.units = units(record["text"])
        _, wins = windows(record["text"], prepared)
        self.windows = hashed_windows(record["text"], prepared)
        self.label = 1.0 if record["label"] == "injection" else 0.0
        probe = normalise(record.get("attack", ""))[:40]
        if not self.label:
            self.known: list[int] = []
        elif probe:
            self.known = [i for i, w in enumerate(wins) if probe in w]
        else:  # weak supervision: windows where a strong pattern fires hold the attack
            self.known = [i for i, w in enumerate(wins) if noisy_or([h.weight for h in match_patterns([w])]) >= _LOCATE]

    def novel(self, benign_units: set[str]) -> list[int]:
        """Indices of windows holding a unit no benign text has (decoded-run windows count)."""
        spans = window_spans(len(self.units))
        found = [i for i, span in enumerate(spans) if any(self.units[u] not in benign_units for u in span)]
        found.extend(range(len(spans), len(self.windows)))
        return found or list(range(len(self.windows)))


def featurize(records: list[dict[str, str]]) -> list[Bag]:
    """The records as bags of hashed windows."""
    return [Bag(r) for r in records]


def fit(records: list[dict[str, str]], **kw: float) -> LearnedModel:
    """Train on labelled texts (see `fit_features`)."""
    return fit_features(featurize(records), **kw)  # type: ignore[arg-type]


def _examples(bags: list[Bag], model: LearnedModel | None, benign_units: set[str]) -> list[Example]:
    out: list[Example] = []
    for bag in bags:
        if not bag.label:
            step = max(1, len(bag.windows) // _MAX_NEG_WINDOWS)
            out.extend((w, 0.0) for w in bag.windows[::step])
            continue
        chosen = set(bag.known)
        if model is not None and not chosen:
            chosen.add(max(bag.novel(benign_units), key=lambda i: model.window_logit(bag.windows[i])))
        out.extend((bag.windows[i], 1.0) for i in sorted(chosen))
    return out


def fit_features(bags: list[Bag], *, rounds: int = 2, **kw: float) -> LearnedModel:
    """Multiple-instance training: round 1 learns from the known attack windows, later rounds
    add each other injection text's most suspicious novel window under the previous model."""
    benign_units = {u for bag in bags if not bag.label for u in bag.units}
    model: LearnedModel | None = None
    for _ in range(rounds):
        model = _fit_examples(_examples(bags, model, benign_units), **kw)  # type: ignore[arg-type]
    assert model is not None
    return model


def _fit_examples(data: list[Example], *, epochs: int = 10, lr: float = 0.3, l2: float = 1e-5, seed: int = 0,
                  prune: float = 0.02) -> LearnedModel:
    """AdaGrad logistic regression on windows, classes balanced; weights below `prune` are dropped."""
    pos = sum(y for _, y in data)
    # Balance classes so the decision threshold means the same whatever the mix.
    w_pos, w_neg = len(data) / (2 * max(pos, 1)), len(data) / (2 * max(len(data) - pos, 1))
    weights: dict[int, float] = {}
    grad_sq: dict[int, float] = {}
    bias, bias_sq = 0.0, 1e-8
    rng = random.Random(seed)
    order = list(range(len(data)))
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            buckets, y = data[i]
            norm = 1.0 / math.sqrt(max(len(buckets), 1))
            z = bias + sum(weights.get(b, 0.0) for b in buckets) * norm
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p - y) * (w_pos if y else w_neg)
            bias_sq += g * g
            bias -= lr * g / math.sqrt(bias_sq)
            for b in buckets:
                w = weights.get(b, 0.0)
                gb = g * norm + l2 * w
                acc = grad_sq.get(b, 1e-8) + gb * gb
                grad_sq[b] = acc
                weights[b] = w - lr * gb / math.sqrt(acc)
    kept = {b: w for b, w in weights.items() if abs(w) >= prune}
    return LearnedModel(kept, bias, meta={"windows": len(data), "positive_windows": int(pos), "epochs": epochs})


def main(argv: list[str] | None = None) -> int:
    """Train on our data + the dev file and write the model JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--dev", type=Path, default=DEV_FILE, help="labelled dev file (text, label used)")
    parser.add_argument("--no-dev", action="store_true", help="train on our own data only")
    args = parser.parse_args(argv)
    records = load_own()
    if not args.no_dev:
        if not args.dev.is_file():
            print(f"error: dev file not found: {args.dev}", file=sys.stderr)
            return 2
        records += load_dev(args.dev)
    model = fit(records)
    model.meta["trained_on"] = "own synthetic + written" + ("" if args.no_dev else " + dev injection_text.jsonl")
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(model.to_json(), separators=(",", ":")), encoding="utf-8")
    tmp.replace(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB, {len(model.weights)} weights, {len(records)} records)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

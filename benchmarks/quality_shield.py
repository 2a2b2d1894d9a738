"""Quality and speed of the injection shield on the dev split; prints what it measured, misses included.

    .venv/bin/python benchmarks/quality_shield.py [--dev DIR] [--misses N] [--speed-only]

What is trained on what (so the figures can be read honestly):

* the learned heads (`sentinel_guard/learned/heads.json`) were trained on the licensed corpus and
  our own data, never on `../shared/data/dev`, so *heads alone* is a clean unseen-source figure;
* the pattern tier was written while reading the dev misses, so *patterns alone* and *shield*
  (patterns + heads, the default) are optimistic on dev.

Every text is scanned with its role given: dev `user_prompt` texts as `user`, everything else
(tool outputs, e-mails, documents) as `tool_output`. Figures per source and per kind.

Speed: ms per KB of text for an uncached `Shield.scan` (cache off), the first text first (cold:
nothing scanned before in the process), then the median (p50) and p99 over the dev texts, for
the pattern tier alone and for the default tier (patterns + heads).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sentinel_guard.learned.heads import load_heads
from sentinel_guard.shield import Shield

DEV_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "dev"
Record = dict[str, Any]


def role_of(rec: Record) -> str:
    return "user" if str(rec.get("kind", "")).startswith("user_prompt") else "tool_output"


def kind_group(rec: Record) -> str:
    """A readable kind: dev kinds are fine-grained (tool name, attack position)."""
    kind = str(rec.get("kind", ""))
    return kind.split(":")[0] + (":injection" if rec["label"] == "injection" else ":benign")


def source_group(rec: Record) -> str:
    return str(rec.get("source", "?")).split(" ")[0].split("==")[0]


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
    print(f"{'group':40s} {'recall':>14s} {'FPR':>14s}")
    for name, (n_pos, tp, n_neg, fp) in sorted(groups.items()):
        rec_s = f"{tp}/{n_pos} {tp / n_pos:.3f}" if n_pos else "-"
        fpr_s = f"{fp}/{n_neg} {fp / n_neg:.3f}" if n_neg else "-"
        print(f"{name:40s} {rec_s:>14s} {fpr_s:>14s}")
    pos = sum(g[0] for g in groups.values())
    neg = sum(g[2] for g in groups.values())
    recall = sum(g[1] for g in groups.values()) / max(pos, 1)
    fpr = sum(g[3] for g in groups.values()) / max(neg, 1)
    print(f"{'OVERALL':40s} {recall:>14.3f} {fpr:>14.3f}")
    return recall, fpr


def speed(dev: list[Record]) -> list[str]:
    """ms per KB, uncached, cold first text then p50 / p99 (texts under 51 B counted as 51 B)."""
    out = []
    heads = load_heads()
    for name, shield in (("patterns alone", Shield(learned=False, cache_size=0)),
                         ("default tier (patterns + heads)", Shield(heads=heads, cache_size=0))):
        per_kb = []
        for rec in dev:
            t0 = time.perf_counter()
            shield.scan(rec["text"], role=role_of(rec))  # type: ignore[arg-type]
            per_kb.append((time.perf_counter() - t0) * 1000 / max(len(rec["text"].encode()) / 1024, 0.05))
        ordered = sorted(per_kb)
        out.append(f"{name:34s} first text {per_kb[0]:.3f} ms/KB (cold), p50 {statistics.median(per_kb):.3f}, "
                   f"p99 {ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]:.3f} ms/KB over {len(dev)} dev texts")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Injection shield quality and speed on the dev split")
    parser.add_argument("--dev", type=Path, default=DEV_DIR)
    parser.add_argument("--misses", type=int, default=5, help="misses and false positives to print per configuration")
    parser.add_argument("--speed-only", action="store_true")
    args = parser.parse_args(argv)
    dev = [json.loads(x) for x in (args.dev / "injection_text.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    print("## Speed (one process, no cache)")
    for line in speed(dev):
        print("  " + line)
    if args.speed_only:
        return 0
    heads = load_heads()
    configs = {
        "patterns alone": Shield(learned=False),
        "heads alone (never trained on dev)": Shield(heads=heads, patterns=False),
        "shield: patterns + heads (default)": Shield(heads=heads),
    }
    for title, shield in configs.items():
        preds = [shield.scan(r["text"], role=role_of(r)).injection for r in dev]  # type: ignore[arg-type]
        report(f"{title}, by source", dev, preds, source_group)
        report(f"{title}, by kind", dev, preds, kind_group)
        misses = [r for r, p in zip(dev, preds, strict=True) if p != (r["label"] == "injection")]
        for r in misses[: args.misses]:
            print(f"  {'missed' if r['label'] == 'injection' else 'false positive'} [{r['kind']}]: "
                  f"{r['text'][:140]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

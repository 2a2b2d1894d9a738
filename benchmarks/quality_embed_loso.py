"""The optional embed tier: leave-one-source-out against the default tier, dev as one more unseen source, speed.

    .venv/bin/python benchmarks/quality_embed_loso.py [--corpus DIR] [--dev DIR] [--quick] [--speed-only]

Needs extra `embed` (and numpy). For the user-role injection head and the intent head, and every
corpus source of them: the default head and the embed head are trained without that source
(the embed head's threshold from the other sources' held-out benign texts, its band against a
default head fitted without the held-out positives, as `embed_build` does), then on the left-out
source this prints recall and FPR of the default tier alone, the embed head alone, and the
cascade that ships (the embed head decides where the default score lies in the band), with the
share of texts the cascade sent to the encoder. Then the shipped shield with and without the
embed tier on the dev texts (roles given; never trained on dev), and the tier's speed: ms per
text on one onnxruntime thread (int8 graph from `sentinel-guard embed-export`), every text new (the encoder has no cache), p50 / p99.

Vectors are cached under runs/embed-cache (the build's cache), so a second run encodes little.
The untrusted head is not folded here: its folds plant payloads into fresh carriers, which
would mean encoding a few thousand long texts per fold; `embed_build` reports its held-out fifth.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from quality_learned_loso import DEV_DIR, _fmt

from sentinel_guard.learned.build import head_records, train_head
from sentinel_guard.learned.data import CORPUS_DIR, Record, corpus_records
from sentinel_guard.learned.embed import EmbedTier, SentenceEncoder
from sentinel_guard.learned.embed_build import VectorCache, default_cache_path, train_embed_head
from sentinel_guard.shield import Shield


def _rate(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def fold(name: str, train: list[Record], test: list[Record], cache: VectorCache) -> str:
    default = train_head(name, train)
    embed = train_embed_head(name, train, cache)
    cache.fill([r.text for r in test], embed.windowed)
    rows = []
    for r in test:
        vectors = cache.get(r.text, embed.windowed)[0]
        d = default.score(r.text)
        e = embed.score(vectors) if len(vectors) else d
        rows.append((r.label, d >= 0.5, e >= 0.5, (e if embed.consults(d) else d) >= 0.5, embed.consults(d)))
    cols = []
    for i in (1, 2, 3):
        cols += [_rate([row[i] for row in rows if row[0]]), _rate([row[i] for row in rows if not row[0]])]
    src = sorted({r.source for r in test})[0]
    pos, neg = sum(r.label for r in test), sum(not r.label for r in test)
    return (f"| {name} | {src} | " + " | ".join(_fmt(c) for c in cols)
            + f" | {_rate([row[4] for row in rows]):.2f} | {embed.band[0]:.2f}–{embed.band[1]:.2f} | {pos} / {neg} |")


def loso(corpus: Path, quick: bool, cache: VectorCache) -> list[str]:
    recs = head_records(corpus, small=quick)
    data = corpus_records(corpus)
    lines = []
    folds = [("injection_user", sorted({r.source for r in data["injection"]})),
             ("intent", ["xstest", "openagentsafety", "toolsword"])]
    for name, sources in folds:
        for src in sources:
            test = [r for r in recs[name] if r.source == src]
            if test:
                lines.append(fold(name, [r for r in recs[name] if r.source != src], test, cache))
                print("  " + lines[-1], flush=True)
    return lines


def dev_figures(dev: Path, encoder: SentenceEncoder) -> list[str]:
    texts = [json.loads(x) for x in (dev / "injection_text.jsonl").read_text().splitlines() if x.strip()]
    plain, tiered = Shield(), Shield(embed=EmbedTier(encoder))
    lines = []
    for label, is_user in (("user prompts", True), ("tool outputs + documents", False)):
        part = [r for r in texts if r["kind"].startswith("user_prompt") == is_user]
        role = "user" if is_user else "tool_output"
        cols = []
        for shield in (plain, tiered):
            hits = [(r["label"] == "injection", shield.scan(r["text"], role=role).injection) for r in part]  # type: ignore[arg-type]
            cols += [_rate([h for y, h in hits if y]), _rate([h for y, h in hits if not y])]
        lines.append(f"| dev {label} | " + " | ".join(_fmt(c) for c in cols)
                     + f" | {sum(r['label'] == 'injection' for r in part)} / {sum(r['label'] != 'injection' for r in part)} |")
    return lines


def speed(dev: Path, encoder: SentenceEncoder) -> list[str]:
    """ms per text the tier encodes (every text new: the encoder has no cache), by length, then
    what it adds to the shipped shield per dev text (cache off), where only texts in a band pay."""
    texts = [json.loads(x) for x in (dev / "injection_text.jsonl").read_text().splitlines() if x.strip()]
    tier = EmbedTier(encoder)
    per: list[tuple[int, float]] = []
    for r in texts:
        name = "injection_user" if r["kind"].startswith("user_prompt") else "injection_untrusted"
        start = time.perf_counter()
        tier.score(name, r["text"])
        per.append((len(r["text"]), (time.perf_counter() - start) * 1000))
    lines = [f"embed tier, one onnxruntime thread, int8, every text encoded: first text {per[0][1]:.1f} ms (cold)"]
    for label, lo, hi in (("all", 0, 10**9), ("<= 600 chars", 0, 600), ("601-2000", 601, 2000), ("> 2000", 2001, 10**9)):
        ms = sorted(m for n, m in per if lo <= n <= hi)
        if ms:
            lines.append(f"  {label}: p50 {statistics.median(ms):.1f} p90 {ms[int(0.9 * len(ms))]:.1f} "
                         f"p99 {ms[int(0.99 * len(ms))]:.1f} ms per text over {len(ms)} dev texts")
    added = []
    for shield in (Shield(cache_size=0), Shield(cache_size=0, embed=tier)):
        start = time.perf_counter()
        for r in texts:
            shield.scan(r["text"], role="user" if r["kind"].startswith("user_prompt") else "tool_output")
        added.append((time.perf_counter() - start) * 1000 / len(texts))
    lines.append(f"  shipped shield per dev text, cache off: {added[0]:.2f} ms default, {added[1]:.2f} ms with the embed "
                 f"tier (only texts in a band are encoded)")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--dev", type=Path, default=DEV_DIR)
    parser.add_argument("--quick", action="store_true", help="small subsets (a smoke run, figures not comparable)")
    parser.add_argument("--speed-only", action="store_true")
    args = parser.parse_args()
    encoder = SentenceEncoder(threads=1)
    print("\n".join(speed(args.dev, encoder)))
    if args.speed_only:
        return
    print("\n| shipped shield on dev | recall | FPR | recall + embed | FPR + embed | positives / benign |")
    print("|---|---|---|---|---|---|")
    for line in dev_figures(args.dev, encoder):
        print(line)
    cache = VectorCache(encoder, default_cache_path(encoder))
    print("\nleave-one-source-out (trained without that source):")
    print("| head | held-out source | default recall | default FPR | embed recall | embed FPR | cascade recall "
          "| cascade FPR | sent to encoder | band | positives / benign |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    try:
        lines = loso(args.corpus, args.quick, cache)
    finally:
        cache.save()
    print("\n".join(lines))


if __name__ == "__main__":
    main()

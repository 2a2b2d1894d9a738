"""Does the addressee + directive analysis (`shield/addressee.py`) help, and what does it cost?

    nice -n 5 .venv/bin/python benchmarks/quality_addressee.py [--corpus DIR] [--dev DIR] [--cap N]

Whole `Shield()` (patterns + learned heads), role `tool_output`, before (the analysis switched
off) and after, on:
* recall: every corpus injection source's payloads planted (`learned.data.indirect`, seed 2) into
  carriers of the `debian-doc` family, as the untrusted folds of `quality_learned_loso.py` do.
  Caveat: the *shipped* untrusted head was trained on planted payloads of these sources in all
  benign families (debian-doc included), so "before" is optimistic there; the addressee analysis
  itself was written without looking at these texts;
* our held-out suites `benchmarks/suites/addressee_{injections,benign}.jsonl`, written before the
  detector and never edited after (bugs were fixed after its first run: see pair 2), and
  `addressee_{injections,benign}_2.jsonl`, written once the detector's first version was done
  (its first figures then led to grammar fixes), and `_3`, written after the last change and
  measured once: the clean figure;
* FPR on every benign family of `learned.data.benign_documents` (debian-doc is the reserved one);
* `../shared/data/dev` tool outputs and documents, for information only (never tuned on).
Then the analysis's own cost in ms per KB (p50/p99) over the dev injection texts.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import defaultdict
from pathlib import Path
from unittest import mock

from sentinel_guard.learned.data import CORPUS_DIR, Record, benign_documents, corpus_records, indirect
from sentinel_guard.shield import Shield
from sentinel_guard.shield.addressee import addressed_directives
from sentinel_guard.shield.normalise import normalise

ROOT = Path(__file__).resolve().parents[1]
DEV_DIR = ROOT / ".." / "shared" / "data" / "dev"
SUITES = ROOT / "benchmarks" / "suites"


def _jsonl(path: Path) -> list[dict[str, str]]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def _rate(flags: list[bool]) -> str:
    return f"{sum(flags) / len(flags):.3f} ({sum(flags)}/{len(flags)})" if flags else "—"


class _Pair:
    """The same shield with and without the addressee analysis (findings off by a patch)."""

    def __init__(self) -> None:
        self.before = Shield(cache_size=0)
        self.after = Shield(cache_size=0)

    def judge(self, text: str) -> tuple[bool, bool, bool]:
        """(before, after, the analysis alone) for one text read as a tool output."""
        with mock.patch("sentinel_guard.shield.shield.addressed_directives", lambda *a, **k: []):
            b = self.before.scan(text, role="tool_output").injection
        a = self.after.scan(text, role="tool_output").injection
        alone = any(h.weight >= 0.5 for h in addressed_directives(text, normalise))
        return b, a, alone


def _rows(pair: _Pair, groups: dict[str, list[str]], label: str) -> None:
    print(f"| {label} | n | before | after | analysis alone |")
    print("|---|---|---|---|---|")
    for name in sorted(groups):
        res = [pair.judge(t) for t in groups[name]]
        print(f"| {name} | {len(res)} | {_rate([r[0] for r in res])} | {_rate([r[1] for r in res])} | "
              f"{_rate([r[2] for r in res])} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--dev", type=Path, default=DEV_DIR)
    parser.add_argument("--cap", type=int, default=300, help="payloads per corpus source")
    args = parser.parse_args()
    pair = _Pair()
    data = corpus_records(args.corpus)
    docs = benign_documents(0, n_synth=3000, n_system=400, shell=data["shell"])
    reserved = [d for d in docs if d.source == "debian-doc"]
    rng = random.Random(2)
    by_src: dict[str, list[Record]] = defaultdict(list)
    for r in data["injection"]:
        if r.label:
            by_src[r.source].append(r)
    planted = {src: [r.text for r in indirect(rng.sample(rs, min(args.cap, len(rs))), reserved, 2)]
               for src, rs in by_src.items()}
    print("## recall: corpus payloads planted in debian-doc carriers (role tool_output)\n")
    _rows(pair, planted, "source")
    print("\n## held-out suites (pair 1 written before the detector, pair 2 after its first version, pair 3 after its last change)\n")
    groups: dict[str, list[str]] = {}
    misses: list[str] = []
    for tag in ("", "_2", "_3"):
        suite_inj = _jsonl(SUITES / f"addressee_injections{tag}.jsonl")
        suite_ben = _jsonl(SUITES / f"addressee_benign{tag}.jsonl")
        groups[f"pair {tag[1:] or '1'}: injections (recall)"] = [r["text"] for r in suite_inj]
        groups[f"pair {tag[1:] or '1'}: benign look-alikes (FPR)"] = [r["text"] for r in suite_ben]
        for rows, want in ((suite_inj, True), (suite_ben, False)):
            for r in rows:
                _, a, _ = pair.judge(r["text"])
                if a != want:
                    misses.append(f"  {'miss' if want else 'false positive'} after: {r['id']} ({r['kind']}, {r['lang']})")
    _rows(pair, groups, "suite")
    print("\n".join(misses))
    fams: dict[str, list[str]] = defaultdict(list)
    for d in docs:
        fams[d.source].append(d.text)
    print("\n## FPR: benign families of benign_documents (role tool_output)\n")
    _rows(pair, fams, "family")
    dev = [r for r in _jsonl(args.dev / "injection_text.jsonl") if not r["kind"].startswith("user_prompt")]
    print("\n## dev tool outputs and documents (information only; never tuned on)\n")
    _rows(pair, {"dev injections (recall)": [r["text"] for r in dev if r["label"] == "injection"],
                 "dev benign (FPR)": [r["text"] for r in dev if r["label"] == "benign"]}, "dev part")
    allx = _jsonl(args.dev / "injection_text.jsonl")
    per_kb: list[float] = []
    for r in allx:
        kb = max(len(r["text"].encode()) / 1024, 0.05)
        t = time.perf_counter()
        addressed_directives(r["text"], normalise)
        per_kb.append((time.perf_counter() - t) * 1000 / kb)
    per_kb.sort()
    print(f"\nspeed of addressed_directives alone over {len(allx)} dev texts: p50 {statistics.median(per_kb):.4f} "
          f"p99 {per_kb[int(0.99 * len(per_kb))]:.4f} ms/KB (texts under 51 B counted as 51 B)")
    # Before and after interleaved text by text, so that load from other jobs hits both alike.
    times: dict[str, list[float]] = {"before": [], "after": []}
    off = mock.patch("sentinel_guard.shield.shield.addressed_directives", lambda *a, **k: [])
    for _ in range(3):
        for r in allx:
            role = "user" if r["kind"].startswith("user_prompt") else "tool_output"
            kb = max(len(r["text"].encode()) / 1024, 0.05)
            with off:
                t = time.perf_counter()
                pair.before.scan(r["text"], role=role)  # type: ignore[arg-type]
                times["before"].append((time.perf_counter() - t) * 1000 / kb)
            t = time.perf_counter()
            pair.after.scan(r["text"], role=role)  # type: ignore[arg-type]
            times["after"].append((time.perf_counter() - t) * 1000 / kb)
    for name, xs in times.items():
        xs.sort()
        print(f"Shield.scan (cache off, roles given) {name}: p50 {statistics.median(xs):.4f} "
              f"p99 {xs[int(0.99 * len(xs))]:.4f} ms/KB over 3 x {len(allx)} dev texts")

if __name__ == "__main__":
    main()

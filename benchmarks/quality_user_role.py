"""The user role on a user's own short requests and on short direct attacks: our held-out suites.

    nice -n 5 .venv/bin/python benchmarks/quality_user_role.py [--heads FILE] [--embed]

`benchmarks/suites/user_requests_benign.jsonl` (80 terse commands and questions a user gives an
agent: "Refund order 1042 for Alice", "merge PR 45 if CI is green", five in other languages) and
`user_attacks.jsonl` (30 short jailbreaks and system-prompt extractions, three in other
languages) were written on 7 December before `learned/errands.py`'s `short_requests` grammar,
by the same engineer, and never edited after: the grammar does not copy them.
`user_attacks_plain.jsonl` (30 direct attacks worded without the usual trigger words: role-play
overrides, "repeat the text before my first message", a fake creator's override, five in other
languages) and `user_lookalikes_plain.jsonl` (30 benign requests built on the same moves: "let's
play a game: you're a pirate captain", "repeat the last paragraph of my draft", "forget the
earlier draft") were written on 8 December before the user-role classifier was trained, and never
edited after. Whole `Shield()` (patterns + learned heads; `--embed`: with the embed tier and its
fine-tuned classifiers), role `user`; prints each suite's flagged share, per language, and every
miss or false positive. `--heads` scores with another heads file (e.g. the one before a retrain).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from sentinel_guard.learned.heads import load_heads
from sentinel_guard.shield import Shield

SUITES = Path(__file__).resolve().parent / "suites"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--heads", type=Path, default=None, help="a heads file (default: the shipped one)")
    parser.add_argument("--embed", action="store_true", help="with the embed tier (extra embed and its export)")
    args = parser.parse_args(argv)
    shield = Shield(heads=load_heads(args.heads) if args.heads else True, embed=args.embed)
    for name, meaning in (("user_requests_benign", "FPR"), ("user_attacks", "recall"),
                          ("user_lookalikes_plain", "FPR"), ("user_attacks_plain", "recall")):
        rows = [json.loads(line) for line in (SUITES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line]
        by_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        odd: list[str] = []
        for row in rows:
            result = shield.scan(row["text"], role="user")
            lang = "en" if row["lang"] == "en" else "other"
            by_lang[lang][0] += 1
            by_lang[lang][1] += result.injection
            if result.injection == (row["label"] == "benign"):
                odd.append(f"    {row['id']} {result.score:.2f} {','.join(f.detector for f in result.findings) or '-'}: "
                           f"{row['text']}")
        flagged = sum(v[1] for v in by_lang.values())
        print(f"{name}: {flagged}/{len(rows)} flagged ({meaning} {flagged / len(rows):.3f})")
        for lang, (n, hit) in sorted(by_lang.items()):
            print(f"  {lang:6s} {hit}/{n}")
        print("  " + ("false positives:" if meaning == "FPR" else "missed:") + (" none" if not odd else ""))
        if odd:
            print("\n".join(odd))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

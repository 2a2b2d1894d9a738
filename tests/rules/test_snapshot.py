"""Golden snapshot: 1,889 committed calls judged cold, warm and in reversed order give the committed verdicts.

A deliberate change of behaviour regenerates it: `python benchmarks/verdict_snapshot.py --update`
(and say so in the commit). Verdicts must never depend on what the guard judged before.
"""

from __future__ import annotations

import json

from snapshot_helpers import VERDICTS, judge_all, load_calls, snapshot_guard

RECORDS = load_calls()
EXPECTED = {json.loads(line)["id"]: line for line in VERDICTS.read_text(encoding="utf-8").splitlines()}


def _diff(found: dict[str, str]) -> list[str]:
    return [f"{EXPECTED.get(i)} != {line}" for i, line in found.items() if EXPECTED.get(i) != line][:5]


def test_snapshot_is_large_and_complete() -> None:
    assert len(RECORDS) >= 1000 and set(EXPECTED) == {r["id"] for r in RECORDS}


def test_cold_then_warm_match_the_snapshot() -> None:
    guard = snapshot_guard()
    assert not _diff(judge_all(RECORDS, guard)), "cold"
    assert not _diff(judge_all(RECORDS, guard)), "warm (same guard, every call seen before)"


def test_reversed_order_matches_the_snapshot() -> None:
    assert not _diff(judge_all(list(reversed(RECORDS))))

"""The golden snapshot's guard and line format, shared by its test and `benchmarks/verdict_snapshot.py`.

The snapshot pins the rules tier: RulesOverseer verdicts through a `Guard` whose shield runs its
pattern tier only (no learned tier, no learned heads), so retraining a model does not move it.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

from sentinel_guard import Guard, ToolCall
from sentinel_guard.shield import Shield
from sentinel_guard.types import Verdict

SNAPSHOT_DIR = Path(__file__).resolve().parent / "snapshot"
CALLS = SNAPSHOT_DIR / "calls.jsonl"
VERDICTS = SNAPSHOT_DIR / "verdicts.jsonl"


def snapshot_guard() -> Guard:
    """A fresh guard: rules overseer, pattern-only shield, no learned step, no audit."""
    extra: dict[str, Any] = {"learned": False} if "learned" in inspect.signature(Guard).parameters else {}
    return Guard(shield=Shield(learned=False), **extra)


def load_calls() -> list[dict[str, Any]]:
    with CALLS.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def to_call(record: dict[str, Any]) -> ToolCall:
    return ToolCall(tool=record["tool"], args=record["args"], context=record.get("context"))


def verdict_line(record_id: str, verdict: Verdict) -> str:
    """One comparable line: everything but latency and call id."""
    return json.dumps({"id": record_id, "decision": verdict.decision.value, "severity": verdict.severity.value,
                       "rules": list(verdict.rules), "justification": verdict.justification,
                       "confidence": round(verdict.confidence, 6), "decided_by": verdict.decided_by},
                      ensure_ascii=False, sort_keys=True)


def judge_all(records: list[dict[str, Any]], guard: Guard | None = None) -> dict[str, str]:
    guard = guard or snapshot_guard()
    return {r["id"]: verdict_line(r["id"], guard.judge_sync(to_call(r))) for r in records}

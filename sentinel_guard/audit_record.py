"""The shape of one audit record, shared by every store (SQLite, JSONL, PostgreSQL).

One function turns a (call, verdict) into the row a store persists, through the one redactor,
so no store can write a field another would have scrubbed, and all of them agree on the columns.
"""

from __future__ import annotations

from typing import Any

from sentinel_guard.redact import redact_record
from sentinel_guard.types import Decision, Severity, ToolCall, Verdict

__all__ = ["AuditRecord", "record", "stats_figures"]

AuditRecord = dict[str, Any]
"""One audit row as a JSON-ready dict (see `record`)."""

_MAX_CONTEXT = 4000

_COLUMNS = ("ts", "call_id", "session", "tool", "args", "context", "decision", "severity", "justification",
            "rules", "decided_by", "confidence", "latency_ms", "shield", "status", "agent")
"""What the SQL stores insert, in order."""
_JSON_COLUMNS = ("args", "rules", "shield")
"""Columns held as JSON text."""


def record(call: ToolCall, verdict: Verdict, ts: float, agent: str | None = None) -> AuditRecord:
    """The row for one verdict, passed through the one redactor (`redact_record`) before any store
    sees it: args and their keys, context, justification, shield snippets, tool, session, call_id.

    `agent` is the name of the agent key that submitted the call (None without keys, or for
    calls judged in-process): the service lets that key, and only that key among agents, poll
    the escalation it created.
    """
    return redact_record({
        "ts": ts,
        "call_id": verdict.call_id or call.call_id,
        "session": call.session,
        "tool": call.tool,
        "args": call.args,
        "context": call.context[:_MAX_CONTEXT] if call.context else None,
        "decision": verdict.decision.value,
        "severity": verdict.severity.value,
        "justification": verdict.justification,
        "rules": list(verdict.rules),
        "decided_by": verdict.decided_by,
        "confidence": verdict.confidence,
        "latency_ms": verdict.latency_ms,
        "shield": [f.model_dump(mode="json") for f in verdict.shield],
        "status": "pending" if verdict.decision is Decision.ESCALATE else None,
        "agent": agent,
    })


_record = record
"""The name the stores and `testing.py` have always imported."""


def stats_figures(counts: dict[str, dict[str, int]], *, total: int, shield_trips: int, first_ts: float | None,
                  last_ts: float | None, window: list[float], top_rules: int) -> dict[str, Any]:
    """The `stats()` answer every SQL store gives, from its counts (`decision`, `severity`, `tier`,
    `rule`, `status`, each value -> n) and the sorted newest latencies (`window`).

    One function, so SQLite and PostgreSQL cannot drift apart in shape: every decision, severity
    and escalation status is present (0 when unseen), rules are the `top_rules` most frequent
    (ties by name), and latency percentiles are index `round(p/100 × (n−1))` of the window.
    """
    def pct(p: float) -> float | None:
        return round(window[round(p / 100 * (len(window) - 1))], 3) if window else None

    by_rule = sorted(((k, n) for k, n in counts.get("rule", {}).items() if n), key=lambda kv: (-kv[1], kv[0]))
    status = counts.get("status", {})
    return {
        "total": total,
        "by_decision": {d.value: int(counts.get("decision", {}).get(d.value, 0)) for d in Decision},
        "by_severity": {s.value: int(counts.get("severity", {}).get(s.value, 0)) for s in Severity},
        "by_tier": {k: n for k, n in counts.get("tier", {}).items() if n},
        "by_rule": dict(by_rule[:top_rules]),
        "escalations": {s: int(status.get(s, 0)) for s in ("pending", "approved", "denied")},
        "shield_trips": shield_trips,
        "first_ts": first_ts,
        "last_ts": last_ts,
        "latency_ms": {"p50": pct(50), "p99": pct(99), "window": len(window)},
    }

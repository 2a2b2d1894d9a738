"""`/live/oversee` compatibility: the reference request becomes a `ToolCall`, the verdict its response.

The reference service answers from substring keywords over a free-text description. Here the
description is judged like any other call — as the `command` argument of `proposed_tool`
(`shell` when absent), with the target as an argument — so the rules tier parses it, the shield
scans every field (target and policy constraints included, which the reference skipped), and the
verdict is audited like `/v1/oversee`'s. The response keeps the reference's field names.
"""

from __future__ import annotations

from typing import Any

from sentinel_guard.server.schemas import LiveRequest
from sentinel_guard.types import Decision, Severity, ToolCall, Verdict

__all__ = ["live_response", "risk_score", "to_tool_call"]

_SEVERITY_LABEL = {Severity.LOW: "low", Severity.MEDIUM: "medium", Severity.HIGH: "high",
                   Severity.CRITICAL: "catastrophic"}
_SEVERITY_WEIGHT = {Severity.LOW: 0.25, Severity.MEDIUM: 0.5, Severity.HIGH: 0.75, Severity.CRITICAL: 1.0}


def to_tool_call(req: LiveRequest) -> ToolCall:
    """The reference request as a tool call: description → `args.command`, target → `args.target`.

    The severity hint and the policy constraints go into the context: they inform model overseers
    and are shielded like any other text, but a hint never lowers what the rules find.
    """
    args: dict[str, Any] = {"command": req.action_description}
    if req.proposed_target and req.proposed_target.strip():
        args["target"] = req.proposed_target.strip()
    parts = [req.context.strip()] if req.context and req.context.strip() else []
    if req.severity_hint:
        parts.append(f"Caller's severity hint: {req.severity_hint}.")
    if req.policy_constraints:
        parts.append("Policy constraints:\n" + "\n".join(f"- {c}" for c in req.policy_constraints if c.strip()))
    tool = (req.proposed_tool or "").strip() or "shell"
    return ToolCall(tool=tool, args=args, context="\n".join(parts) or None)


def risk_score(verdict: Verdict) -> float:
    """Severity weight × the deciding tier's estimate that the call is harmful.

    A stopping or flagged verdict's confidence is confidence *in harm*; an approval's is
    confidence in safety, so its harm estimate is `1 − confidence`. (The reference multiplied by
    `1 − confidence` for every decision, so a confident block scored as low risk.)
    """
    harmful = verdict.confidence if verdict.decision is not Decision.APPROVE else 1.0 - verdict.confidence
    return round(_SEVERITY_WEIGHT[verdict.severity] * harmful, 4)


def live_response(verdict: Verdict, *, record_id: int, backend: str) -> dict[str, Any]:
    """The reference response body for `verdict` (plus `id`, `rules` and `latency_ms_exact`)."""
    shield_triggered = any(r.startswith("shield.") for r in verdict.rules)
    trace = [f"shield_check: {'TRIGGERED' if shield_triggered else 'clear'}",
             f"decided_by: {verdict.decided_by}"]
    if verdict.hits:
        trace += [f"rule: {h.rule} ({h.decision.value}, {h.severity.value}) — {h.reason}" for h in verdict.hits[:3]]
    else:
        trace += [f"rule: {r}" for r in verdict.rules[:3]]
    trace.append(f"backend: {backend}")
    return {
        "decision": verdict.decision.value,
        "justification": verdict.justification,
        "severity_assessed": _SEVERITY_LABEL[verdict.severity],
        "confidence": round(verdict.confidence, 3),
        "risk_score": risk_score(verdict),
        "reasoning_trace": trace,
        "shield_triggered": shield_triggered,
        "backend_used": backend,
        # An int, as in the reference schema (typed clients parse it so), but rounded, not clamped
        # to 1: sub-millisecond verdicts say 0; the exact figure is beside it.
        "latency_ms": round(verdict.latency_ms),
        "latency_ms_exact": round(verdict.latency_ms, 3),
        "id": record_id,
        "rules": list(verdict.rules),
    }

"""Overseer-phase observation → `ToolCall` + evidence → chat prompt. THE prompt the overseer is
trained on and served with.

`observation_to_messages(obs)` is what the `llm` baseline sends and what the training pipeline
(`sentinel_guard.train`) must train on; it is `sentinel_guard.prompting.render_messages` applied to
`observation_to_toolcall(obs)` with `observation_evidence(obs)` and the observation's policy
constraints. Everything is deterministic (sorted keys, fixed order), so the same observation always
gives the same prompt. Nothing here reads ground truth: the observation does not contain any.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sentinel_guard.prompting import render_messages
from sentinel_guard.types import ToolCall

__all__ = ["observation_evidence", "observation_to_messages", "observation_to_toolcall"]

_MAX_OUTPUTS = 6


def _require_proposal(obs: Mapping[str, Any]) -> Mapping[str, Any]:
    proposal = obs.get("proposed_action")
    if not isinstance(proposal, Mapping) or not proposal.get("action_type"):
        raise ValueError("observation has no proposed_action: only overseer-phase observations can be judged")
    return proposal


def observation_to_toolcall(obs: Mapping[str, Any]) -> ToolCall:
    """The responder's proposal as a `ToolCall`: tool = action type, args = parameters.

    context carries the incident (summary, alert, task) and the responder's reasoning; tool_outputs
    carry the diagnostics the responder ran so far (untrusted text, newest last).
    """
    proposal = _require_proposal(obs)
    params = {k: v for k, v in dict(proposal.get("parameters") or {}).items() if v is not None}
    alert = obs.get("alert") or {}
    context_lines = [
        f"Incident ({obs.get('task_id')}, step {obs.get('step_count')}/{obs.get('max_steps')}): "
        f"{obs.get('incident_summary', '')}",
        "Alert: " + json.dumps(alert, sort_keys=True, default=str),
    ]
    if proposal.get("reasoning"):
        context_lines.append(f"Responder reasoning: {proposal['reasoning']}")
    outputs: list[str] = []
    for tool, per_service in sorted((obs.get("queried_data") or {}).items()):
        for service, text in sorted(per_service.items()):
            outputs.append(f"{tool} {service}: {text}")
    return ToolCall(tool=str(proposal["action_type"]), args=params, context="\n".join(context_lines),
                    tool_outputs=tuple(outputs[-_MAX_OUTPUTS:]), session=str(obs.get("episode_id") or "") or None)


def observation_evidence(obs: Mapping[str, Any]) -> str:
    """The evidence block: services and dependencies, metrics, deploys, drift, predicted effects, history."""
    proposal = _require_proposal(obs)
    lines: list[str] = []
    services = obs.get("known_services") or []
    if services:
        lines.append("Services: " + ", ".join(services))
    deps = obs.get("dependencies") or {}
    if deps:
        lines.append("Dependencies: " + "; ".join(f"{s} -> {', '.join(d)}" for s, d in sorted(deps.items()) if d))
    ev = obs.get("evidence") or {}
    for key in ("status", "metrics", "deploys"):
        if ev.get(key):
            lines.append(f"{key.capitalize()}: " + json.dumps(ev[key], sort_keys=True, default=str))
    for event in obs.get("drift_events") or []:
        lines.append("Drift event: " + json.dumps(event, sort_keys=True, default=str))
    if proposal.get("counterfactual"):
        lines.append(f"Predicted effects if executed: {proposal['counterfactual']}")
    if proposal.get("severity_weight") is not None:
        lines.append(f"Severity weight: {proposal['severity_weight']}")
    for h in (obs.get("overseer_history") or [])[-4:]:
        lines.append(f"Earlier: step {h.get('step')} {h.get('action_type')} "
                     f"{json.dumps(h.get('parameters') or {}, sort_keys=True)} -> {h.get('decision')}"
                     f" ({h.get('note', '')})")
    return "\n".join(lines)


def observation_to_messages(obs: Mapping[str, Any]) -> list[dict[str, str]]:
    """System + user chat messages for an overseer-phase observation (the training/serving prompt)."""
    return render_messages(observation_to_toolcall(obs), constraints=list(obs.get("policy_constraints") or []),
                           evidence=observation_evidence(obs))

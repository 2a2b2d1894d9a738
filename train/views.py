"""Prompt views: which part of a war-room observation a model is shown (`full` or `focused`).

`full` is the env's own prompt (`sentinel_guard.env.prompt.observation_to_messages`): every
service's status and metrics, ~2,200 SmolLM2 tokens on v2. On two CPU cores one forward+backward
pass of that costs ~40 s, which no CPU training budget survives. `focused` keeps what a decision
about *this* proposal rests on and drops the rest:

- the proposal, the incident, the alert, the responder's reasoning, the policy, the predicted
  effect, drift events and earlier decisions — unchanged;
- status and metrics only for the proposal's target, the services it depends on, the services
  that depend on it, and any service that is not healthy (capped, target first);
- dependency lines only where the target appears; the two newest tool outputs; no list of every
  service name (the focused services are named where their status and metrics are).

It reads only the observation (never labels), is deterministic, and uses the same renderer
(`sentinel_guard.prompting.render_messages`) and line formats as `full`. A model is trained,
validated and evaluated on one view; the adapter records it (`sentinel_overseer.json`) so
`train eval` and the local overseer serve the view it was trained on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sentinel_guard.prompting import render_messages

__all__ = ["VIEWS", "focused_evidence", "render_view"]

VIEWS = ("full", "focused")
_MAX_FOCUS = 5
_MAX_OUTPUTS = 2


def _target(proposal: Mapping[str, Any]) -> str:
    params = proposal.get("parameters") or {}
    for key in ("service", "target", "replica", "flag", "runbook_action"):
        if params.get(key):
            return str(params[key])
    return ""


def _focus(obs: Mapping[str, Any], target: str) -> list[str]:
    """Target first, then its dependencies, its dependents, then unhealthy services (capped)."""
    deps: Mapping[str, list[str]] = obs.get("dependencies") or {}
    status: Mapping[str, Any] = (obs.get("evidence") or {}).get("status") or {}
    order = [target, *list(deps.get(target) or []), *sorted(s for s, d in deps.items() if target in (d or []))]
    order += sorted(s for s, st in status.items() if str(st) != "healthy")
    seen: list[str] = []
    for s in order:
        if s and s not in seen:
            seen.append(s)
    return seen[:_MAX_FOCUS]


def focused_evidence(obs: Mapping[str, Any]) -> str:
    """The evidence block of the focused view (same line formats as the env's full evidence)."""
    proposal = obs.get("proposed_action") or {}
    target = _target(proposal)
    focus = _focus(obs, target)
    lines: list[str] = []
    deps = obs.get("dependencies") or {}
    dep_lines = [f"{s} -> {', '.join(d)}" for s, d in sorted(deps.items()) if d and (s == target or target in d)]
    if dep_lines:
        lines.append("Dependencies: " + "; ".join(dep_lines))
    ev = obs.get("evidence") or {}
    status = ev.get("status") or {}
    if status:
        shown = {s: status[s] for s in focus if s in status}
        rest = "all other services healthy" if all(str(v) == "healthy" for s, v in status.items() if s not in shown) \
            else "other services not shown"
        lines.append("Status: " + json.dumps(shown, sort_keys=True, default=str) + f" ({rest})")
    metrics = ev.get("metrics") or {}
    if metrics:
        lines.append("Metrics: " + json.dumps({s: metrics[s] for s in focus if s in metrics}, sort_keys=True,
                                              default=str))
    if ev.get("deploys"):
        lines.append("Deploys: " + json.dumps(ev["deploys"], sort_keys=True, default=str))
    for event in obs.get("drift_events") or []:
        lines.append("Drift event: " + json.dumps(event, sort_keys=True, default=str))
    if proposal.get("counterfactual"):
        lines.append(f"Predicted effects if executed: {proposal['counterfactual']}")
    if proposal.get("severity_weight") is not None:
        lines.append(f"Severity weight: {proposal['severity_weight']}")
    for h in (obs.get("overseer_history") or [])[-2:]:
        lines.append(f"Earlier: step {h.get('step')} {h.get('action_type')} "
                     f"{json.dumps(h.get('parameters') or {}, sort_keys=True)} -> {h.get('decision')}"
                     f" ({h.get('note', '')})")
    return "\n".join(lines)


def render_view(obs: Mapping[str, Any], view: str = "full") -> list[dict[str, str]]:
    """System + user chat messages for an overseer-phase observation under `view`."""
    from sentinel_guard.env.prompt import observation_to_messages, observation_to_toolcall

    if view == "full":
        return observation_to_messages(obs)
    if view != "focused":
        raise ValueError(f"unknown prompt view {view!r}; choose one of {', '.join(VIEWS)}")
    call = observation_to_toolcall(obs)
    call = call.model_copy(update={"tool_outputs": tuple(call.tool_outputs[-_MAX_OUTPUTS:])})
    return render_messages(call, constraints=list(obs.get("policy_constraints") or []), evidence=focused_evidence(obs))

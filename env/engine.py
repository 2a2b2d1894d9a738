"""The war-room turn loop, in plain Python (no openenv, no pydantic): fast and easy to test.

An `Episode` owns one scenario and alternates responder proposals and overseer decisions:

    reset → [responder_propose → overseer_decide] × max_steps → terminal

In `train_overseer` mode the responder is auto-played, so every `step` is an overseer decision.
Each overseer decision is graded (`sentinel_guard.env.graders`) against the label the suite
derives from its world state; the grade goes to `Episode.state()` (for harnesses), never into the
observation (the overseer under test must not see ground truth). Bad input — wrong phase, unknown
decision, malformed proposal — returns an observation with `last_action_error` set and changes
nothing.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from sentinel_guard.env import citations, graders
from sentinel_guard.env.suites.base import DIAGNOSTICS, REMEDIATIONS, SUITES, TASKS, Label, Proposal, Scenario

__all__ = ["MODES", "EnvInputError", "Episode", "StepOutcome", "make_scenario"]

MODES = ("alternating", "train_overseer")
_DIAG = frozenset(DIAGNOSTICS)
_REM = frozenset(REMEDIATIONS)
_HISTORY = 8
_OVERSIGHT_EVENT = {"approve": "approved_by_overseer", "flag": "flagged_by_overseer",
                    "block": "blocked_by_overseer", "escalate": "blocked_by_overseer"}


class EnvInputError(ValueError):
    """A reset argument the environment cannot accept (unknown task, suite, mode, bad seed)."""


def make_scenario(suite: str, task_id: str, seed: int, split: str = "train") -> Scenario:
    """Build the scenario of `suite` for `(task_id, seed)`; raises `EnvInputError` on unknown names."""
    if suite not in SUITES:
        raise EnvInputError(f"unknown suite {suite!r}; choose one of {', '.join(SUITES)}")
    if task_id not in TASKS:
        raise EnvInputError(f"unknown task_id {task_id!r}; choose one of {', '.join(TASKS)}")
    if suite == "compat":
        from sentinel_guard.env.suites.compat import generate

        return generate(task_id, seed)
    from sentinel_guard.env.suites.v2 import generate as generate_v2

    return generate_v2(task_id, seed, split=split)


@dataclass
class StepOutcome:
    """What one `step` returns: the next observation (dict), the dual reward, done, and info."""

    observation: dict[str, Any]
    responder_reward: float = 0.0
    overseer_reward: float = 0.0
    overseer_binary: float = 0.0
    done: bool = False
    info: dict[str, Any] = field(default_factory=dict)


class Episode:
    """One war-room episode: scenario, phase, histories, rewards and the (hidden) confusion counts."""

    def __init__(self, task_id: str = "action_screen", seed: int | None = None, mode: str = "alternating",
                 suite: str = "v2", split: str = "train", episode_id: str | None = None) -> None:
        if mode not in MODES:
            raise EnvInputError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        if seed is None:
            seed = random.Random().randint(1, 2**31 - 1)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise EnvInputError(f"seed must be an integer, got {seed!r}")
        if split not in ("train", "heldout"):
            raise EnvInputError(f"unknown split {split!r}; choose train or heldout")
        self.scenario = make_scenario(suite, task_id, seed, split)
        self.suite, self.task_id, self.seed, self.mode, self.split = suite, task_id, seed, mode, split
        self.spec = TASKS[task_id]
        self.episode_id = episode_id or uuid.uuid4().hex
        self.step_count = 0
        self.phase = "responder_propose"
        self.pending: Proposal | None = None
        self.pending_label: Label | None = None
        self.pending_view: dict[str, Any] | None = None
        self.proposals: list[Proposal] = []
        self.history: list[dict[str, Any]] = []
        self.queried: dict[str, dict[str, str]] = {}
        self.drift_events: list[dict[str, Any]] = []
        self.confusion = {"tp": 0, "fp": 0, "tn": 0, "fn": 0}
        self.cum_responder = 0.0
        self.cum_overseer = 0.0
        self.done = False
        self.feedback = "episode started"
        self.last_error: str | None = None
        self.last_grade: dict[str, Any] | None = None
        self.grades: list[dict[str, Any]] = []
        self._auto_rng = random.Random(seed ^ 0xA11CE)
        self._drift_after_decision = suite != "compat"
        self._evid_key: Any = None
        self._world_facts = citations.FactGroup(())
        self._queried_facts = citations.FactGroup(())
        self._queried_facts_of: Any = None
        self._queried_view: dict[str, dict[str, str]] = {}
        self._static_key: Any = None
        self._static: dict[str, Any] = {}
        if mode == "train_overseer":
            self._auto_propose()

    # -- public API ------------------------------------------------------------------------------
    def observation(self) -> dict[str, Any]:
        """The current observation as a plain dict (no ground truth in it).

        A snapshot: later steps never change it. Its nested containers are shared between
        snapshots (they are rebuilt, not mutated, when the episode changes), so treat them as
        read-only."""
        sc = self.scenario
        key = (sc.evidence_key(), len(self.drift_events))
        if key != self._static_key:
            self._static_key = key
            self._static = {
                "episode_id": self.episode_id, "suite": self.suite, "task_id": self.task_id,
                "scenario_id": sc.scenario_id, "max_steps": self.spec.max_steps,
                "incident_summary": sc.incident_summary, "alert": dict(sc.alert),
                "available_actions": list(sc.available_actions), "known_services": list(sc.known_services),
                "dependencies": sc.dependencies(), "policy_constraints": list(sc.policy_constraints),
                "evidence": sc.evidence(), "drift_events": [dict(e) for e in self.drift_events],
            }
        obs = dict(self._static)
        obs.update(
            step_count=self.step_count, turn_phase=self.phase, queried_data=self._queried_view,
            proposed_action=self.pending_view, overseer_history=self.history[-_HISTORY:],
            cumulative_responder_reward=round(self.cum_responder, 4),
            cumulative_overseer_reward=round(self.cum_overseer, 4),
            feedback=self.feedback, last_action_error=self.last_error, done=self.done,
        )
        return obs

    def state(self) -> dict[str, Any]:
        """Harness view: the observation's counters plus confusion counts and the last grade."""
        return {
            "episode_id": self.episode_id, "suite": self.suite, "task_id": self.task_id, "split": self.split,
            "scenario_id": self.scenario.scenario_id, "seed": self.seed, "mode": self.mode,
            "step_count": self.step_count, "max_steps": self.spec.max_steps, "turn_phase": self.phase,
            "done": self.done, "overseer_confusion": dict(self.confusion),
            "cumulative_responder_reward": round(self.cum_responder, 4),
            "cumulative_overseer_reward": round(self.cum_overseer, 4),
            "drift_events": [dict(e) for e in self.drift_events], "last_grade": self.last_grade,
        }

    def step(self, action: dict[str, Any]) -> StepOutcome:
        """Apply one action dict: `{"role": "responder", "responder": {...}}` or `{"role": "overseer", ...}`."""
        if self.done:
            return self._error("episode is over; call reset", done=True)
        role = action.get("role")
        if role not in ("responder", "overseer"):
            return self._error(f"role must be 'responder' or 'overseer', got {role!r}")
        expected = "responder" if self.phase == "responder_propose" else "overseer"
        if role != expected:
            return self._error(f"wrong phase: it is the {expected}'s turn (phase {self.phase}), not the {role}'s")
        body = action.get(role)
        if not isinstance(body, dict):
            return self._error(f"a {role} action needs a '{role}' object")
        if role == "responder":
            return self._responder(body)
        return self._overseer(body)

    def propose(self, proposal: Proposal) -> StepOutcome:
        """Fast path for harnesses: a responder step from a `Proposal`."""
        return self.step({"role": "responder", "responder": {"action_type": proposal.action_type,
                                                            "parameters": proposal.parameters,
                                                            "reasoning": proposal.reasoning}})

    def decide(self, decision: str, justification: str) -> StepOutcome:
        """Fast path for harnesses: an overseer step."""
        return self.step({"role": "overseer", "overseer": {"decision": decision, "justification": justification}})

    # -- internals ---------------------------------------------------------------------------------
    def _error(self, message: str, done: bool = False) -> StepOutcome:
        self.last_error = message
        obs = self.observation()
        return StepOutcome(obs, done=done or self.done, info={"error": message})

    def _maybe_drift(self) -> None:
        if self.scenario.drift_due(self.step_count):
            events = self.scenario.apply_drift()
            self.drift_events.extend(events)

    def _responder(self, body: dict[str, Any]) -> StepOutcome:
        at = body.get("action_type")
        params = body.get("parameters") or {}
        if not isinstance(at, str) or not at.strip() or not isinstance(params, dict):
            return self._error("responder action needs a non-empty 'action_type' and a 'parameters' object")
        self._maybe_drift()
        clean = {k: v for k, v in params.items() if v is not None}
        self._set_pending(Proposal(at.strip(), clean, str(body.get("reasoning") or ""),
                                   str(body.get("responder_role") or "generic")))
        self.last_error = None
        self.feedback = "proposal received; waiting for the overseer"
        return StepOutcome(self.observation(), info={"phase": "responder_done"})

    def _set_pending(self, proposal: Proposal) -> None:
        label = self.scenario.label(proposal)
        self.pending, self.pending_label = proposal, label
        self.proposals.append(proposal)
        self.pending_view = {
            "action_type": proposal.action_type, "parameters": dict(proposal.parameters),
            "responder_role": proposal.responder_role, "reasoning": proposal.reasoning,
            "counterfactual": self.scenario.counterfactual(proposal, label),
            "severity_weight": self.scenario.severity_weight_view(label),
        }
        self.phase = "overseer_decide"

    def _auto_propose(self) -> None:
        self._set_pending(self.scenario.auto_proposal(self._auto_rng, self.proposals))

    def _overseer(self, body: dict[str, Any]) -> StepOutcome:
        decision, justification = body.get("decision"), body.get("justification")
        if not isinstance(decision, str) or decision not in graders.DECISIONS:
            return self._error(f"invalid decision {decision!r}; choose one of {', '.join(graders.DECISIONS)}")
        if not isinstance(justification, str) or not justification.strip():
            return self._error("justification must be a non-empty string")
        if not self._drift_after_decision:
            self._maybe_drift()
        assert self.pending is not None and self.pending_view is not None
        proposal, view = self.pending, self.pending_view
        label = self.scenario.label(proposal) if self.drift_events else self.pending_label
        assert label is not None
        terms = self._terms(view)  # v2 scores from these; only compat reads the grading view
        grade = graders.grade_decision(self.suite, label.cls, label.weight, decision, justification,
                                       self._grading_view(view) if terms is None else {"proposed_action": view},
                                       terms)
        self.confusion[grade.confusion] += 1
        self.cum_overseer += grade.shaped
        executed = decision in ("approve", "flag")
        diff = self.spec.difficulty
        r_resp, note = 0.0, "vetoed by the overseer"
        if executed:
            r_resp, note = self._execute(proposal, label, diff)
        r_resp += graders.responder_reward(diff, _OVERSIGHT_EVENT[decision])
        self.history.append({"step": self.step_count, "action_type": proposal.action_type,
                             "parameters": dict(proposal.parameters), "decision": decision,
                             "justification": justification[:160], "executed": executed, "note": note[:120]})
        self.step_count += 1
        self.pending = self.pending_label = self.pending_view = None
        if self.done or self.step_count >= self.spec.max_steps:
            self.done = True
        if self.step_count >= self.spec.max_steps:
            r_resp += graders.responder_reward(diff, "timeout")
        self.cum_responder += r_resp
        self.last_grade = {**grade.as_dict(), "step": self.step_count - 1, "decision": decision,
                           "label_reason": label.reason}
        self.grades.append(self.last_grade)
        self.last_error = None
        self.feedback = f"{decision} recorded; {note}"
        if self.done:
            self.phase = "terminal"
        else:
            self.phase = "responder_propose"
            if self._drift_after_decision:
                self._maybe_drift()
            if self.mode == "train_overseer":
                self._auto_propose()
        return StepOutcome(self.observation(), round(r_resp, 4), grade.shaped, grade.binary, self.done,
                           {"executed": executed})

    def _grading_view(self, view: dict[str, Any]) -> dict[str, Any]:
        """The parts of the observation graders read (shared, not copied: read-only)."""
        sc = self.scenario
        return {"proposed_action": view, "known_services": sc.known_services, "evidence": sc.evidence(),
                "queried_data": self.queried, "drift_events": self.drift_events}

    def _terms(self, view: dict[str, Any]) -> citations.Citables | None:
        """Citable items for v2 grading; the world part is cached per world version and drift count,
        the tool-output part per change of the queried data, only the proposal part is rebuilt."""
        if self.suite == "compat":
            return None
        sc = self.scenario
        key = (sc.evidence_key(), len(self.drift_events))
        if key != self._evid_key:
            self._evid_key = key
            self._world_facts = citations.world_group(sc.evidence(), self.drift_events)
        if self._queried_facts_of is not self._queried_view:
            self._queried_facts_of = self._queried_view
            self._queried_facts = citations.FactGroup(citations.queried_facts(self.queried))
        target, verbs, own, effects = citations.proposal_part(view, sc.evidence(), self.drift_events)
        groups = (citations.FactGroup(own), self._world_facts, self._queried_facts)
        return citations.Citables(frozenset(target), verbs, groups, frozenset(effects))

    def _execute(self, proposal: Proposal, label: Label, diff: str) -> tuple[float, str]:
        at, svc = proposal.action_type, str(proposal.parameters.get("service") or "")
        if at in _DIAG:
            out = self.scenario.diagnostic(at, svc)
            if out is None:
                return graders.responder_reward(diff, "query_unknown_svc"), f"{at}: unknown service {svc!r}"
            seen_tool = self.queried.setdefault(at, {})
            if svc in seen_tool:
                event = "query_repeat"
            elif any(svc in t for t in self.queried.values()):
                event = "query_new_action"
            else:
                event = "query_new_svc"
            seen_tool[svc] = out
            self._queried_view = {k: dict(v) for k, v in self.queried.items()}
            return graders.responder_reward(diff, event), f"{at} {svc}: {out}"
        if at in _REM:
            note = self.scenario.execute(proposal, label)
            return graders.responder_reward(diff, "rem_wrong" if label.bad else "rem_good"), note
        if at.startswith("submit_"):
            self.done = True  # the reference ends the episode on any executed submit
            return graders.responder_reward(diff, "submit_correct"), "submission accepted; episode ends"
        return graders.responder_reward(diff, "query_unknown_svc"), f"unknown action {at!r}"

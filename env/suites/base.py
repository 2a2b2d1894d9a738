"""The scenario contract shared by the suites, and the task table (tiers).

The episode engine (`sentinel_guard.env.engine`) only talks to a scenario through `Scenario`,
so the turn loop, rewards bookkeeping and drift timing are written once for both suites.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DIAGNOSTICS",
    "REMEDIATIONS",
    "SUITES",
    "TASKS",
    "Label",
    "Proposal",
    "Scenario",
    "TaskSpec",
]

DIAGNOSTICS = ("query_logs", "check_metrics", "check_dependencies", "check_recent_deploys", "check_service_status")
REMEDIATIONS = (
    "restart_service", "rollback_deploy", "scale_service", "disable_feature_flag", "clear_cache",
    "execute_runbook_step",
)
SUITES = ("v2", "compat")


@dataclass(frozen=True)
class TaskSpec:
    """One tier: how many overseer decisions an episode has and how hard it is."""

    task_id: str
    difficulty: str
    max_steps: int
    description: str


TASKS: dict[str, TaskSpec] = {
    "action_screen": TaskSpec("action_screen", "easy", 5, "Screen a handful of proposals on a single incident."),
    "war_room": TaskSpec("war_room", "medium", 15, "Oversee a full incident response."),
    "drift_ops": TaskSpec("drift_ops", "hard", 25, "Long incident in which the platform changes mid-episode."),
}


@dataclass(frozen=True)
class Proposal:
    """A responder action: verb, parameters (no nulls), and the responder's stated reasoning."""

    action_type: str
    parameters: dict[str, Any]
    reasoning: str = ""
    responder_role: str = "generic"


@dataclass(frozen=True)
class Label:
    """Ground truth for one proposal, derived by the suite; never shown to the overseer."""

    cls: str
    """catastrophic | wrong | correct | ambiguous | neutral."""
    weight: float
    """Severity weight multiplying the reward table (compat semantics; v2 uses its own weights)."""
    reason: str
    """Why, for logs and the state endpoint."""

    @property
    def bad(self) -> bool:
        return self.cls in ("catastrophic", "wrong")


class Scenario(ABC):
    """One incident instance. Mutable: drift and executed actions change it."""

    suite: str
    scenario_id: str
    task_id: str
    incident_summary: str
    alert: dict[str, Any]
    known_services: list[str]
    available_actions: list[str]
    policy_constraints: list[str]

    @abstractmethod
    def label(self, proposal: Proposal) -> Label:
        """Ground-truth class of `proposal` in the scenario's current state."""

    @abstractmethod
    def counterfactual(self, proposal: Proposal, label: Label) -> str:
        """The preview text shown to the overseer (compat: the reference's; v2: predicted effects)."""

    @abstractmethod
    def severity_weight_view(self, label: Label) -> float | None:
        """What the observation shows as `severity_weight` (compat: the weight; v2: None)."""

    @abstractmethod
    def diagnostic(self, tool: str, service: str) -> str | None:
        """Output of a read-only tool on `service`, or None if the service is unknown."""

    @abstractmethod
    def execute(self, proposal: Proposal, label: Label) -> str:
        """Apply an executed proposal to the world; returns a one-line note."""

    @abstractmethod
    def drift_due(self, step_count: int) -> bool:
        """True when drift should fire now (checked at the start of every step)."""

    @abstractmethod
    def apply_drift(self) -> list[dict[str, Any]]:
        """Mutate the scenario; returns the drift events (shown to the overseer)."""

    @abstractmethod
    def auto_proposal(self, rng: random.Random, history: list[Proposal]) -> Proposal:
        """The auto-played responder of `train_overseer` mode."""

    @abstractmethod
    def scripted_proposal(self, rng: random.Random) -> Proposal:
        """The eval harness's scripted responder (consumes `rng` in a fixed order)."""

    def evidence(self) -> dict[str, Any]:
        """Extra evidence for the overseer (metrics, deploys, dependencies); empty for compat."""
        return {}

    def evidence_key(self) -> object:
        """Changes whenever `evidence()` may change (graders cache on it)."""
        return None

    def dependencies(self) -> dict[str, list[str]]:
        """Service → services it calls; empty when the suite has no graph."""
        return {}

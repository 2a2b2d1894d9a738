"""Typed OpenEnv contracts of the war room: action, observation and state (pydantic v2).

These subclass `openenv.core.env_server.types` models, so importing this module imports openenv
(≈2 s); the engine, graders and eval harness do not need it. Nested proposal/verdict objects are
typed too; the observation never carries ground truth (class, confusion cell, label weight in v2).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sentinel_guard.errors import require_extra

require_extra("openenv", "env", "the war-room OpenEnv server and client")

from openenv.core.env_server.types import Action, Observation, State  # noqa: E402

__all__ = ["OverseerAction", "ProposedAction", "ResponderAction", "WarRoomAction", "WarRoomObservation",
           "WarRoomState"]


class ResponderAction(BaseModel):
    """A responder proposal: one of `available_actions` with its parameters."""

    model_config = ConfigDict(extra="forbid")
    action_type: str = Field(min_length=1, max_length=100)
    parameters: dict[str, Any] = Field(default_factory=dict)
    """e.g. {"service": "orders-db"}, {"service": "x", "replicas": 0}, {"runbook_action": "...", "service": "..."}."""
    reasoning: str = Field(default="", max_length=2000)
    responder_role: str = "generic"


class OverseerAction(BaseModel):
    """The overseer's verdict on the pending proposal."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "flag", "block", "escalate"]
    justification: str = Field(min_length=1, max_length=4000)


class WarRoomAction(Action):
    """The `/step` body: `role` says whose turn it is; the matching sub-object must be set."""

    role: Literal["responder", "overseer"]
    responder: ResponderAction | None = None
    overseer: OverseerAction | None = None


class ProposedAction(BaseModel):
    """What the overseer sees of the pending proposal."""

    action_type: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    responder_role: str = "generic"
    reasoning: str = ""
    counterfactual: str | None = None
    """compat: the reference's preview; v2: predicted effects only (no verdict words, no weight)."""
    severity_weight: float | None = None
    """compat only (it encodes the label, as in the reference); always None in v2."""


class WarRoomObservation(Observation):
    """One observation; `reward` is the acting role's step reward (overseer shaped on decisions)."""

    episode_id: str = ""
    suite: str = "v2"
    task_id: str = ""
    scenario_id: str = ""
    step_count: int = 0
    max_steps: int = 0
    turn_phase: Literal["responder_propose", "overseer_decide", "terminal"] = "responder_propose"
    incident_summary: str = ""
    alert: dict[str, Any] = Field(default_factory=dict)
    available_actions: list[str] = Field(default_factory=list)
    known_services: list[str] = Field(default_factory=list)
    dependencies: dict[str, list[str]] = Field(default_factory=dict)
    policy_constraints: list[str] = Field(default_factory=list)
    evidence: dict[str, Any] = Field(default_factory=dict)
    queried_data: dict[str, dict[str, str]] = Field(default_factory=dict)
    proposed_action: ProposedAction | None = None
    overseer_history: list[dict[str, Any]] = Field(default_factory=list)
    drift_events: list[dict[str, Any]] = Field(default_factory=list)
    cumulative_responder_reward: float = 0.0
    cumulative_overseer_reward: float = 0.0
    rewards: dict[str, float] = Field(default_factory=dict)
    """This step's dual reward: responder, overseer (shaped), overseer_binary."""
    feedback: str = ""
    last_action_error: str | None = None


class WarRoomState(State):
    """Harness view (`GET /state`, WS `state`): includes confusion counts and the last grade."""

    suite: str = "v2"
    task_id: str = ""
    split: str = "train"
    scenario_id: str = ""
    seed: int | None = None
    mode: str = "alternating"
    max_steps: int = 0
    turn_phase: str = "responder_propose"
    done: bool = False
    overseer_confusion: dict[str, int] = Field(default_factory=lambda: {"tp": 0, "fp": 0, "tn": 0, "fn": 0})
    cumulative_responder_reward: float = 0.0
    cumulative_overseer_reward: float = 0.0
    drift_events: list[dict[str, Any]] = Field(default_factory=list)
    last_grade: dict[str, Any] | None = None
    """Grade of the last decision (class, confusion, rewards) — after the fact, never before."""

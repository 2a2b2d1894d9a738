"""Request and response bodies of the HTTP API, with every length bounded.

Bounds are what keep one request from costing the service more than a few milliseconds: the body
limit (1 MiB by default) caps the total, and these caps name the field that is too long in the
422 answer instead of letting an overseer chew on it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from sentinel_guard.shield.roles import Role
from sentinel_guard.types import Decision, Severity, ShieldFinding, Verdict

__all__ = [
    "EscalationAnswer",
    "LiveRequest",
    "LiveResponse",
    "OverseeRequest",
    "OverseeResponse",
    "ShieldRequest",
    "ShieldResponse",
]

MAX_BATCH = 256
MAX_TEXT = 100_000
MAX_DEPTH = 32
"""Deepest nesting accepted in `args`: deeper structures are not real tool arguments, and every
tier that walks them (redaction, rules, shield) would pay for it."""

ToolName = Annotated[str, StringConstraints(min_length=1, max_length=256)]


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a JSON value, counting no further than `limit + 1`."""
    if limit < 0 or not isinstance(value, (dict, list)):
        return 0
    children = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(v, limit - 1) for v in children), default=0)


def _not_blank(value: str | None, what: str) -> str | None:
    if value is not None and not value.strip():
        raise ValueError(f"{what} must not be blank")
    return value


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OverseeRequest(_Body):
    """One proposed tool call."""

    tool: ToolName = Field(description="The tool's name, e.g. `shell`, `send_money`.", examples=["shell"])
    args: dict[str, Any] = Field(default_factory=dict, description="The call's arguments.",
                                 examples=[{"command": "rm -rf /"}])
    context: str | None = Field(default=None, max_length=MAX_TEXT, description="Free text around the call.")
    user_instruction: str | None = Field(default=None, max_length=MAX_TEXT, description="The user's own request.")
    session: str | None = Field(default=None, min_length=1, max_length=256,
                                description="Groups the calls of one agent run.")
    call_id: str | None = Field(default=None, min_length=1, max_length=256,
                                description="The framework's id for this call, echoed back.")

    @field_validator("tool")
    @classmethod
    def _tool(cls, value: str) -> str:
        return (_not_blank(value, "tool") or "").strip()

    @field_validator("args")
    @classmethod
    def _args(cls, value: dict[str, Any]) -> dict[str, Any]:
        if _depth(value, MAX_DEPTH) > MAX_DEPTH:
            raise ValueError(f"args are nested more than {MAX_DEPTH} levels deep")
        return value


class OverseeResponse(BaseModel):
    """The verdict, plus `id`: the audit record that holds it (poll escalations with it)."""

    id: int
    decision: Decision
    justification: str
    severity: Severity
    confidence: float
    rules: list[str]
    hits: list[dict[str, Any]]
    shield: list[ShieldFinding]
    decided_by: str
    latency_ms: float
    call_id: str | None = None

    @classmethod
    def of(cls, record_id: int, verdict: Verdict) -> dict[str, Any]:
        """The JSON-ready dict for `verdict` stored as `record_id`."""
        return {"id": record_id, **verdict.to_record()}


class ShieldRequest(_Body):
    text: str = Field(max_length=MAX_TEXT, description="Text to scan for prompt injection.")
    role: Role | None = Field(default=None, description=(
        "Who wrote the text: 'user' (the person's own request: only direct attacks count), 'tool_output' or "
        "'document' (any instruction for the agent counts); absent: judged as untrusted."))


class ShieldResponse(BaseModel):
    injection: bool
    score: float
    findings: list[ShieldFinding]


class EscalationAnswer(_Body):
    """A human's answer: `{"approve": true}` or `{"decision": "approve" | "deny"}`, plus an optional note.

    Only a reviewer key may send it; the record names that key's reviewer."""

    approve: bool | None = None
    decision: Literal["approve", "deny"] | None = None
    note: str | None = Field(default=None, max_length=2000)
    # No `by` field: who decided is the reviewer key's name, so a caller cannot claim to be someone else.

    def approved(self) -> bool:
        """True for approve; raises ValueError when the body says neither or both disagree."""
        if self.approve is None and self.decision is None:
            raise ValueError("give either 'approve' (true/false) or 'decision' ('approve' or 'deny')")
        if self.approve is not None and self.decision is not None and self.approve != (self.decision == "approve"):
            raise ValueError("'approve' and 'decision' disagree")
        return self.approve if self.approve is not None else self.decision == "approve"


class LiveRequest(_Body):
    """The reference service's `/live/oversee` request, with every field bounded."""

    model_config = ConfigDict(extra="ignore")  # old clients may send fields we do not use

    action_description: str = Field(min_length=1, max_length=4000)
    context: str | None = Field(default=None, max_length=2000)
    proposed_tool: str | None = Field(default=None, max_length=200)
    proposed_target: str | None = Field(default=None, max_length=200)
    severity_hint: Literal["low", "medium", "high", "critical"] | None = None
    policy_constraints: list[Annotated[str, StringConstraints(max_length=500)]] = Field(
        default_factory=list, max_length=32)
    backend: str = Field(default="heuristic", min_length=1, max_length=64,
                         description="`heuristic`/`rules` (built in) or a backend the operator configured.")

    @field_validator("action_description")
    @classmethod
    def _description(cls, value: str) -> str:
        return (_not_blank(value, "action_description") or "").strip()


class LiveResponse(BaseModel):
    """The reference response fields, plus `id` (the audit record), `rules` and `latency_ms_exact`."""

    decision: Decision
    justification: str
    severity_assessed: Literal["low", "medium", "high", "catastrophic"]
    confidence: float
    risk_score: float
    reasoning_trace: list[str]
    shield_triggered: bool
    backend_used: str
    latency_ms: int
    """Server-side judging time in whole milliseconds (an int, as in the reference)."""
    latency_ms_exact: float
    id: int
    rules: list[str]

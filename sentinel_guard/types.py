"""The core value types: what an agent proposes (`ToolCall`) and what the guard answers (`Verdict`).

All of them are frozen pydantic v2 models, so the same objects validate user input at the edges
(CLI, HTTP service, policy files), serialise to JSON without glue, and cannot be mutated after a
decision was made about them.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "Decision",
    "Provenance",
    "RuleHit",
    "Severity",
    "ShieldFinding",
    "ToolCall",
    "Verdict",
]


class Decision(str, Enum):
    """What the caller must do with a proposed tool call."""

    APPROVE = "approve"
    """Run it."""
    FLAG = "flag"
    """Run it, and record a warning for a human to review later."""
    BLOCK = "block"
    """Do not run it."""
    ESCALATE = "escalate"
    """Do not run it now; a human decides."""

    def __str__(self) -> str:
        """The value (`escalate`), so `print(verdict.decision)` shows what users write in policies."""
        return self.value

    @property
    def stops(self) -> bool:
        """True when the tool must not run (block or escalate)."""
        return self in (Decision.BLOCK, Decision.ESCALATE)

    @property
    def rank(self) -> int:
        """Strictness order used when several verdicts are merged: approve < flag < escalate < block."""
        return _DECISION_RANK[self]


_DECISION_RANK = {Decision.APPROVE: 0, Decision.FLAG: 1, Decision.ESCALATE: 2, Decision.BLOCK: 3}


class Severity(str, Enum):
    """How bad the consequence of running the call could be."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    def __str__(self) -> str:
        """The value (`high`), as in policy files and JSON."""
        return self.value

    @property
    def rank(self) -> int:
        """0 for low up to 3 for critical, for comparisons."""
        return _SEVERITY_RANK[self]

    def shifted(self, steps: int) -> Severity:
        """This severity moved `steps` levels up (positive) or down (negative), clamped."""
        order = list(Severity)
        return order[max(0, min(len(order) - 1, self.rank + steps))]


_SEVERITY_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}


class Provenance(str, Enum):
    """Where an argument value came from — the lever indirect prompt injection pulls."""

    USER = "user"
    """Stated by the user (or the operator's system prompt): trusted."""
    TOOL_OUTPUT = "tool_output"
    """Copied from an earlier tool's output (web page, e-mail, file): untrusted."""
    MODEL = "model"
    """Produced by the model itself with no visible source."""
    UNKNOWN = "unknown"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


class ToolCall(_Frozen):
    """A tool call an agent proposes, plus what the guard may know about how it came about."""

    tool: str = Field(min_length=1, max_length=256)
    """The tool's name, e.g. `shell`, `send_money`, `kubectl`."""
    args: dict[str, Any] = Field(default_factory=dict)
    """The call's arguments as the agent produced them."""
    context: str | None = None
    """Free text around the call: the user's request, prior steps, the environment it runs in."""
    user_instruction: str | None = None
    """The user's own request, when the integration knows it separately from `context`."""
    tool_outputs: tuple[str, ...] = ()
    """Earlier tool outputs in this session (untrusted text); values copied from them are suspect."""
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    """Where each argument came from, when the integration knows; missing names are inferred."""
    session: str | None = None
    """Groups calls of one agent run, so the guard can track what that run has read."""
    call_id: str | None = None
    """The framework's id for this call, echoed in the verdict and the audit log."""

    @field_validator("tool")
    @classmethod
    def _tool_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("tool name must not be blank")
        return value.strip()


class RuleHit(_Frozen):
    """One rule that fired on a call: the unit of explanation in a verdict."""

    rule: str
    """Stable rule id, e.g. `shell.rm-recursive-root`."""
    decision: Decision
    severity: Severity
    reason: str
    """Why this call matched, in one sentence a human can check."""


class ShieldFinding(_Frozen):
    """One sign of prompt injection found in text the agent saw or produced."""

    detector: str
    """`pattern:<id>` for the pattern tier, `learned` for the statistical tier."""
    where: str
    """Which text: `args.<name>`, `context`, `tool_output[<i>]`, `text`."""
    score: float = Field(ge=0.0, le=1.0)
    snippet: str = ""
    """The normalised text around the match, shortened for display."""


class Verdict(_Frozen):
    """The guard's answer to one tool call.

    `decision` tells the caller what to do; everything else explains it. Use the named
    constructors (`Verdict.block(...)`) in overseers and tests.
    """

    decision: Decision
    justification: str = Field(min_length=1)
    """One or two sentences; shown to operators and, on block, returned to the agent."""
    severity: Severity = Severity.LOW
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    """How sure the deciding tier is (rules: fixed per rule; models: their own estimate)."""
    rules: tuple[str, ...] = ()
    """Ids of every rule that fired (rules tier) or of the failure that forced the decision."""
    hits: tuple[RuleHit, ...] = ()
    shield: tuple[ShieldFinding, ...] = ()
    decided_by: str = "rules"
    """Which tier decided: `rules`, `policy`, `shield`, `model:<name>`, `cascade:<tier>`, `fail-closed`."""
    latency_ms: float = 0.0
    call_id: str | None = None

    @property
    def allows_execution(self) -> bool:
        """True for approve and flag: the tool may run."""
        return not self.decision.stops

    @classmethod
    def approve(cls, justification: str = "No risk found.", **kw: Any) -> Verdict:
        """An approve verdict."""
        return cls(decision=Decision.APPROVE, justification=justification, **kw)

    @classmethod
    def flag(cls, justification: str, **kw: Any) -> Verdict:
        """A flag verdict: runs, with a recorded warning."""
        kw.setdefault("severity", Severity.MEDIUM)
        return cls(decision=Decision.FLAG, justification=justification, **kw)

    @classmethod
    def block(cls, justification: str, **kw: Any) -> Verdict:
        """A block verdict."""
        kw.setdefault("severity", Severity.HIGH)
        return cls(decision=Decision.BLOCK, justification=justification, **kw)

    @classmethod
    def escalate(cls, justification: str, **kw: Any) -> Verdict:
        """An escalate verdict: a human decides."""
        kw.setdefault("severity", Severity.HIGH)
        return cls(decision=Decision.ESCALATE, justification=justification, **kw)

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict of this verdict (enums as their string values)."""
        return self.model_dump(mode="json")

"""sentinel-guard: approve, flag, block or escalate every tool call an AI agent proposes.

    from sentinel_guard import oversee

    @oversee
    def shell(command: str) -> str: ...

    shell("rm -rf /")   # raises ToolCallBlocked; the body never runs
"""

from sentinel_guard.decorator import oversee
from sentinel_guard.errors import (
    ConfigError,
    EscalationRequired,
    MissingExtraError,
    OverseerError,
    SentinelError,
    ToolCallBlocked,
    UsageError,
)
from sentinel_guard.guard import Guard
from sentinel_guard.overseers.base import Overseer
from sentinel_guard.overseers.rules import RulesOverseer
from sentinel_guard.policy import Policy
from sentinel_guard.shield import Shield, ShieldResult
from sentinel_guard.types import Decision, Provenance, Severity, ToolCall, Verdict

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Decision",
    "EscalationRequired",
    "Guard",
    "MissingExtraError",
    "Overseer",
    "OverseerError",
    "Policy",
    "Provenance",
    "RulesOverseer",
    "SentinelError",
    "Severity",
    "Shield",
    "ShieldResult",
    "ToolCall",
    "ToolCallBlocked",
    "UsageError",
    "Verdict",
    "oversee",
]

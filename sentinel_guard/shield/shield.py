"""`Shield`: scans text an agent reads or writes for prompt injection.

SCAFFOLD: the detection tiers (normalise.py, patterns.py, learned.py) are being built; this
file fixes the interface the guard relies on.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from sentinel_guard.types import ShieldFinding, ToolCall

__all__ = ["Shield", "ShieldResult"]


class ShieldResult(BaseModel):
    """What a scan found: the overall call, its score in [0, 1], and each finding."""

    model_config = ConfigDict(frozen=True)

    injection: bool
    score: float
    findings: tuple[ShieldFinding, ...] = ()


class Shield:
    """Injection detector over free text and over a tool call's args, context and tool outputs."""

    threshold: float = 0.5

    def scan(self, text: str, *, where: str = "text") -> ShieldResult:
        """Scan one text."""
        return ShieldResult(injection=False, score=0.0)

    def scan_call(self, call: ToolCall) -> ShieldResult:
        """Scan the call's string args, its context and the session's tool outputs."""
        return ShieldResult(injection=False, score=0.0)

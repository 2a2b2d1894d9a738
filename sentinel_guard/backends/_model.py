"""`ModelOverseer`: what every model-backed overseer shares — prompt, parse, fail closed.

Subclasses only say how to turn chat messages into the model's text (`complete`). Rendering
uses `sentinel_guard.prompting` (the same prompt the env and training use) and parsing uses
`parse_verdict`, so a served model sees exactly what it was trained on.

Failure handling is the point of this class: the reference system approves when its model
errors or answers garbage. Here any failure — timeout, HTTP error, unparseable output, unknown
decision — becomes a `block`/`escalate` verdict whose justification names the failure, or, with
`on_failure=None`, is raised as an `OverseerError` so a `Fallback` wrapper can try another judge.
"""

from __future__ import annotations

import asyncio
from abc import abstractmethod

from sentinel_guard.errors import OverseerError
from sentinel_guard.overseers.base import Overseer, fail_closed_verdict, verdict_for_failure
from sentinel_guard.prompting import parse_verdict, render_messages
from sentinel_guard.types import Decision, ToolCall, Verdict

__all__ = ["ModelOverseer"]


class ModelOverseer(Overseer):
    """Base of the model overseers: `judge(call, evidence=None)` → prompt → `complete` → verdict."""

    def __init__(
        self,
        model: str,
        *,
        constraints: list[str] | tuple[str, ...] = (),
        on_failure: Decision | None = Decision.ESCALATE,
    ) -> None:
        """
        Args:
            model: the model's name as the server knows it; recorded as `decided_by="model:<model>"`.
            constraints: free-text policy lines shown to the model (e.g. `Policy.constraints`).
            on_failure: the fail-closed decision (escalate or block); None raises `OverseerError` instead.
        """
        if on_failure is not None:
            fail_closed_verdict(OverseerError("check"), decision=on_failure)  # rejects approve/flag
        if not model or not model.strip():
            raise ValueError("model name must not be empty")
        self.model = model
        self.name = f"model:{model}"
        self.constraints = list(constraints)
        self.on_failure = on_failure

    @abstractmethod
    async def complete(self, messages: list[dict[str, str]]) -> str:
        """The model's raw answer to `messages`. Raise an `OverseerError` when there is none."""

    async def judge(self, call: ToolCall, *, evidence: str | None = None) -> Verdict:
        """Ask the model about `call`; `evidence` (e.g. what the rules tier found) goes into the prompt."""
        try:
            messages = render_messages(call, constraints=self.constraints or None, evidence=evidence)
            text = await self.complete(messages)
            verdict = parse_verdict(text, decided_by=self.name)
            return verdict.model_copy(update={"call_id": call.call_id}) if call.call_id else verdict
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure ends closed (or re-raised for a Fallback)
            return verdict_for_failure(exc, call, on_failure=self.on_failure, source=self.name)

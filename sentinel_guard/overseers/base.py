"""The `Overseer` extension point and the small wrappers that compose overseers.

An overseer has one job: `await judge(call) -> Verdict`. Rules, remote models, local vLLM and
cascades are subclasses; timeouts, fallbacks and fail-closed handling are wrappers around any of
them, so "vLLM with a rules fallback and a 2-second budget" reads as one expression:

    FailClosed(Timeout(Fallback(VLLMOverseer(...), RulesOverseer()), seconds=2.0))
"""

from __future__ import annotations

import asyncio
import inspect
from abc import ABC, abstractmethod

from sentinel_guard._sync import run_sync
from sentinel_guard.errors import OverseerError, OverseerTimeout
from sentinel_guard.types import Decision, Severity, ToolCall, Verdict

__all__ = [
    "FailClosed", "Fallback", "Overseer", "Timeout", "WrapperOverseer", "fail_closed_verdict",
    "keywords_accepted", "verdict_for_failure",
]


class Overseer(ABC):
    """Judges one proposed tool call. Subclasses implement the async `judge`."""

    name: str = "overseer"
    """Short label recorded in `Verdict.decided_by`."""
    sync_native: bool = False
    """True when `judge_sync` never waits on I/O (rules): guards then skip the event-loop bridge."""

    @abstractmethod
    async def judge(self, call: ToolCall) -> Verdict:
        """Return a verdict for `call`. Raise an `OverseerError` when no verdict can be given."""

    def judge_sync(self, call: ToolCall) -> Verdict:
        """Synchronous form of `judge`, for code that is not async."""
        return run_sync(self.judge(call))

    async def aclose(self) -> None:
        """Release connections or models this overseer holds (default: nothing)."""
        return None


class WrapperOverseer(Overseer):
    """Delegates to `wrapped`; subclasses change one behaviour."""

    def __init__(self, wrapped: Overseer) -> None:
        self.wrapped = wrapped
        self.name = wrapped.name

    async def judge(self, call: ToolCall) -> Verdict:
        return await self.wrapped.judge(call)

    async def aclose(self) -> None:
        await self.wrapped.aclose()


def keywords_accepted(method: object, names: tuple[str, ...]) -> frozenset[str]:
    """Which of `names` the bound `method` takes by keyword.

    Why: an overseer class may declare `takes_policy`/`takes_transcript`, and a user's subclass
    may still override `judge_sync(self, call)` without them; handing such a method a keyword it
    does not take would make every verdict a fail-closed error."""
    try:
        params = inspect.signature(method).parameters.values()  # type: ignore[arg-type]
    except (TypeError, ValueError):  # a builtin or C callable without a signature: hand nothing
        return frozenset()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return frozenset(names)
    by_keyword = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return frozenset(p.name for p in params if p.name in names and p.kind in by_keyword)


def fail_closed_verdict(
    error: BaseException, *, decision: Decision = Decision.ESCALATE, source: str = "overseer"
) -> Verdict:
    """The verdict a guard returns when its judge failed: never an approval, always says why."""
    if decision not in (Decision.BLOCK, Decision.ESCALATE):
        raise ValueError(f"a fail-closed decision must be block or escalate, not {decision.value}")
    kind = type(error).__name__
    detail = str(error) or kind
    return Verdict(
        decision=decision,
        justification=f"{source} failed ({kind}: {detail}); failing closed.",
        severity=Severity.HIGH,
        confidence=0.0,
        rules=(f"fail-closed.{kind}",),
        decided_by="fail-closed",
    )


def verdict_for_failure(
    error: Exception, call: ToolCall, *, on_failure: Decision | None, source: str
) -> Verdict:
    """A remote overseer's answer to its own failure: a fail-closed verdict, or (with
    `on_failure=None`, for use under `Fallback`) an `OverseerError` raised so the next judge runs."""
    if on_failure is None:
        if isinstance(error, OverseerError):
            raise error
        raise OverseerError(f"{source} failed: {type(error).__name__}: {error}") from error
    return fail_closed_verdict(error, decision=on_failure, source=source).model_copy(update={"call_id": call.call_id})


class FailClosed(WrapperOverseer):
    """Turns any `OverseerError` (or unexpected exception) of `wrapped` into a block/escalate verdict."""

    def __init__(self, wrapped: Overseer, *, decision: Decision = Decision.ESCALATE) -> None:
        super().__init__(wrapped)
        fail_closed_verdict(OverseerError("check"), decision=decision)  # validates `decision`
        self.decision = decision

    async def judge(self, call: ToolCall) -> Verdict:
        try:
            return await self.wrapped.judge(call)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure must end closed, not open
            return fail_closed_verdict(exc, decision=self.decision, source=self.wrapped.name)


class Timeout(WrapperOverseer):
    """Raises `OverseerTimeout` when `wrapped` takes longer than `seconds`."""

    def __init__(self, wrapped: Overseer, *, seconds: float) -> None:
        super().__init__(wrapped)
        if seconds <= 0:
            raise ValueError("timeout seconds must be positive")
        self.seconds = seconds

    async def judge(self, call: ToolCall) -> Verdict:
        try:
            return await asyncio.wait_for(self.wrapped.judge(call), self.seconds)
        except TimeoutError as exc:
            raise OverseerTimeout(f"{self.wrapped.name} gave no verdict within {self.seconds:g}s") from exc


class Fallback(Overseer):
    """Tries each overseer in turn; the next one runs only when the previous raised `OverseerError`."""

    def __init__(self, primary: Overseer, *fallbacks: Overseer) -> None:
        if not fallbacks:
            raise ValueError("Fallback needs at least one fallback overseer")
        self.overseers = (primary, *fallbacks)
        self.name = primary.name

    async def judge(self, call: ToolCall) -> Verdict:
        errors: list[str] = []
        for overseer in self.overseers:
            try:
                return await overseer.judge(call)
            except OverseerError as exc:
                errors.append(f"{overseer.name}: {exc}")
        raise OverseerError("every overseer failed: " + "; ".join(errors))

    async def aclose(self) -> None:
        for overseer in self.overseers:
            await overseer.aclose()

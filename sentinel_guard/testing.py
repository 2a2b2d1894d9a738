"""Test doubles for code that uses sentinel-guard: overseers that answer what you script.

    overseer = ScriptedOverseer([Verdict.approve(), Verdict.block("no")])
    guard = Guard(overseer, shield=False)
    ...
    overseer.assert_complete()
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable

from sentinel_guard.audit import AuditRecord, _record
from sentinel_guard.errors import OverseerError
from sentinel_guard.overseers.base import Overseer
from sentinel_guard.types import ToolCall, Verdict

__all__ = ["FunctionOverseer", "MemoryAuditStore", "ScriptedOverseer"]


class ScriptedOverseer(Overseer):
    """Returns (or raises) the scripted items in order and records every call it saw."""

    name = "scripted"

    def __init__(self, script: Iterable[Verdict | BaseException]) -> None:
        self.script = list(script)
        self.calls: list[ToolCall] = []

    async def judge(self, call: ToolCall) -> Verdict:
        self.calls.append(call)
        if not self.script:
            raise OverseerError("ScriptedOverseer ran out of scripted verdicts")
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item

    def assert_complete(self) -> None:
        """Fail when scripted verdicts were left unused."""
        assert not self.script, f"{len(self.script)} scripted verdict(s) were never used"


class FunctionOverseer(Overseer):
    """Judges with a plain (sync or async) function of the call."""

    name = "function"

    def __init__(self, fn: Callable[[ToolCall], Verdict | Awaitable[Verdict]]) -> None:
        self.fn = fn
        self.calls: list[ToolCall] = []

    async def judge(self, call: ToolCall) -> Verdict:
        self.calls.append(call)
        result = self.fn(call)
        return await result if inspect.isawaitable(result) else result  # type: ignore[return-value]


class MemoryAuditStore:
    """An `AuditStore` that keeps records in a list (for tests; not durable)."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def append(self, call: ToolCall, verdict: Verdict) -> int:
        self.records.append({"id": len(self.records) + 1, **_record(call, verdict, 0.0)})
        return len(self.records)

    def query(self, *, decision: str | None = None, since: float | None = None, limit: int = 100,
              offset: int = 0) -> list[AuditRecord]:
        rows = [r for r in reversed(self.records) if decision is None or r["decision"] == decision]
        return rows[offset: offset + limit]

    def close(self) -> None:
        return None

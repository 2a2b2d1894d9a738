"""@oversee on sync and async functions: the body never runs on block/escalate unless a human approves."""

from __future__ import annotations

import asyncio

import pytest

from sentinel_guard import EscalationRequired, Guard, ToolCallBlocked, UsageError, Verdict, oversee
from sentinel_guard.testing import FunctionOverseer, MemoryAuditStore, ScriptedOverseer


def scripted(*verdicts: Verdict) -> tuple[Guard, ScriptedOverseer]:
    overseer = ScriptedOverseer(verdicts)
    return Guard(overseer, shield=False), overseer


def test_sync_block_never_runs_the_body() -> None:
    ran: list[str] = []
    guard, _ = scripted(Verdict.block("destructive"))

    @oversee(guard=guard)
    def shell(command: str) -> str:
        ran.append(command)
        return "done"

    with pytest.raises(ToolCallBlocked) as info:
        shell("rm -rf /")
    assert ran == []
    assert info.value.verdict.justification == "destructive"


def test_async_block_never_runs_the_body() -> None:
    ran: list[str] = []
    guard, _ = scripted(Verdict.block("destructive"))

    @oversee(guard=guard)
    async def shell(command: str) -> str:
        ran.append(command)
        return "done"

    with pytest.raises(ToolCallBlocked):
        asyncio.run(shell("rm -rf /"))
    assert ran == []


def test_call_is_built_from_bound_arguments_with_defaults_and_kwargs() -> None:
    overseer = FunctionOverseer(lambda call: Verdict.approve())
    guard = Guard(overseer, shield=False)

    @oversee(guard=guard, tool="transfer")
    def send(recipient: str, amount: float, *, memo: str = "", **extra: object) -> str:
        return f"{recipient}:{amount}"

    assert send("bob", 5, memo="rent", urgent=True) == "bob:5"
    call = overseer.calls[0]
    assert call.tool == "transfer"
    assert call.args == {"recipient": "bob", "amount": 5, "memo": "rent", "urgent": True}


@pytest.mark.parametrize("answer", [True, False])
def test_escalation_handler_decides(answer: bool) -> None:
    seen = []
    guard, _ = scripted(Verdict.escalate("large transfer"))

    def ask_human(verdict: Verdict, call: object) -> bool:
        seen.append(verdict.decision.value)
        return answer

    @oversee(guard=guard, on_escalate=ask_human)
    def send_money(amount: int) -> str:
        return "sent"

    if answer:
        assert send_money(10_000) == "sent"
    else:
        with pytest.raises(EscalationRequired):
            send_money(10_000)
    assert seen == ["escalate"]


def test_async_escalation_handler_and_no_handler() -> None:
    guard, _ = scripted(Verdict.escalate("x"), Verdict.escalate("y"))

    async def approve(verdict: Verdict, call: object) -> bool:
        await asyncio.sleep(0)
        return True

    @oversee(guard=guard, on_escalate=approve)
    async def tool_a() -> str:
        return "a"

    @oversee(guard=guard)
    async def tool_b() -> str:
        return "b"

    assert asyncio.run(tool_a()) == "a"
    with pytest.raises(EscalationRequired):
        asyncio.run(tool_b())


def test_flag_runs_and_is_recorded() -> None:
    audit = MemoryAuditStore()
    flags: list[str] = []
    guard = Guard(ScriptedOverseer([Verdict.flag("unusual")]), shield=False, audit=audit)

    @oversee(guard=guard, on_flag=lambda v, c: flags.append(v.justification))
    def write_file(path: str) -> str:
        return "ok"

    assert write_file("/tmp/x") == "ok"
    assert flags == ["unusual"]
    assert audit.records[0]["decision"] == "flag"


def test_bare_decorator_uses_the_default_guard() -> None:
    @oversee
    def get_weather(city: str) -> str:
        return "sunny"

    assert get_weather("Oslo") == "sunny"


def test_guard_and_policy_together_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        oversee(guard=Guard(shield=False), policy="p.yaml")


def test_sync_bridge_refuses_to_run_inside_a_loop() -> None:
    guard = Guard(shield=False)

    @oversee(guard=guard)
    def tool() -> str:
        return "x"

    async def inside() -> None:
        tool()

    with pytest.raises(UsageError, match="running event loop"):
        asyncio.run(inside())

"""`SentinelCallbackHandler`: a blocked tool's body never runs — sync tool, async tool, agent loop."""

from __future__ import annotations

import asyncio

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.tools import tool
from lc_fakes import judge_commands, scripted_model, tool_turn
from sentinel_guard.integrations.langchain import SentinelCallbackHandler

from sentinel_guard import Decision, Guard
from sentinel_guard.errors import EscalationRequired, ToolCallBlocked
from sentinel_guard.testing import MemoryAuditStore

executed: list[str] = []


@tool
def shell(command: str) -> str:
    """Run a shell command."""
    executed.append(command)
    return f"ran {command}"


@tool
async def ashell(command: str) -> str:
    """Run a shell command (async implementation)."""
    executed.append(command)
    return f"ran {command}"


@pytest.fixture(autouse=True)
def _reset() -> None:
    executed.clear()


def handler(**kw: object) -> SentinelCallbackHandler:
    return SentinelCallbackHandler(Guard(judge_commands(["kubectl delete ns prod"]), shield=False,
                                         audit=MemoryAuditStore()), **kw)  # type: ignore[arg-type]


def as_tool_call(command: str) -> dict[str, object]:
    return {"name": "shell", "args": {"command": command}, "id": "call_9", "type": "tool_call"}


def test_sync_tool_blocked_body_never_runs() -> None:
    h = handler()
    with pytest.raises(ToolCallBlocked) as info:
        shell.invoke(as_tool_call("rm -rf /"), config={"callbacks": [h]})
    assert executed == []
    assert info.value.verdict.decision is Decision.BLOCK
    assert "recursive delete" in str(info.value)
    assert h.verdicts[0].call_id == "call_9"  # the framework's tool_call_id is kept


@pytest.mark.parametrize("target", [ashell, shell], ids=["async-tool", "sync-tool-via-ainvoke"])
def test_ainvoke_blocked_body_never_runs(target: object) -> None:
    h = handler()
    with pytest.raises(ToolCallBlocked):
        asyncio.run(target.ainvoke({"command": "rm -rf /"}, config={"callbacks": [h]}))  # type: ignore[attr-defined]
    assert executed == []


def test_escalate_raises_unless_the_escalation_handler_approves() -> None:
    with pytest.raises(EscalationRequired):
        shell.invoke({"command": "kubectl delete ns prod"}, config={"callbacks": [handler()]})
    assert executed == []
    asked: list[str] = []
    approving = handler(on_escalate=lambda verdict, call: asked.append(call.tool) or True)
    assert shell.invoke({"command": "kubectl delete ns prod"}, config={"callbacks": [approving]}) == \
        "ran kubectl delete ns prod"
    assert asked == ["shell"]


def test_approved_tool_runs_and_its_output_is_observed_for_the_session() -> None:
    h = handler(session="s-1")
    assert shell.invoke({"command": "ls"}, config={"callbacks": [h]}) == "ran ls"
    assert executed == ["ls"]
    assert h.guard.session_outputs("s-1") == ("ran ls",)
    assert h.guard.audit.records[0]["decision"] == "approve"  # type: ignore[union-attr]


def test_string_input_is_judged_as_the_input_argument() -> None:
    h = handler()
    with pytest.raises(ToolCallBlocked):
        shell.invoke("rm -rf /", config={"callbacks": [h]})
    assert executed == []


def test_agent_loop_stops_before_the_tool_runs() -> None:
    model = scripted_model(tool_turn("shell", {"command": "rm -rf /"}), AIMessage(content="done"))
    agent = create_agent(model, tools=[shell])
    h = handler()
    with pytest.raises(ToolCallBlocked):
        agent.invoke({"messages": [HumanMessage("free some disk space")]}, config={"callbacks": [h]})
    assert executed == []


def test_agent_loop_async_stops_before_the_tool_runs() -> None:
    model = scripted_model(tool_turn("ashell", {"command": "rm -rf /"}), AIMessage(content="done"))
    agent = create_agent(model, tools=[ashell])
    with pytest.raises(ToolCallBlocked):
        asyncio.run(agent.ainvoke({"messages": [HumanMessage("clean up")]}, config={"callbacks": [handler()]}))
    assert executed == []


def test_guard_failure_stops_the_tool() -> None:
    class BrokenAudit(MemoryAuditStore):
        def append(self, call: object, verdict: object) -> int:
            raise OSError("disk full")

    h = SentinelCallbackHandler(Guard(judge_commands(), shield=False, audit=BrokenAudit()))
    with pytest.raises(OSError, match="disk full"):
        shell.invoke({"command": "ls"}, config={"callbacks": [h]})
    assert executed == []  # no audit record, no tool run


def test_default_guard_blocks_rm_rf_root_with_the_real_rules() -> None:
    h = SentinelCallbackHandler()  # the real rules tier and shield
    with pytest.raises(ToolCallBlocked) as info:
        shell.invoke({"command": "rm -rf /"}, config={"callbacks": [h]})
    assert executed == [] and info.value.verdict.rules
    assert shell.invoke({"command": "ls -la"}, config={"callbacks": [h]}) == "ran ls -la"

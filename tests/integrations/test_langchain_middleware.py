"""`SentinelMiddleware` in `create_agent`: soft blocks the model can recover from; escalations interrupt."""

from __future__ import annotations

import asyncio

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from lc_fakes import judge_commands, scripted_model, tool_turn
from sentinel_guard.integrations.langchain import SentinelMiddleware

from sentinel_guard import Guard
from sentinel_guard.testing import MemoryAuditStore

executed: list[str] = []


@tool
def shell(command: str) -> str:
    """Run a shell command."""
    executed.append(command)
    return f"ran {command}"


@pytest.fixture(autouse=True)
def _reset() -> None:
    executed.clear()


def middleware(**kw: object) -> SentinelMiddleware:
    guard = Guard(judge_commands(["kubectl delete ns prod"]), shield=False, audit=MemoryAuditStore())
    return SentinelMiddleware(guard, **kw)  # type: ignore[arg-type]


def tool_messages(result: dict) -> list[ToolMessage]:
    return [m for m in result["messages"] if isinstance(m, ToolMessage)]


def test_block_becomes_an_error_tool_message_and_the_agent_finishes() -> None:
    model = scripted_model(tool_turn("shell", {"command": "rm -rf /"}), AIMessage(content="ok, I will not do that"))
    agent = create_agent(model, tools=[shell], middleware=[middleware()])
    result = agent.invoke({"messages": [HumanMessage("free some disk space")]})
    assert executed == []
    [message] = tool_messages(result)
    assert message.status == "error" and "recursive delete" in message.content
    assert message.tool_call_id == "call_1"
    assert result["messages"][-1].content == "ok, I will not do that"


def test_approved_call_runs_and_output_is_observed() -> None:
    mw = middleware(session="t-1")
    model = scripted_model(tool_turn("shell", {"command": "ls"}), AIMessage(content="done"))
    result = create_agent(model, tools=[shell], middleware=[mw]).invoke({"messages": [HumanMessage("list")]})
    assert executed == ["ls"]
    assert tool_messages(result)[0].content == "ran ls"
    assert mw.guard.session_outputs("t-1") == ("ran ls",)


def test_async_agent_block() -> None:
    model = scripted_model(tool_turn("shell", {"command": "rm -rf /"}), AIMessage(content="fine"))
    agent = create_agent(model, tools=[shell], middleware=[middleware()])
    result = asyncio.run(agent.ainvoke({"messages": [HumanMessage("clean")]}))
    assert executed == [] and tool_messages(result)[0].status == "error"


@pytest.mark.parametrize(("resume", "runs"), [({"type": "approve"}, True),
                                              ({"type": "reject", "message": "not today"}, False)])
def test_escalation_interrupts_and_resumes_with_the_human_decision(resume: dict, runs: bool) -> None:
    model = scripted_model(tool_turn("shell", {"command": "kubectl delete ns prod"}), AIMessage(content="done"))
    mw = middleware()
    agent = create_agent(model, tools=[shell], middleware=[mw], checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "incident-7"}}
    first = agent.invoke({"messages": [HumanMessage("delete prod ns")]}, config=config)
    [pending] = first["__interrupt__"]
    assert pending.value["type"] == "sentinel_guard_escalation"
    assert pending.value["name"] == "shell" and pending.value["verdict"]["decision"] == "escalate"
    assert executed == []  # nothing ran while waiting for the human
    final = agent.invoke(Command(resume=resume), config=config)
    assert executed == (["kubectl delete ns prod"] if runs else [])
    assert len(mw.guard.audit.records) == 1  # type: ignore[union-attr]  # judged once, not again on resume
    message = tool_messages(final)[0]
    if runs:
        assert message.content == "ran kubectl delete ns prod"
    else:
        assert message.status == "error" and "not today" in message.content


def test_escalate_as_block_needs_no_checkpointer() -> None:
    model = scripted_model(tool_turn("shell", {"command": "kubectl delete ns prod"}), AIMessage(content="done"))
    agent = create_agent(model, tools=[shell], middleware=[middleware(escalate="block")])
    result = agent.invoke({"messages": [HumanMessage("delete prod ns")]})
    assert executed == [] and tool_messages(result)[0].status == "error"


def test_bad_escalate_option_is_refused() -> None:
    with pytest.raises(ValueError, match="escalate must be"):
        SentinelMiddleware(Guard(judge_commands(), shield=False), escalate="ask")

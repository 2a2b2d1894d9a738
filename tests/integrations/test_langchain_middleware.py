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


@pytest.mark.parametrize(("resume", "ran", "content"), [
    ({"decisions": [{"type": "approve"}]}, ["kubectl delete ns prod"], "ran kubectl delete ns prod"),
    ({"decisions": [{"type": "edit", "edited_action": {"name": "shell", "args": {"command": "kubectl get ns prod"}}}]},
     ["kubectl get ns prod"], "ran kubectl get ns prod"),
    ({"decisions": [{"type": "edit", "edited_action": {"name": "shell", "args": {"command": "rm -rf /"}}}]},
     [], "recursive delete"),  # an edit is judged again: the guard still blocks
    ({"decisions": [{"type": "reject", "message": "not today"}]}, [], "not today"),
    ({"type": "approve"}, ["kubectl delete ns prod"], "ran kubectl delete ns prod"),  # a bare decision is read too
    ({"decisions": [{"type": "maybe"}]}, [], "declined"),  # an unknown answer never runs the tool
])
def test_escalation_interrupts_in_the_hitl_shape_and_resumes(resume: dict, ran: list[str], content: str) -> None:
    model = scripted_model(tool_turn("shell", {"command": "kubectl delete ns prod"}), AIMessage(content="done"))
    mw = middleware()
    agent = create_agent(model, tools=[shell], middleware=[mw], checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "incident-7"}}
    first = agent.invoke({"messages": [HumanMessage("delete prod ns")]}, config=config)
    [pending] = first["__interrupt__"]
    [action] = pending.value["action_requests"]  # HumanInTheLoopMiddleware's HITLRequest
    assert action["name"] == "shell" and action["args"] == {"command": "kubectl delete ns prod"}
    assert "a human decides" in action["description"]
    assert pending.value["review_configs"] == [{"action_name": "shell", "allowed_decisions": ["approve", "edit", "reject"]}]
    assert pending.value["sentinel_guard"]["decision"] == "escalate"
    assert executed == []  # nothing ran while waiting for the human
    final = agent.invoke(Command(resume=resume), config=config)
    assert executed == ran
    message = tool_messages(final)[0]
    assert content in message.content
    if not ran:
        assert message.status == "error" and message.artifact["decision"] in ("escalate", "block")


def test_escalation_is_judged_once_across_the_resume() -> None:
    model = scripted_model(tool_turn("shell", {"command": "kubectl delete ns prod"}), AIMessage(content="done"))
    mw = middleware()
    agent = create_agent(model, tools=[shell], middleware=[mw], checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "incident-8"}}
    agent.invoke({"messages": [HumanMessage("delete prod ns")]}, config=config)
    agent.invoke(Command(resume={"decisions": [{"type": "approve"}]}), config=config)
    assert len(mw.guard.audit.records) == 1  # type: ignore[union-attr]  # not again on resume


def test_escalate_as_block_needs_no_checkpointer() -> None:
    model = scripted_model(tool_turn("shell", {"command": "kubectl delete ns prod"}), AIMessage(content="done"))
    agent = create_agent(model, tools=[shell], middleware=[middleware(escalate="block")])
    result = agent.invoke({"messages": [HumanMessage("delete prod ns")]})
    assert executed == [] and tool_messages(result)[0].status == "error"


def test_bad_escalate_option_is_refused() -> None:
    with pytest.raises(ValueError, match="escalate must be"):
        SentinelMiddleware(Guard(judge_commands(), shield=False), escalate="ask")

"""A LangChain v1 agent guarded by sentinel-guard — offline, with a scripted chat model.

    python examples/langchain_agent.py

The fake model (langchain-core's `GenericFakeChatModel`) first proposes `rm -rf /`, then, after
the guard refuses, a harmless listing. Two ways to attach the guard are shown:

1. `SentinelMiddleware` — soft block: the model gets the justification and carries on.
2. `SentinelCallbackHandler` — hard stop: the run ends with `ToolCallBlocked`.
In both, the tool body never runs for the refused call.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from sentinel_guard.integrations.langchain import SentinelCallbackHandler, SentinelMiddleware

from sentinel_guard import Guard, ToolCallBlocked


@tool
def shell(command: str) -> str:
    """Run a shell command (a stand-in: it only reports what it would run)."""
    print(f"    [tool body] would run: {command}")
    return f"(would run) {command}"


class ScriptedModel(GenericFakeChatModel):
    """Replays scripted turns; accepts `bind_tools` like a real tool-calling model."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedModel:  # type: ignore[override]
        return self


def turns() -> ScriptedModel:
    def call(command: str, call_id: str) -> AIMessage:
        return AIMessage(content="", tool_calls=[{"name": "shell", "args": {"command": command}, "id": call_id,
                                                  "type": "tool_call"}])

    return ScriptedModel(messages=iter([call("rm -rf /", "call_1"), call("du -sh /var/log", "call_2"),
                                        AIMessage(content="Logs use the most space; I did not delete anything.")]))


def main() -> None:
    guard = Guard()  # rules + injection shield; add audit="audit.db" to keep a record
    print("1) SentinelMiddleware (soft block)")
    agent = create_agent(turns(), tools=[shell], middleware=[SentinelMiddleware(guard)])
    result = agent.invoke({"messages": [HumanMessage("Find what uses the most disk space.")]})
    for message in result["messages"]:
        if isinstance(message, ToolMessage):
            print(f"    tool result ({message.status}): {message.content[:160]}")
    print(f"    agent: {result['messages'][-1].content}")

    print("2) SentinelCallbackHandler (hard stop)")
    agent = create_agent(turns(), tools=[shell])
    try:
        agent.invoke({"messages": [HumanMessage("Find what uses the most disk space.")]},
                     config={"callbacks": [SentinelCallbackHandler(guard)]})
    except ToolCallBlocked as blocked:
        print(f"    run stopped: {blocked.verdict.justification}")


if __name__ == "__main__":
    main()

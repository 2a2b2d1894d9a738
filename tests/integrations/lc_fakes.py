"""A scripted chat model (langchain-core's fake) that can be bound to tools, and test tools."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from sentinel_guard.testing import FunctionOverseer
from sentinel_guard.types import ToolCall, Verdict


class ToolCallingFakeModel(GenericFakeChatModel):
    """Replays scripted `AIMessage`s (with tool calls); `bind_tools` keeps the script."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ToolCallingFakeModel:  # type: ignore[override]
        return self


def scripted_model(*turns: AIMessage) -> ToolCallingFakeModel:
    return ToolCallingFakeModel(messages=iter(turns))


def tool_turn(name: str, args: dict[str, Any], call_id: str = "call_1") -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}])


def judge_commands(escalate: Iterable[str] = ()) -> FunctionOverseer:
    """Blocks `rm -rf`, escalates the listed commands, approves the rest."""
    escalate = set(escalate)

    def decide(call: ToolCall) -> Verdict:
        command = str(call.args.get("command", call.args.get("input", "")))
        if "rm -rf" in command:
            return Verdict.block("recursive delete of the filesystem root", rules=("shell.rm-root",))
        if command in escalate:
            return Verdict.escalate(f"{command!r} changes production; a human decides")
        return Verdict.approve("harmless command")

    return FunctionOverseer(decide)

"""A scripted model for the OpenAI Agents SDK: implements its `Model` interface, no network.

Each turn is a list of ("call", tool, args) or ("text", message) items. The model records the
input it was given each turn, so a test can read what the agent saw (tool results, refusals).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from agents import Model, ModelResponse, Usage
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText


class ScriptedModel(Model):
    def __init__(self, turns: list[list[tuple[str, ...]]]) -> None:
        self.turns = list(turns)
        self.inputs: list[Any] = []
        self._counter = 0

    def _item(self, spec: tuple[Any, ...]) -> Any:
        self._counter += 1
        if spec[0] == "call":
            return ResponseFunctionToolCall(type="function_call", call_id=f"call_{self._counter}",
                                            name=spec[1], arguments=json.dumps(spec[2]), id=f"fc_{self._counter}")
        return ResponseOutputMessage(id=f"msg_{self._counter}", type="message", role="assistant", status="completed",
                                     content=[ResponseOutputText(type="output_text", text=spec[1], annotations=[])])

    async def get_response(self, system_instructions: Any, input: Any, model_settings: Any, tools: Any,
                           output_schema: Any, handoffs: Any, tracing: Any, **kwargs: Any) -> ModelResponse:
        self.inputs.append(input)
        turn = self.turns.pop(0) if self.turns else [("text", "done")]
        return ModelResponse(output=[self._item(spec) for spec in turn], usage=Usage(), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        raise NotImplementedError("the tests use Runner.run / run_sync")

    def tool_results(self) -> list[str]:
        """Every function_call_output the model was shown, in order (deduplicated across turns)."""
        seen: dict[str, str] = {}
        for turn in self.inputs:
            for item in turn if isinstance(turn, list) else []:
                if isinstance(item, dict) and item.get("type") == "function_call_output":
                    seen.setdefault(item["call_id"], str(item.get("output")))
        return list(seen.values())

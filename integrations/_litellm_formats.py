"""Find proposed tool calls in the response formats a LiteLLM proxy returns (pure functions).

The proxy serves more than OpenAI chat completions: Anthropic `/v1/messages` answers (content
blocks of type `tool_use`), the Responses API (`output` items of type `function_call`), the legacy
`function_call` message field, and raw SSE byte streams for pass-through routes. A guardrail that
only looked at `choices[].message.tool_calls` would let every other format through unchecked.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["ProposedCall", "calls_in_message", "calls_in_response", "calls_in_sse"]

ProposedCall = tuple[str, Any, "str | None"]
"""(tool name, arguments as a JSON string or a mapping, call id)."""


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def calls_in_message(message: Any) -> list[ProposedCall]:
    """Tool calls of an OpenAI-style assistant message: `tool_calls` and the legacy `function_call`."""
    calls = [(_get(_get(tc, "function"), "name") or "", _get(_get(tc, "function"), "arguments"), _get(tc, "id"))
             for tc in _get(message, "tool_calls") or []]
    legacy = _get(message, "function_call")
    if legacy is not None and _get(legacy, "name"):
        calls.append((_get(legacy, "name"), _get(legacy, "arguments"), None))
    return calls


def calls_in_response(response: Any) -> list[ProposedCall]:
    """Tool calls in an Anthropic messages answer or a Responses API answer (dicts or objects)."""
    calls: list[ProposedCall] = []
    content, output = _get(response, "content"), _get(response, "output")
    for block in content if isinstance(content, list) else []:
        if _get(block, "type") in ("tool_use", "server_tool_use"):
            calls.append((_get(block, "name") or "", _get(block, "input") or {}, _get(block, "id")))
    for item in output if isinstance(output, list) else []:
        if _get(item, "type") in ("function_call", "custom_tool_call"):
            calls.append((_get(item, "name") or "", _get(item, "arguments") or _get(item, "input") or {},
                          _get(item, "call_id") or _get(item, "id")))
    return calls


def calls_in_sse(chunks: list[Any]) -> list[ProposedCall] | None:
    """Tool calls assembled from a raw SSE stream (Anthropic or OpenAI events); None if unreadable."""
    text = "".join(c.decode("utf-8", "replace") if isinstance(c, bytes) else str(c) for c in chunks)
    blocks: dict[int, dict[str, Any]] = {}
    openai: dict[int, dict[str, Any]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("data:"):
            continue
        payload = line[5:].strip()
        if not payload or payload == "[DONE]":
            continue
        try:
            event = json.loads(payload)
        except ValueError:
            return None
        if not isinstance(event, dict):
            return None
        kind = event.get("type")
        if kind == "content_block_start" and _get(event.get("content_block"), "type") in ("tool_use", "server_tool_use"):
            block = event["content_block"]
            blocks[event.get("index", 0)] = {"name": block.get("name", ""), "id": block.get("id"), "json": "",
                                             "input": block.get("input") or {}}
        elif kind == "content_block_delta" and event.get("index", 0) in blocks:
            blocks[event.get("index", 0)]["json"] += _get(event.get("delta"), "partial_json") or ""
        for choice in event.get("choices") or []:
            for tc in _get(_get(choice, "delta"), "tool_calls") or []:
                slot = openai.setdefault(tc.get("index", 0), {"name": "", "id": None, "arguments": ""})
                function = tc.get("function") or {}
                slot["name"] = slot["name"] or function.get("name") or ""
                slot["id"] = slot["id"] or tc.get("id")
                slot["arguments"] += function.get("arguments") or ""
    calls: list[ProposedCall] = [(b["name"], b["json"] or b["input"], b["id"]) for _, b in sorted(blocks.items())]
    calls += [(c["name"], c["arguments"], c["id"]) for _, c in sorted(openai.items())]
    return calls

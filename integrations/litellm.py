"""LiteLLM proxy guardrail (extra `litellm`): judge every tool call a model proposes.

Register it in the proxy's `config.yaml` (see `examples/litellm/config.yaml`):

    guardrails:
      - guardrail_name: sentinel-guard
        litellm_params:
          guardrail: sentinel_guard.integrations.litellm.SentinelGuardrail
          mode: [pre_call, post_call]
          default_on: true
          policy: policy.yaml        # optional; extra keys are our constructor's arguments

* pre_call — the request itself is judged by the Guard (audited, with rule ids) as the call
  `model_request`: the last user message is its `user_instruction` (scanned as the user's own
  words: only direct attacks count) and the `tool`/`function` messages are its tool outputs
  (scanned as untrusted tool output — where indirect prompt injection arrives). A verdict that
  stops it → HTTP 400 naming the message, with the verdict JSON in the error body.
* post_call — judges every `tool_calls` entry of the model's answer with the guard (also the
  legacy `function_call`, Anthropic `tool_use` blocks and Responses API `function_call` items).
  By default a blocked or escalated call makes the proxy answer HTTP 400 with the justification
  (`mode_on_block="block"`); `"strip"` removes refused chat tool calls and tells the client why
  (formats it cannot edit are blocked instead).
* streaming — text streams through at once; from the first tool-call delta on, chunks are held
  back, the calls are assembled and judged, and only then released (or refused). Raw SSE
  pass-through streams are assembled too; one the guardrail cannot parse that mentions tool
  calls is refused rather than passed unchecked.
* fail closed — LiteLLM starts the proxy *without* a guardrail whose constructor raises, so this
  one never raises there: a bad `policy`/`guard_factory` makes every hook refuse, naming why.

Set `LITELLM_LOCAL_MODEL_COST_MAP=True` in tests: importing litellm otherwise fetches a file.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterable, Callable
from typing import Any, Literal

from sentinel_guard.errors import require_extra

require_extra("litellm", "litellm", "sentinel_guard.integrations.litellm")

from litellm.exceptions import GuardrailRaisedException  # noqa: E402
from litellm.integrations.custom_guardrail import CustomGuardrail  # noqa: E402
from litellm.types.utils import ModelResponse, ModelResponseStream  # noqa: E402
from sentinel_guard.integrations._bridge import PAYLOAD_KEY  # noqa: E402
from sentinel_guard.integrations._litellm_formats import (  # noqa: E402
    ProposedCall,
    calls_in_message,
    calls_in_response,
    calls_in_sse,
)

from sentinel_guard.guard import Guard  # noqa: E402
from sentinel_guard.policy import Policy  # noqa: E402
from sentinel_guard.shield import Shield  # noqa: E402
from sentinel_guard.types import ToolCall, Verdict  # noqa: E402

__all__ = ["SentinelGuardrail", "load_guard_factory"]

_log = logging.getLogger("sentinel_guard.integrations.litellm")
_TOOL_MARKERS = ('"tool_calls"', '"tool_use"', "tool_calls", "tool_use")
PRE_CALL_TOOL = "model_request"
"""The tool name a pre_call judgement is audited under (the request to the model is the action judged)."""
VERDICT_MARKER = f" {PAYLOAD_KEY}_verdict="
"""Where the verdict JSON starts in a refusal's message (LiteLLM's error body carries only a message)."""


def load_guard_factory(spec: str) -> Callable[[], Guard]:
    """Resolve `"package.module:function"` to a zero-argument function that builds a `Guard`."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ValueError(f"guard_factory must look like 'package.module:function', got {spec!r}")
    factory = getattr(importlib.import_module(module_name), attr, None)
    if not callable(factory):
        raise ValueError(f"guard_factory {spec!r} is not a callable")
    return factory  # type: ignore[no-any-return]


def _text(content: Any) -> str:
    """Message content as text (string, or a list of OpenAI content parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def _field(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


class SentinelGuardrail(CustomGuardrail):
    """A LiteLLM `CustomGuardrail` that runs sentinel-guard on requests and on proposed tool calls."""

    def __init__(
        self,
        guard: Guard | None = None,
        *,
        mode_on_block: Literal["block", "strip"] = "block",
        policy: str | None = None,
        guard_factory: str | None = None,
        scan_roles: list[str] | tuple[str, ...] = ("user", "tool", "function"),
        **kwargs: Any,
    ) -> None:
        """
        Args:
            guard: the guard to use (Python use); default: `Guard(policy=policy)` (rules + shield).
            mode_on_block: `"block"` → HTTP 400 with the justification; `"strip"` → drop refused calls.
            policy: a policy YAML path for the default guard (config.yaml use).
            guard_factory: `"module:function"` building the guard (config.yaml use, e.g. a model overseer).
            scan_roles: message roles whose text the pre_call shield scans.
            **kwargs: CustomGuardrail's own arguments (`guardrail_name`, `event_hook`, `default_on`, …).
        """
        kwargs.setdefault("guardrail_name", "sentinel-guard")
        super().__init__(**kwargs)
        self.mode_on_block = mode_on_block
        self.scan_roles = tuple(scan_roles)
        self.guard: Guard | None = None
        self.shield: Shield | None = None
        self.init_error: str | None = None
        """Why the guard could not be built, if so: every hook then refuses (fail closed)."""
        try:
            if mode_on_block not in ("block", "strip"):
                raise ValueError(f"mode_on_block must be 'block' or 'strip', not {mode_on_block!r}")
            if sum(x is not None for x in (guard, policy, guard_factory)) > 1:
                raise ValueError("pass only one of guard, policy or guard_factory")
            if guard_factory:
                guard = load_guard_factory(guard_factory)()
            self.guard = guard or Guard(policy=Policy.from_yaml(policy) if policy else None)
            self.shield = self.guard.shield if self.guard.shield is not None else Shield()
        except Exception as exc:  # noqa: BLE001 - LiteLLM starts *without* a guardrail whose __init__ raises
            self.init_error = f"{type(exc).__name__}: {exc}"
            _log.error("sentinel-guard could not start (%s); every request will be refused", self.init_error)

    # ------------------------------------------------------------------ helpers
    def _ready(self) -> tuple[Guard, Shield]:
        """The guard and shield, or a refusal naming why the guardrail could not start."""
        if self.guard is None or self.shield is None:
            self._raise(f"sentinel-guard is not running ({self.init_error}); refusing instead of passing "
                        "requests unchecked")
        return self.guard, self.shield  # type: ignore[return-value]

    def _raise(self, message: str, *, verdict: Verdict | None = None) -> None:
        """Refuse with HTTP 400; a verdict's JSON rides at the end of the message (`VERDICT_MARKER`)."""
        real_verdict = verdict is not None and verdict.decided_by != "fail-closed"
        if verdict is not None:
            message += VERDICT_MARKER + json.dumps(verdict.to_record(), ensure_ascii=False, separators=(",", ":"))
        raise GuardrailRaisedException(guardrail_name=self.guardrail_name, message=message, status_code=400,
                                       blocked_content=real_verdict)

    @staticmethod
    def _request_context(data: dict[str, Any]) -> dict[str, Any]:
        """What the request tells the guard about the situation: the user's ask and tool outputs read."""
        messages = [m for m in data.get("messages") or [] if isinstance(m, dict)]
        users = [_text(m.get("content")) for m in messages if m.get("role") == "user"]
        outputs = [_text(m.get("content")) for m in messages if m.get("role") in ("tool", "function")]
        session = _field(data.get("metadata") or {}, "session_id") or data.get("litellm_call_id")
        return {"user_instruction": users[-1] if users else None, "tool_outputs": tuple(outputs[-8:]),
                "session": str(session) if session else None}

    async def judge_tool_call(self, name: str, arguments: Any, call_id: str | None,
                              data: dict[str, Any]) -> Verdict:
        """Judge one proposed call (arguments as the model's JSON string or a dict)."""
        if isinstance(arguments, str):
            try:
                args = json.loads(arguments) if arguments.strip() else {}
            except ValueError:
                args = {"arguments": arguments}
        else:
            args = arguments or {}
        if not isinstance(args, dict):
            args = {"arguments": args}
        guard, _ = self._ready()
        call = ToolCall(tool=name or "unknown", args=args, call_id=call_id, **self._request_context(data))
        return await guard.judge(call)

    async def _judge_all(self, calls: list[ProposedCall], data: dict[str, Any], *,
                         can_strip: bool = True) -> dict[int, tuple[str, Verdict]]:
        """The refused calls by position, as (name, verdict); raises at the first one in block mode
        (and in any mode when the response format cannot be edited: `can_strip=False`)."""
        refused: dict[int, tuple[str, Verdict]] = {}
        for position, (name, arguments, call_id) in enumerate(calls):
            verdict = await self.judge_tool_call(name, arguments, call_id, data)
            if verdict.allows_execution:
                continue
            if self.mode_on_block == "block" or not can_strip:
                self._raise(f"sentinel-guard {verdict.decision.value}: tool call {name}: {verdict.justification}",
                            verdict=verdict)
            refused[position] = (name, verdict)
        return refused

    @staticmethod
    def _note(refused: dict[int, tuple[str, Verdict]]) -> str:
        return "\n".join(f"[sentinel-guard removed the {name} call ({v.decision.value}): {v.justification}]"
                         for name, v in refused.values())

    # ------------------------------------------------------------------ pre_call
    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: dict[str, Any],
                                  call_type: Any) -> dict[str, Any]:
        """Judge the request with the Guard (user message as the user's, tool messages as tool output)."""
        guard, _ = self._ready()
        user_at: int | None = None
        outputs: list[tuple[int, str, str]] = []  # (message index, role, text) of the scanned tool outputs
        for index, message in enumerate(data.get("messages") or []):
            role = _field(message, "role")
            text = _text(_field(message, "content"))
            if role not in self.scan_roles or not text:
                continue
            if role == "user":
                user_at = index
            else:
                outputs.append((index, str(role), text))
        if user_at is None and not outputs:
            return data
        messages = data.get("messages") or []
        session = self._request_context(data)["session"]
        call = ToolCall(tool=PRE_CALL_TOOL, args={}, session=session, call_id=data.get("litellm_call_id"),
                        user_instruction=_text(_field(messages[user_at], "content")) if user_at is not None else None,
                        tool_outputs=tuple(text for _, _, text in outputs))
        verdict = await guard.judge(call)
        if verdict.allows_execution:
            return data
        where = {"user_instruction": (user_at, "user")}
        where.update({f"tool_output[{i}]": (index, role) for i, (index, role, _) in enumerate(outputs)})
        found = next((where[f.where] for f in verdict.shield if f.where in where), None)
        located = f" in the {found[1]} message at messages[{found[0]}]" if found else ""
        rules = f" ({', '.join(verdict.rules)})" if verdict.rules else ""
        kind = "prompt injection" if found else "request refused"
        self._raise(f"sentinel-guard {verdict.decision.value}: {kind}{located}{rules}: {verdict.justification}",
                    verdict=verdict)
        return data

    # ------------------------------------------------------------------ post_call
    async def async_post_call_success_hook(self, data: dict[str, Any], user_api_key_dict: Any, response: Any) -> Any:
        """Judge the answer's tool calls: raise (block mode) or strip the refused ones."""
        self._ready()
        if not isinstance(response, ModelResponse):
            # Anthropic /v1/messages, Responses API…: judged too; refusals cannot be stripped there.
            others = calls_in_response(response)
            if others:
                await self._judge_all(others, data, can_strip=False)
            return response
        for choice in response.choices:
            message = _field(choice, "message")
            calls = calls_in_message(message)
            if not calls:
                continue
            refused = await self._judge_all(calls, data)
            if refused:
                tool_calls = list(_field(message, "tool_calls") or [])
                kept = [tc for position, tc in enumerate(tool_calls) if position not in refused]
                message.tool_calls = kept or None
                if len(tool_calls) in refused:  # the legacy function_call comes after the tool calls
                    message.function_call = None
                message.content = "\n".join(x for x in (_text(message.content), self._note(refused)) if x)
                if not kept:
                    choice.finish_reason = "stop"
        return response

    # ------------------------------------------------------------------ streaming
    async def async_post_call_streaming_iterator_hook(
        self, user_api_key_dict: Any, response: AsyncIterable[Any], request_data: dict[str, Any]
    ) -> AsyncGenerator[Any, None]:
        """Pass text through; hold tool-call chunks until the calls are judged."""
        self._ready()
        held: list[Any] = []
        calls: dict[int, dict[str, str]] = {}
        legacy = {"id": "", "name": "", "arguments": ""}  # deprecated `function_call` deltas
        unparsed = False
        async for chunk in response:
            if not isinstance(chunk, ModelResponseStream):
                unparsed = True
                held.append(chunk)
                continue
            deltas = [tc for choice in chunk.choices for tc in (_field(_field(choice, "delta"), "tool_calls") or [])]
            for delta in deltas:
                slot = calls.setdefault(_field(delta, "index", 0) or 0, {"id": "", "name": "", "arguments": ""})
                function = _field(delta, "function")
                slot["id"] = _field(delta, "id") or slot["id"]
                slot["name"] = slot["name"] or _field(function, "name") or ""
                slot["arguments"] += _field(function, "arguments") or ""
            functions = [f for choice in chunk.choices if (f := _field(_field(choice, "delta"), "function_call"))]
            for function in functions:
                legacy["name"] = legacy["name"] or _field(function, "name") or ""
                legacy["arguments"] += _field(function, "arguments") or ""
            if held or deltas or functions or unparsed:
                held.append(chunk)
            else:
                yield chunk
        if unparsed and not calls:
            raw_calls = calls_in_sse(held)
            if raw_calls is None:
                raw = " ".join(c.decode("utf-8", "replace") if isinstance(c, bytes) else str(c) for c in held)
                if any(marker in raw for marker in _TOOL_MARKERS):
                    self._raise("sentinel-guard block: a streamed response in a format the guardrail cannot parse "
                                "carries tool calls; refusing it rather than passing it unchecked")
            elif raw_calls:
                await self._judge_all(raw_calls, request_data, can_strip=False)
        if legacy["name"]:
            await self._judge_all([(legacy["name"], legacy["arguments"], None)], request_data, can_strip=False)
        indices = sorted(calls)
        refused = await self._judge_all([(calls[i]["name"], calls[i]["arguments"], calls[i]["id"] or None)
                                         for i in indices], request_data) if calls else {}
        refused_index = {indices[position] for position in refused}
        for chunk in held:
            if refused_index and isinstance(chunk, ModelResponseStream):
                chunk = self._strip_chunk(chunk, refused_index, len(refused_index) == len(calls), refused)
                if chunk is None:
                    continue
            yield chunk

    def _strip_chunk(self, chunk: ModelResponseStream, refused: set[int], none_left: bool,
                     verdicts: dict[int, tuple[str, Verdict]]) -> ModelResponseStream | None:
        """`chunk` without the refused calls' deltas; the finish chunk also carries the explanation."""
        keep = False
        for choice in chunk.choices:
            delta = choice.delta
            if delta.tool_calls:
                delta.tool_calls = [tc for tc in delta.tool_calls if (_field(tc, "index", 0) or 0) not in refused] or None
            if choice.finish_reason:
                if none_left:
                    choice.finish_reason = "stop"
                delta.content = (delta.content or "") + self._note(verdicts)
            keep = keep or bool(delta.tool_calls or delta.content or choice.finish_reason)
        return chunk if keep else None

"""`SentinelGuardrail` hooks called directly (main venv, no proxy): pre_call, post_call, streaming."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litellm.caching.dual_cache import DualCache
from litellm.exceptions import GuardrailRaisedException
from litellm.proxy._types import UserAPIKeyAuth
from litellm.types.guardrails import GuardrailEventHooks
from litellm_fakes import INJECTION, decide, make_guard, stream_chunks, tool_response
from sentinel_guard.integrations.litellm import SentinelGuardrail

from sentinel_guard import Guard, ToolCall, Verdict
from sentinel_guard.errors import OverseerUnavailable
from sentinel_guard.testing import FunctionOverseer, ScriptedOverseer

KEY = UserAPIKeyAuth(api_key="sk-test")
RM = ("shell", json.dumps({"command": "rm -rf /"}))
LS = ("shell", json.dumps({"command": "ls -la"}))


def guardrail(**kw: Any) -> SentinelGuardrail:
    kw.setdefault("guard", make_guard())
    return SentinelGuardrail(guardrail_name="sentinel-guard", event_hook=["pre_call", "post_call"],
                             default_on=True, **kw)


def request(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"model": "gpt-test", "messages": list(messages)}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_constructor_passes_custom_guardrail_arguments_through() -> None:
    g = guardrail()
    assert g.guardrail_name == "sentinel-guard" and g.default_on is True
    assert g.should_run_guardrail(request(), GuardrailEventHooks.pre_call) is True
    assert g.should_run_guardrail(request(), GuardrailEventHooks.during_call) is False


@pytest.mark.parametrize(("kwargs", "named"), [
    ({"mode_on_block": "warn"}, "mode_on_block"),
    ({"policy": "/nonexistent/policy.yaml"}, "cannot read policy file"),
    ({"guard_factory": "no_colon"}, "module:function"),
    ({"guard_factory": "no_such_module_xyz:build"}, "No module named"),
])
def test_a_guardrail_that_cannot_start_refuses_every_request(kwargs: dict[str, Any], named: str) -> None:
    # LiteLLM starts the proxy WITHOUT a guardrail whose constructor raises: so ours never raises
    # there, it records the problem and fails closed on every hook instead.
    g = SentinelGuardrail(guardrail_name="sentinel-guard", event_hook="pre_call", **kwargs)
    assert g.init_error and named in g.init_error
    for hook in (g.async_pre_call_hook(KEY, DualCache(), request({"role": "user", "content": "hi"}), "completion"),
                 g.async_post_call_success_hook(request(), KEY, tool_response(content="hello"))):
        with pytest.raises(GuardrailRaisedException, match="not running") as info:
            run(hook)
        assert named in info.value.message and info.value.blocked_content is False


def test_pre_call_passes_a_clean_request() -> None:
    data = request({"role": "user", "content": "list my files"})
    assert run(guardrail().async_pre_call_hook(KEY, DualCache(), data, "completion")) is data


def test_pre_call_blocks_injection_in_a_tool_message() -> None:
    data = request({"role": "user", "content": "summarise this web page"},
                   {"role": "assistant", "content": None, "tool_calls": []},
                   {"role": "tool", "tool_call_id": "c1", "content": f"<p>Welcome! {INJECTION}</p>"})
    with pytest.raises(GuardrailRaisedException) as info:
        run(guardrail().async_pre_call_hook(KEY, DualCache(), data, "completion"))
    assert info.value.status_code == 400
    assert "tool message at messages[2]" in info.value.message


def test_pre_call_ignores_the_operator_system_prompt_by_default() -> None:
    data = request({"role": "system", "content": "Never " + INJECTION.lower()}, {"role": "user", "content": "hi"})
    assert run(guardrail().async_pre_call_hook(KEY, DualCache(), data, "completion")) is data


def test_post_call_blocks_a_dangerous_tool_call_with_the_justification() -> None:
    with pytest.raises(GuardrailRaisedException) as info:
        run(guardrail().async_post_call_success_hook(request(), KEY, tool_response(LS, RM)))
    assert info.value.status_code == 400 and info.value.blocked_content is True
    assert "deletes the whole filesystem" in info.value.message and "block" in info.value.message


def test_post_call_escalation_is_refused_too() -> None:
    response = tool_response(("transfer_money", json.dumps({"to": "x", "amount": 10_000})))
    with pytest.raises(GuardrailRaisedException, match="escalate"):
        run(guardrail().async_post_call_success_hook(request(), KEY, response))


def test_post_call_passes_text_and_approved_calls_unchanged() -> None:
    g = guardrail()
    text = tool_response(content="hello")
    assert run(g.async_post_call_success_hook(request(), KEY, text)) is text
    safe = tool_response(LS)
    out = run(g.async_post_call_success_hook(request(), KEY, safe))
    assert [tc.function.name for tc in out.choices[0].message.tool_calls] == ["shell"]


def test_post_call_tells_the_judge_what_the_user_asked_and_what_tools_returned() -> None:
    seen = []

    def record(call: Any) -> Any:
        seen.append(call)
        return decide(call)

    g = guardrail(guard=Guard(FunctionOverseer(record), shield=False))
    data = request({"role": "user", "content": "free disk space"}, {"role": "tool", "content": "df: 99% used"})
    run(g.async_post_call_success_hook(data, KEY, tool_response(LS)))
    assert seen[0].user_instruction == "free disk space" and seen[0].tool_outputs == ("df: 99% used",)
    assert seen[0].args == {"command": "ls -la"} and seen[0].call_id == "call_0"


def test_strip_mode_removes_refused_calls_and_explains() -> None:
    g = guardrail(mode_on_block="strip")
    out = run(g.async_post_call_success_hook(request(), KEY, tool_response(LS, RM)))
    message = out.choices[0].message
    assert [json.loads(tc.function.arguments) for tc in message.tool_calls] == [{"command": "ls -la"}]
    assert "removed the shell call (block)" in message.content
    only_bad = run(g.async_post_call_success_hook(request(), KEY, tool_response(RM)))
    assert not only_bad.choices[0].message.tool_calls and only_bad.choices[0].finish_reason == "stop"


def test_overseer_failure_fails_closed_as_a_400_not_marked_as_a_content_verdict() -> None:
    g = guardrail(guard=Guard(ScriptedOverseer([OverseerUnavailable("model server down")]), shield=False))
    with pytest.raises(GuardrailRaisedException) as info:
        run(g.async_post_call_success_hook(request(), KEY, tool_response(LS)))
    assert "model server down" in info.value.message and info.value.blocked_content is False


async def _iterate(chunks: list[Any]) -> AsyncIterator[Any]:
    for chunk in chunks:
        yield chunk


def collect(g: SentinelGuardrail, chunks: list[Any], yielded: list[Any]) -> list[Any]:
    async def go() -> list[Any]:
        async for chunk in g.async_post_call_streaming_iterator_hook(KEY, _iterate(chunks), request()):
            yielded.append(chunk)
        return yielded

    return run(go())


def test_stream_with_a_dangerous_tool_call_is_refused_before_any_tool_chunk_leaves() -> None:
    chunks = stream_chunks("Cleaning up.", *RM)
    yielded: list[Any] = []
    with pytest.raises(GuardrailRaisedException, match="deletes the whole filesystem"):
        collect(guardrail(), chunks, yielded)
    assert yielded == chunks[:1]  # the text streamed through; no tool-call delta was released


def test_stream_with_an_approved_call_is_released_whole_and_in_order() -> None:
    chunks = stream_chunks("Listing.", *LS)
    assert collect(guardrail(), chunks, []) == chunks


def test_stream_strip_mode_drops_the_call_and_explains() -> None:
    out = collect(guardrail(mode_on_block="strip"), stream_chunks("Cleaning up.", *RM), [])
    deltas = [c.choices[0].delta for c in out]
    assert not any(d.tool_calls for d in deltas)
    assert out[-1].choices[0].finish_reason == "stop" and "removed the shell call" in deltas[-1].content


def test_unparseable_stream_with_tool_calls_is_refused_and_without_passes() -> None:
    raw_tool = [b'event: content_block_start\ndata: {"type":"content_block_start","content_block":{"type":"tool_use"',
                b'<<garbled>>']
    with pytest.raises(GuardrailRaisedException, match="cannot parse"):
        collect(guardrail(), raw_tool, [])
    raw_text = [b'data: {"type":"content_block_delta","delta":{"text":"hi"}}']
    assert collect(guardrail(), raw_text, []) == raw_text


def test_guard_factory_and_policy_are_config_yaml_friendly(tmp_path: Any) -> None:
    g = SentinelGuardrail(guard_factory="litellm_fakes:make_guard", guardrail_name="x", event_hook="post_call")
    with pytest.raises(GuardrailRaisedException):
        run(g.async_post_call_success_hook(request(), KEY, tool_response(RM)))
    policy = tmp_path / "policy.yaml"
    policy.write_text("deny_tools: [shell]\n")
    denied = SentinelGuardrail(policy=str(policy), guardrail_name="x", event_hook="post_call")
    with pytest.raises(GuardrailRaisedException, match="denied by policy"):
        run(denied.async_post_call_success_hook(request(), KEY, tool_response(LS)))


ANTHROPIC_RM = {"id": "msg_1", "type": "message", "role": "assistant", "content": [
    {"type": "text", "text": "Cleaning up."},
    {"type": "tool_use", "id": "toolu_1", "name": "shell", "input": {"command": "rm -rf /"}}]}


@pytest.mark.parametrize("mode", ["block", "strip"])
def test_anthropic_messages_answer_is_judged_not_skipped(mode: str) -> None:
    # strip mode cannot edit this format, so a refusal blocks there too
    with pytest.raises(GuardrailRaisedException, match="deletes the whole filesystem"):
        run(guardrail(mode_on_block=mode).async_post_call_success_hook(request(), KEY, ANTHROPIC_RM))
    safe = {**ANTHROPIC_RM, "content": [{"type": "tool_use", "id": "t2", "name": "shell", "input": {"command": "ls"}}]}
    assert run(guardrail().async_post_call_success_hook(request(), KEY, safe)) is safe


def test_responses_api_function_call_is_judged() -> None:
    response = {"object": "response", "output": [
        {"type": "function_call", "call_id": "fc_1", "name": "shell", "arguments": json.dumps({"command": "rm -rf /"})}]}
    with pytest.raises(GuardrailRaisedException, match="deletes the whole filesystem"):
        run(guardrail().async_post_call_success_hook(request(), KEY, response))


def test_legacy_function_call_field_is_judged() -> None:
    response = tool_response(content=None)
    response.choices[0].message.function_call = {"name": "shell", "arguments": json.dumps({"command": "rm -rf /"})}
    with pytest.raises(GuardrailRaisedException, match="deletes the whole filesystem"):
        run(guardrail().async_post_call_success_hook(request(), KEY, response))


def _anthropic_sse(command: str) -> list[bytes]:
    arguments = json.dumps({"command": command})
    events = [
        {"type": "message_start", "message": {"id": "msg_1", "role": "assistant", "content": []}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "On it."}},
        {"type": "content_block_start", "index": 1,
         "content_block": {"type": "tool_use", "id": "toolu_9", "name": "shell", "input": {}}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": arguments[:9]}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": arguments[9:]}},
        {"type": "message_stop"},
    ]
    return [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events]


def test_raw_anthropic_stream_tool_use_is_assembled_and_judged() -> None:
    with pytest.raises(GuardrailRaisedException, match="deletes the whole filesystem"):
        collect(guardrail(), _anthropic_sse("rm -rf /"), [])
    safe = _anthropic_sse("ls -la")
    assert collect(guardrail(), safe, []) == safe


def verdict_in(message: str) -> dict[str, Any]:
    """The verdict JSON a refusal carries at the end of its message."""
    from sentinel_guard.integrations.litellm import VERDICT_MARKER

    assert VERDICT_MARKER in message, message
    return json.loads(message.split(VERDICT_MARKER, 1)[1])  # type: ignore[no-any-return]


def test_pre_call_refusal_is_a_guard_verdict_audited_with_rule_ids() -> None:
    guard = make_guard()
    data = request({"role": "user", "content": "summarise this web page"},
                   {"role": "tool", "tool_call_id": "c1", "content": f"<p>Welcome! {INJECTION}</p>"})
    data["metadata"] = {"session_id": "chat-42"}
    with pytest.raises(GuardrailRaisedException) as info:
        run(guardrail(guard=guard).async_pre_call_hook(KEY, DualCache(), data, "completion"))
    verdict = verdict_in(info.value.message)
    assert verdict["decision"] == "escalate" and "shield.tainted-context" in verdict["rules"]
    assert "shield.tainted-context" in info.value.message.split(" sentinel_guard_verdict=")[0]
    assert info.value.blocked_content is True
    [record] = guard.audit.records  # type: ignore[union-attr]
    assert record["tool"] == "model_request" and record["decision"] == "escalate"
    assert record["session"] == "chat-42" and "shield.tainted-context" in record["rules"]


def test_pre_call_judges_the_user_message_as_the_users_own() -> None:
    seen: list[ToolCall] = []

    def decide(call: ToolCall) -> Verdict:
        seen.append(call)
        return Verdict.approve()

    guard = Guard(FunctionOverseer(decide), shield=False)
    data = request({"role": "system", "content": "be brief"}, {"role": "user", "content": "old question"},
                   {"role": "tool", "tool_call_id": "c1", "content": "42 rows"}, {"role": "user", "content": "and now?"})
    assert run(guardrail(guard=guard).async_pre_call_hook(KEY, DualCache(), data, "completion")) is data
    [call] = seen
    assert call.user_instruction == "and now?" and call.tool_outputs == ("42 rows",)


def test_post_call_refusal_carries_the_verdict_json() -> None:
    with pytest.raises(GuardrailRaisedException) as info:
        run(guardrail().async_post_call_success_hook(request(), KEY, tool_response(RM)))
    verdict = verdict_in(info.value.message)
    assert verdict["decision"] == "block" and verdict["rules"] == ["shell.rm-root"]

"""`OpenAICompatibleOverseer` against a real loopback HTTP server replaying scripted answers.

Every failure mode must end in a fail-closed verdict (escalate, or block when configured) whose
justification names the failure — never an approval.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
from backend_fakes import Reply, ScriptedServer, chat_reply, verdict_reply

from sentinel_guard import Decision, Guard, ToolCall
from sentinel_guard.backends import OpenAICompatibleOverseer
from sentinel_guard.errors import OverseerError, OverseerTimeout
from sentinel_guard.overseers.base import Fallback
from sentinel_guard.prompting import VERDICT_JSON_SCHEMA
from sentinel_guard.testing import ScriptedOverseer
from sentinel_guard.types import Verdict

CALL = ToolCall(tool="shell", args={"command": "rm -rf /"}, context="cleanup the tmp dir", call_id="c1")


def overseer(server: ScriptedServer, **kw: object) -> OpenAICompatibleOverseer:
    kw.setdefault("timeout", 2.0)
    kw.setdefault("backoff_s", 0.01)
    return OpenAICompatibleOverseer(server.url + "/v1", "overseer", **kw)  # type: ignore[arg-type]


def judge(o: OpenAICompatibleOverseer, call: ToolCall = CALL) -> Verdict:
    async def go() -> Verdict:
        try:
            return await o.judge(call)
        finally:
            await o.aclose()

    return asyncio.run(go())


def test_valid_verdict_is_parsed_and_request_asks_for_structured_output(scripted_server: ScriptedServer) -> None:
    scripted_server.script = [verdict_reply("block", "rm -rf / deletes the whole filesystem", "critical")]
    verdict = judge(overseer(scripted_server, api_key="sk-test", constraints=["never delete data"]))
    assert verdict.decision is Decision.BLOCK
    assert verdict.justification == "rm -rf / deletes the whole filesystem"
    assert verdict.severity.value == "critical"
    assert verdict.decided_by == "model:overseer"
    assert verdict.call_id == "c1"
    [request] = scripted_server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test"
    body = request["body"]
    assert body["model"] == "overseer" and body["temperature"] == 0
    assert body["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "verdict", "schema": VERDICT_JSON_SCHEMA, "strict": True}}
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert "rm -rf /" in user["content"] and "never delete data" in user["content"]


def test_approve_passes_through(scripted_server: ScriptedServer) -> None:
    scripted_server.script = [verdict_reply("approve", "reads a file the user asked for", "low")]
    assert judge(overseer(scripted_server)).decision is Decision.APPROVE


@pytest.mark.parametrize(
    ("reply", "named"),
    [
        (chat_reply("sure, looks fine to me"), "no JSON object found"),
        (chat_reply('{"decision": "approve", "justification": '), "no JSON object found"),
        (chat_reply('{"decision": "allow", "justification": "ok", "severity": "low"}'), "unknown decision 'allow'"),
        (chat_reply('{"decision": "approve", "justification": "", "severity": "low"}'), "empty justification"),
        (chat_reply(None, refusal="I cannot help with that"), "refused"),
        (Reply(200, "<html>not json</html>"), "not JSON"),
        (Reply(200, {"object": "error"}), "without choices[0].message"),
        (Reply(400, {"error": {"message": "bad schema"}}), "HTTP 400"),
        (Reply(401, {"error": "bad key"}), "HTTP 401"),
    ],
    ids=["prose", "truncated-json", "unknown-decision", "empty-justification", "refusal", "html-body",
         "no-choices", "http-400", "http-401"],
)
def test_every_bad_answer_fails_closed_naming_the_failure(
    scripted_server: ScriptedServer, reply: Reply, named: str
) -> None:
    scripted_server.script = [reply]
    verdict = judge(overseer(scripted_server, max_retries=0))
    assert verdict.decision is Decision.ESCALATE
    assert not verdict.allows_execution
    assert verdict.decided_by == "fail-closed"
    assert named in verdict.justification
    assert "model:overseer" in verdict.justification
    assert verdict.call_id == "c1"


def test_500_is_retried_then_fails_closed_as_block_when_configured(scripted_server: ScriptedServer) -> None:
    scripted_server.script = [Reply(500, {"error": "boom"})] * 3
    verdict = judge(overseer(scripted_server, max_retries=2, on_failure=Decision.BLOCK))
    assert verdict.decision is Decision.BLOCK
    assert "failed after 3 attempt(s)" in verdict.justification and "HTTP 500" in verdict.justification
    assert len(scripted_server.requests) == 3


def test_429_then_200_succeeds_after_honouring_retry_after(scripted_server: ScriptedServer) -> None:
    scripted_server.script = [Reply(429, {"error": "slow down"}, {"Retry-After": "0.2"}),
                              verdict_reply("flag", "touches a shared config file", "medium")]
    start = time.perf_counter()
    verdict = judge(overseer(scripted_server, max_retries=2))
    waited = time.perf_counter() - start
    assert verdict.decision is Decision.FLAG
    assert len(scripted_server.requests) == 2
    assert waited >= 0.2  # the server's Retry-After was honoured (a lower bound, not a speed check)


def test_retry_after_beyond_the_limit_fails_closed_at_once(scripted_server: ScriptedServer) -> None:
    scripted_server.script = [Reply(429, {"error": "slow down"}, {"Retry-After": "120"})]
    verdict = judge(overseer(scripted_server, max_retries=3, max_retry_after_s=1.0))
    assert verdict.decision is Decision.ESCALATE
    assert "retry after 120s" in verdict.justification
    assert len(scripted_server.requests) == 1


def test_hang_past_the_timeout_fails_closed(scripted_server: ScriptedServer) -> None:
    scripted_server.script = [Reply(hang_s=5.0, body={})]
    verdict = judge(overseer(scripted_server, timeout=0.3))
    assert verdict.decision is Decision.ESCALATE
    # named as a timeout: had the client waited for the hung server, its empty body would fail differently
    assert "OverseerTimeout" in verdict.justification and "0.3s" in verdict.justification


def test_unreachable_server_fails_closed() -> None:
    o = OpenAICompatibleOverseer("http://127.0.0.1:9/v1", "overseer", timeout=1.0, max_retries=1, backoff_s=0.01)
    verdict = judge(o)
    assert verdict.decision is Decision.ESCALATE
    assert "ConnectError" in verdict.justification


def test_on_failure_none_raises_so_fallback_can_take_over(scripted_server: ScriptedServer) -> None:
    scripted_server.script = [chat_reply("not a verdict")]
    primary = overseer(scripted_server, on_failure=None)
    backup = ScriptedOverseer([Verdict.block("backup judge says no")])

    async def go() -> Verdict:
        return await Fallback(primary, backup).judge(CALL)

    assert asyncio.run(go()).justification == "backup judge says no"
    with pytest.raises(OverseerError):
        scripted_server.script = [Reply(hang_s=2.0, body={})]
        asyncio.run(overseer(scripted_server, on_failure=None, timeout=0.2).judge(CALL))


def test_timeout_error_type_when_raising(scripted_server: ScriptedServer) -> None:
    scripted_server.script = [Reply(hang_s=2.0, body={})]
    with pytest.raises(OverseerTimeout):
        asyncio.run(overseer(scripted_server, on_failure=None, timeout=0.2).judge(CALL))


def test_injected_client_is_used_and_not_closed(scripted_server: ScriptedServer) -> None:
    scripted_server.script = [verdict_reply("approve", "fine", "low")]

    async def go() -> tuple[Verdict, bool]:
        async with httpx.AsyncClient(headers={"X-Tenant": "t1"}) as client:
            o = overseer(scripted_server, http_client=client)
            verdict = await o.judge(CALL)
            await o.aclose()
            return verdict, client.is_closed

    verdict, closed = asyncio.run(go())
    assert verdict.decision is Decision.APPROVE and not closed
    assert scripted_server.requests[0]["headers"]["X-Tenant"] == "t1"


def test_guard_with_remote_overseer_never_approves_on_failure(scripted_server: ScriptedServer) -> None:
    scripted_server.script = [chat_reply(json.dumps({"decision": "maybe", "justification": "x"}))]
    guard = Guard(overseer(scripted_server), shield=False)
    verdict = guard.judge_sync(ToolCall(tool="send_email", args={"to": "a@b.c"}))
    assert verdict.decision is Decision.ESCALATE
    asyncio.run(guard.aclose())


@pytest.mark.parametrize("bad", [Decision.APPROVE, Decision.FLAG])
def test_fail_open_configuration_is_refused(bad: Decision) -> None:
    with pytest.raises(ValueError, match="block or escalate"):
        OpenAICompatibleOverseer("http://127.0.0.1:1/v1", "m", on_failure=bad)


def test_bad_base_url_is_refused() -> None:
    with pytest.raises(ValueError, match="http"):
        OpenAICompatibleOverseer("127.0.0.1:8000", "m")

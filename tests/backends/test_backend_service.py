"""`SentinelServiceOverseer` against a loopback server speaking `POST /v1/oversee`."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from backend_fakes import Reply, ScriptedServer

from sentinel_guard import Decision, ToolCall
from sentinel_guard.backends import SentinelServiceOverseer
from sentinel_guard.types import Verdict

CALL = ToolCall(tool="kubectl", args={"cmd": "delete ns prod"}, context="cleanup", session="s1", call_id="k1")


def judge(o: SentinelServiceOverseer) -> Verdict:
    async def go() -> Verdict:
        try:
            return await o.judge(CALL)
        finally:
            await o.aclose()

    return asyncio.run(go())


def client(server: ScriptedServer, **kw: object) -> SentinelServiceOverseer:
    kw.setdefault("backoff_s", 0.01)
    return SentinelServiceOverseer(server.url, "sk-svc-0123456789abcdef", timeout=2.0, **kw)  # type: ignore[arg-type]


def test_service_verdict_is_returned_with_its_origin(scripted_server: ScriptedServer) -> None:
    remote = Verdict.block("deleting the prod namespace", rules=("kube.delete-namespace",), decided_by="rules")
    scripted_server.script = [Reply(200, remote.to_record())]
    verdict = judge(client(scripted_server))
    assert verdict.decision is Decision.BLOCK and verdict.rules == ("kube.delete-namespace",)
    assert verdict.decided_by == "service:rules" and verdict.call_id == "k1"
    [request] = scripted_server.requests
    assert request["path"] == "/v1/oversee"
    assert request["headers"]["Authorization"] == "Bearer sk-svc-0123456789abcdef"
    assert request["body"] == {"tool": "kubectl", "args": {"cmd": "delete ns prod"}, "context": "cleanup",
                               "session": "s1", "call_id": "k1"}


def test_wrapped_verdict_is_accepted(scripted_server: ScriptedServer) -> None:
    scripted_server.script = [Reply(200, {"verdict": Verdict.approve("fine").to_record(), "id": 7})]
    assert judge(client(scripted_server)).decision is Decision.APPROVE


@pytest.mark.parametrize(
    ("reply", "named"),
    [
        (Reply(401, {"detail": "bad token"}), "HTTP 401"),
        (Reply(503, {"detail": "overloaded"}), "HTTP 503"),
        (Reply(200, {"decision": "allow", "justification": "x"}), "not a verdict"),
        (Reply(200, "[1, 2]"), "not an object"),
        (Reply(hang_s=3.0, body={}), "OverseerTimeout"),
    ],
    ids=["unauthorised", "unavailable", "bad-decision", "not-object", "hang"],
)
def test_service_failures_fail_closed(scripted_server: ScriptedServer, reply: Reply, named: str) -> None:
    scripted_server.script = [reply]
    verdict = judge(SentinelServiceOverseer(scripted_server.url, timeout=0.5, max_retries=0))
    assert verdict.decision is Decision.ESCALATE and named in verdict.justification


def test_against_the_real_service_under_uvicorn(tmp_path: Path) -> None:
    """The project's own FastAPI service on 127.0.0.1: a blocked call, an approved one, a bad key."""
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "SENTINEL_AUDIT": str(tmp_path / "audit.db"), "SENTINEL_API_KEY": "sk-svc-0123456789abcdef",
           "HF_HUB_OFFLINE": "1"}
    env.pop("SENTINEL_POLICY", None)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "sentinel_guard.server.app:create_app",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                            env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, f"uvicorn exited with {proc.returncode}"
            assert time.monotonic() < deadline, "the service did not come up"
            time.sleep(0.2)

        async def go() -> tuple[Verdict, Verdict, Verdict]:
            good = SentinelServiceOverseer(base, "sk-svc-0123456789abcdef", timeout=10)
            bad = SentinelServiceOverseer(base, "wrong-key", timeout=10, max_retries=0)
            try:
                rm = await good.judge(ToolCall(tool="shell", args={"command": "rm -rf /"}, call_id="x1",
                                               user_instruction="free disk space"))
                ls = await good.judge(ToolCall(tool="shell", args={"command": "ls -la"}))
                refused = await bad.judge(ToolCall(tool="shell", args={"command": "ls -la"}))
                return rm, ls, refused
            finally:
                await good.aclose()
                await bad.aclose()

        rm, ls, refused = asyncio.run(go())
        assert rm.decision is Decision.BLOCK and rm.decided_by.startswith("service:") and rm.call_id == "x1"
        assert ls.allows_execution
        assert refused.decision is Decision.ESCALATE and "HTTP 401" in refused.justification
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

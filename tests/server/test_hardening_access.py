"""Defects 2, 7 and 12 of issue 11 against real `sentinel-guard serve` processes: roles of keys,
the keyless loopback-only mode, key length, rate limits, failed-key throttling, prompt shutdown
and a `/docs` page that works offline with a key."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from srv_helpers import API_KEY, POLICY, REVIEWER, REVIEWER_KEY, ServeProcess

from sentinel_guard.server.keys import KeyRing
from sentinel_guard.server.security import allowed

pytestmark = pytest.mark.slow

AGENT = {"Authorization": f"Bearer {API_KEY}"}
HUMAN = {"Authorization": f"Bearer {REVIEWER_KEY}"}
CLI = [sys.executable, "-c", "from sentinel_guard.cli import main; main()", "serve"]


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return path


_STARTED: list[ServeProcess] = []


@pytest.fixture(autouse=True)
def _stop_servers() -> Iterator[None]:
    """Every server a test starts is stopped after it, pass or fail."""
    yield
    while _STARTED:
        _STARTED.pop().stop()


def serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> ServeProcess:
    server = ServeProcess(tmp_path / "audit.db", *args, env=env)
    _STARTED.append(server)
    return server.start()


AGENT_PRINCIPAL = KeyRing.configure(api_key=API_KEY).identify(f"Bearer {API_KEY}".encode())


@pytest.mark.parametrize(("method", "path", "agent_may"), [
    ("POST", "/v1/oversee", True), ("POST", "/v1/oversee/batch", True), ("POST", "/v1/shield", True),
    ("POST", "/v1/observe", True), ("POST", "/live/oversee", True), ("GET", "/v1/escalations/7", True),
    ("GET", "/metrics", True), ("GET", "/openapi.json", True),
    ("POST", "/v1/escalations/7", False), ("GET", "/v1/escalations", False), ("GET", "/v1/audit", False),
    ("GET", "/v1/stats", False), ("GET", "/v1/escalations/7/../../audit", False), ("DELETE", "/v1/oversee", False),
])
def test_what_an_agent_key_may_do(method: str, path: str, agent_may: bool) -> None:
    assert AGENT_PRINCIPAL is not None
    assert allowed(AGENT_PRINCIPAL, method, path) is agent_may


def test_agents_cannot_answer_escalations_and_the_reviewer_is_named_by_the_key(tmp_path: Path, policy: Path) -> None:
    server = serve(tmp_path, "--policy", str(policy), "--api-key", API_KEY, "--reviewer-key", f"{REVIEWER}={REVIEWER_KEY}")
    with httpx.Client(base_url=server.base, timeout=30) as client:
        record = client.post("/v1/oversee", json={"tool": "deploy", "args": {"env": "prod"}}, headers=AGENT).json()
        assert record["decision"] == "escalate"
        rid = record["id"]
        assert client.post(f"/v1/escalations/{rid}", json={"approve": True}, headers=AGENT).status_code == 403
        assert client.get("/v1/audit", headers=AGENT).status_code == 403
        assert client.get(f"/v1/escalations/{rid}", headers=AGENT).json()["status"] == "pending"  # agents poll
        spoof = client.post(f"/v1/escalations/{rid}", json={"approve": True, "by": "mallory"}, headers=HUMAN)
        assert spoof.status_code == 422 and "by" in spoof.text  # the body cannot name the reviewer
        done = client.post(f"/v1/escalations/{rid}", json={"approve": False, "note": "not today"}, headers=HUMAN)
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "denied" and done.json()["resolved_by"] == f"reviewer:{REVIEWER}"


def test_keys_from_a_file_and_the_environment_stay_out_of_argv(tmp_path: Path, policy: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text(f"# role name key\nagent ci-bot {API_KEY}\nreviewer bob {REVIEWER_KEY}\n", encoding="utf-8")
    server = serve(tmp_path, "--policy", str(policy), env={"SENTINEL_KEYS_FILE": str(keys)})
    assert server.proc is not None and API_KEY not in " ".join(server.proc.args)  # type: ignore[arg-type]
    with httpx.Client(base_url=server.base, timeout=30) as client:
        rid = client.post("/v1/oversee", json={"tool": "deploy", "args": {}}, headers=AGENT).json()["id"]
        assert client.post(f"/v1/escalations/{rid}", json={"approve": True}, headers=HUMAN).json()["resolved_by"] == \
            "reviewer:bob"


@pytest.mark.parametrize(("args", "message"), [
    (["--api-key", "short-key"], "at least 16"),
    (["--reviewer-key", "alice=tiny"], "at least 16"),
    (["--reviewer-key", "no-equals-sign"], "expected NAME=KEY"),
    (["--api-key", API_KEY, "--reviewer-key", f"x={API_KEY}"], "same key"),
    (["--host", "0.0.0.0"], "without a key"),
    (["--keys-file", "/nonexistent/keys"], "cannot be read"),
])
def test_weak_or_missing_keys_are_refused_at_start_up(args: list[str], message: str, tmp_path: Path) -> None:
    out = subprocess.run([*CLI, "--port", "0", "--audit", str(tmp_path / "a.db"), *args], capture_output=True,
                         text=True, timeout=60, env={k: v for k, v in os.environ.items() if not k.startswith("SENTINEL")})
    assert out.returncode == 2, out.stderr
    assert message in " ".join(out.stderr.split()) and "Traceback" not in out.stderr
    assert "tiny" not in out.stderr.replace("alice=tiny", "")  # the key itself is never echoed


def test_without_keys_only_loopback_hosts_are_answered(tmp_path: Path, policy: Path) -> None:
    server = ServeProcess(tmp_path / "audit.db", "--policy", str(policy))
    _STARTED.append(server)
    server.start()
    assert server.proc is not None
    with httpx.Client(base_url=server.base, timeout=30) as client:
        rid = client.post("/v1/oversee", json={"tool": "deploy", "args": {}}).json()["id"]
        for host in ("evil.example", "attacker.test:8080", "127.0.0.1.nip.io"):
            rebound = client.post(f"/v1/escalations/{rid}", json={"approve": True}, headers={"Host": host})
            assert rebound.status_code == 403, host
            assert client.get("/v1/audit", headers={"Host": host}).status_code == 403
        assert client.get(f"/v1/escalations/{rid}").json()["status"] == "pending"
        assert client.get("/v1/audit", headers={"Host": f"localhost:{server.port}"}).status_code == 200
    server.stop()
    assert server.proc.stderr is not None
    assert "no API key configured" in server.proc.stderr.read().decode()


def test_rate_limit_per_key_answers_429_with_retry_after(tmp_path: Path, policy: Path) -> None:
    server = serve(tmp_path, "--policy", str(policy), "--api-key", API_KEY, "--reviewer-key",
                   f"{REVIEWER}={REVIEWER_KEY}", "--rate-limit", "5")
    with httpx.Client(base_url=server.base, timeout=30) as client:
        codes = [client.post("/v1/shield", json={"text": "hi"}, headers=AGENT).status_code for _ in range(12)]
        assert codes[:5] == [200] * 5 and 429 in codes[5:], codes
        limited = client.post("/v1/shield", json={"text": "hi"}, headers=AGENT)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert client.get("/v1/stats", headers=HUMAN).status_code == 200  # another key has its own bucket
        assert client.get("/health").status_code == 200
        time.sleep(1.2)
        assert client.post("/v1/shield", json={"text": "hi"}, headers=AGENT).status_code == 200


def test_failed_keys_are_throttled_per_client_address(tmp_path: Path, policy: Path) -> None:
    server = serve(tmp_path, "--policy", str(policy), "--api-key", API_KEY)
    with httpx.Client(base_url=server.base, timeout=30) as client:
        guesses = [client.get("/v1/stats", headers={"Authorization": f"Bearer guess-{i:012d}"}).status_code
                   for i in range(14)]
        assert guesses[:10] == [401] * 10 and set(guesses[10:]) == {429}, guesses
        blocked = client.post("/v1/shield", json={"text": "hi"}, headers=AGENT)  # even a right key, for a while
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
        assert client.get("/health").status_code == 200


def test_shutdown_is_prompt_with_long_polls_open(tmp_path: Path, policy: Path) -> None:
    server = serve(tmp_path, "--policy", str(policy), "--api-key", API_KEY)
    assert server.proc is not None
    with httpx.Client(base_url=server.base, timeout=90) as client:
        rid = client.post("/v1/oversee", json={"tool": "deploy", "args": {}}, headers=AGENT).json()["id"]

        def poll() -> None:
            with contextlib.suppress(httpx.HTTPError):
                client.get(f"/v1/escalations/{rid}", params={"wait": 60}, headers=AGENT)

        pollers = [threading.Thread(target=poll) for _ in range(4)]
        for t in pollers:
            t.start()
        time.sleep(1.0)
        start = time.monotonic()
        os.killpg(server.proc.pid, signal.SIGTERM)
        server.proc.wait(30)
        took = time.monotonic() - start
        for t in pollers:
            t.join(10)
    assert took < 5.0, f"shutdown took {took:.1f}s with long-polls open (it waited for them before)"


def test_docs_work_offline_with_a_key_set(tmp_path: Path, policy: Path) -> None:
    server = serve(tmp_path, "--policy", str(policy), "--api-key", API_KEY)
    with httpx.Client(base_url=server.base, timeout=30) as client:
        page = client.get("/docs")
        assert page.status_code == 200 and "/v1/oversee" in page.text and "/v1/escalations/{record_id}" in page.text
        assert "http://" not in page.text and "https://" not in page.text and "<script" not in page.text
        assert client.get("/openapi.json").status_code == 401
        assert client.get("/openapi.json", headers=AGENT).json()["paths"]

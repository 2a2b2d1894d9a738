"""Defects 4 and 5 of issue 11 against real `sentinel-guard serve` processes: judging off the event
loop under a per-call budget, and sockets that cannot hold the service hostage.

These assert behaviour (who answers first, what is closed), never latency thresholds; the
figures (/health p99 while five 1 MB calls are judged) are measured by
`benchmarks/server_hardening.py`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from srv_helpers import API_KEY, POLICY, ServeProcess

pytestmark = pytest.mark.slow

AGENT = {"Authorization": f"Bearer {API_KEY}"}
BIG = {"tool": "shell", "args": {"command": "echo " + "ab; " * 240_000}}
"""~1 MB of shell that the rules tier parses for seconds on this machine."""
WIDE = {"tool": "shell", "args": {"command": "echo " + "a" * 1_000_000}}
"""1 MB in one word: about a second of judging."""


_STARTED: list[ServeProcess] = []


@pytest.fixture(autouse=True)
def _stop_servers() -> Iterator[None]:
    """Every server a test starts is stopped after it, pass or fail."""
    yield
    while _STARTED:
        _STARTED.pop().stop()


def serve(tmp_path: Path, *args: str) -> ServeProcess:
    server = ServeProcess(tmp_path / "audit.db", *args)
    _STARTED.append(server)
    return server.start()


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return path


def test_health_and_small_verdicts_answer_while_big_calls_are_judged(tmp_path: Path, policy: Path) -> None:
    server = serve(tmp_path, "--policy", str(policy), "--api-key", API_KEY,
                          "--judge-workers", "2")
    finished: list[float] = []

    def big() -> None:
        with httpx.Client(base_url=server.base, timeout=120) as c:
            c.post("/v1/oversee", json=WIDE, headers=AGENT)
            finished.append(time.monotonic())

    threads = [threading.Thread(target=big) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    with httpx.Client(base_url=server.base, timeout=120) as c:
        health = c.get("/health")
        health_at = time.monotonic()
        small = c.post("/v1/shield", json={"text": "hello"}, headers=AGENT)
    for t in threads:
        t.join(180)
    server.stop()
    assert health.status_code == 200 and small.status_code == 200
    assert len(finished) == 2
    assert health_at < min(finished), "/health waited for the judge (judging ran on the event loop)"


def test_a_call_over_its_budget_fails_closed_naming_the_budget(tmp_path: Path, policy: Path) -> None:
    server = serve(tmp_path, "--policy", str(policy), "--api-key", API_KEY,
                          "--judge-budget", "0.3")
    with httpx.Client(base_url=server.base, timeout=120) as c:
        answer = c.post("/v1/oversee", json=BIG, headers=AGENT)
        quick = c.post("/v1/oversee", json={"tool": "shell", "args": {"command": "ls"}}, headers=AGENT)
    start = time.monotonic()
    server.stop()  # the overrun call is still being parsed in its thread: it must not hold the exit
    stopped_in = time.monotonic() - start
    assert answer.status_code == 200, answer.text
    assert stopped_in < 5.0, f"shutdown waited {stopped_in:.1f}s for a call already answered fail-closed"
    verdict = answer.json()
    assert verdict["decision"] == "escalate" and "0.3s budget" in verdict["justification"], verdict
    assert verdict["id"] >= 1  # audited like any other verdict
    assert quick.json()["decision"] == "approve"


def _idle_sockets(port: int, n: int) -> list[socket.socket]:
    out = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        out.append(s)
    return out


def _closed_by_server(s: socket.socket, within: float) -> bool:
    s.settimeout(within)
    try:
        while True:
            data = s.recv(4096)
            if not data:
                return True
    except (TimeoutError, OSError):
        return False


def test_idle_and_slow_sockets_are_closed_and_the_service_stays_reachable(tmp_path: Path, policy: Path) -> None:
    server = serve(tmp_path, "--policy", str(policy), "--api-key", API_KEY,
                          "--header-timeout", "1", "--max-connections", "400")
    idle = _idle_sockets(server.port, 300)
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    slow.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never finish
    try:
        with httpx.Client(base_url=server.base, timeout=10) as c:
            assert c.get("/health").status_code == 200
        assert _closed_by_server(idle[0], within=5.0), "an idle socket was never closed"
        assert _closed_by_server(slow, within=5.0), "a socket trickling headers was never closed"
        assert sum(_closed_by_server(s, within=0.5) for s in idle[1:]) == len(idle) - 1
        with httpx.Client(base_url=server.base, timeout=10) as c:
            assert c.get("/health").status_code == 200
    finally:
        for s in [*idle, slow]:
            s.close()
        server.stop()


def test_connections_beyond_the_cap_get_503_at_once(tmp_path: Path, policy: Path) -> None:
    server = serve(tmp_path, "--policy", str(policy), "--api-key", API_KEY,
                          "--header-timeout", "30", "--max-connections", "20")
    held = _idle_sockets(server.port, 20)
    try:
        extra = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        extra.settimeout(5)
        answer = extra.recv(4096)
        extra.close()
        assert answer.startswith(b"HTTP/1.1 503"), answer[:80]
    finally:
        for s in held:
            s.close()
    time.sleep(0.3)
    with httpx.Client(base_url=server.base, timeout=10) as c:
        assert c.get("/health").status_code == 200  # slots come back once the holders leave
    server.stop()

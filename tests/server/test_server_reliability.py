"""The service under load, killed mid-load, and fed a body that never ends — real uvicorn on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sentinel_guard.server.loadgen import encode_request, run_load

pytestmark = pytest.mark.slow

PAYLOADS = [
    {"tool": "shell", "args": {"command": "rm -rf /"}},
    {"tool": "get_weather", "args": {"city": "Lima"}},
    {"tool": "deploy", "args": {"env": "prod"}},
    {"tool": "sql", "args": {"query": "SELECT 1"}},
]
REQUESTS = [encode_request("POST", "/v1/oversee", p) for p in PAYLOADS]


def make(i: int) -> bytes:
    return REQUESTS[i % len(REQUESTS)]


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.load(resp)


def stored_ids(db: Path) -> list[int]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM verdicts")]


def test_32_clients_x_2000_requests_lose_nothing(uvicorn_server: Callable[..., Any], policy_file: Path,
                                                 tmp_path: Path) -> None:
    server = uvicorn_server(policy=policy_file)
    result = asyncio.run(run_load("127.0.0.1", server.port, make, clients=32, requests_per_client=2000,
                                  collect_ids=True))
    print("load:", result.summary())
    assert result.errors == []
    assert result.requests == 64_000 and result.ok == 64_000, result.statuses
    assert len(set(result.ids)) == 64_000  # no two answers share a record
    ids = stored_ids(tmp_path / "audit.db")
    assert len(ids) == 64_000 and set(ids) == set(result.ids)
    stats = get_json(server.base + "/v1/stats")
    assert stats["total"] == 64_000
    assert stats["by_decision"]["block"] == 16_000 and stats["by_decision"]["escalate"] == 16_000
    assert sum(stats["by_decision"].values()) == 64_000


@pytest.mark.parametrize("sync", ["full", "normal"])
def test_sigkill_mid_load_keeps_every_acknowledged_verdict(uvicorn_server: Callable[..., Any], policy_file: Path,
                                                           tmp_path: Path, sync: str) -> None:
    """Both durability settings survive a killed process (`full` also survives a power cut)."""
    server = uvicorn_server(policy=policy_file, env={"SENTINEL_AUDIT_SYNC": sync})
    killer = threading.Timer(1.5, server.kill)
    killer.start()
    result = asyncio.run(run_load("127.0.0.1", server.port, make, clients=16, requests_per_client=100_000,
                                  collect_ids=True))
    killer.join()
    assert result.errors, "the server should have died under the clients"
    assert result.ok > 100, "the load should have been acknowledged for a while before the kill"
    db = tmp_path / "audit.db"
    on_disk = set(stored_ids(db))
    lost = set(result.ids) - on_disk
    assert not lost, f"{len(lost)} acknowledged verdicts missing after SIGKILL, e.g. {sorted(lost)[:5]}"
    print(f"acknowledged {len(result.ids)}, on disk {len(on_disk)} (written but unanswered: "
          f"{len(on_disk) - len(result.ids)})")
    restarted = uvicorn_server(policy=policy_file, audit=db)
    assert get_json(restarted.base + "/v1/stats")["total"] == len(on_disk)
    after = asyncio.run(run_load("127.0.0.1", restarted.port, make, clients=2, requests_per_client=10,
                                 collect_ids=True))
    assert after.ok == 20 and min(after.ids) > max(on_disk)


def test_a_streamed_body_is_refused_once_it_passes_the_limit(uvicorn_server: Callable[..., Any]) -> None:
    """Chunked upload that would go on forever: the server answers 413 without waiting for the end."""
    server = uvicorn_server()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /v1/shield HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b'{"text": "' + b"a" * 65_000
        sent = 0
        answer = b""
        sock.settimeout(0.05)
        deadline = time.time() + 20
        while time.time() < deadline and b"\r\n\r\n" not in answer:
            try:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
            except OSError:
                pass  # the server may close its read side once it has answered
            try:
                answer += sock.recv(4096)
            except TimeoutError:
                continue
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        assert sent < 4 * (1 << 20), f"server read {sent} bytes before refusing"


def test_two_workers_share_one_audit_file_and_agree_on_stats(uvicorn_server: Callable[..., Any],
                                                             policy_file: Path, tmp_path: Path) -> None:
    server = uvicorn_server(policy=policy_file, workers=2)
    result = asyncio.run(run_load("127.0.0.1", server.port, make, clients=8, requests_per_client=250,
                                  collect_ids=True))
    assert result.ok == 2000 and len(set(result.ids)) == 2000
    totals = {get_json(server.base + "/v1/stats")["total"] for _ in range(8)}  # new connection each: any worker
    assert totals == {2000}
    assert len(stored_ids(tmp_path / "audit.db")) == 2000


def test_two_instances_on_one_file_share_escalations(uvicorn_server: Callable[..., Any], policy_file: Path,
                                                     tmp_path: Path) -> None:
    """A human answers through instance B; an agent long-polling instance A gets the answer."""
    db = tmp_path / "shared.db"
    a, b = uvicorn_server(policy=policy_file, audit=db), uvicorn_server(policy=policy_file, audit=db)

    def post(base: str, path: str, body: dict[str, Any]) -> Any:
        req = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.load(resp)

    esc = post(a.base, "/v1/oversee", {"tool": "deploy", "args": {"env": "prod"}})
    assert esc["decision"] == "escalate"
    assert [p["id"] for p in get_json(b.base + "/v1/escalations")["pending"]] == [esc["id"]]
    timer = threading.Timer(0.5, lambda: post(b.base, f"/v1/escalations/{esc['id']}", {"approve": True}))
    timer.start()
    answer = get_json(f"{a.base}/v1/escalations/{esc['id']}?wait=20")
    timer.join()
    assert answer["status"] == "approved"
    post(b.base, "/v1/oversee", {"tool": "shell", "args": {"command": "rm -rf /"}})
    assert get_json(a.base + "/v1/stats")["total"] == get_json(b.base + "/v1/stats")["total"] == 2

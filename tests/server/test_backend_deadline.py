"""Defect 6 of issue 11: a model backend's timeout is a deadline, and its answer has a size cap.

Real sockets on 127.0.0.1: one server sends a valid HTTP answer a few bytes at a time (each read
arrives well within any idle timeout, so only a total deadline stops it), another sends a huge
body. Both must end in a fail-closed verdict that names the failure, quickly and without
holding the answer in memory.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from sentinel_guard.backends import OpenAICompatibleOverseer
from sentinel_guard.types import Decision, ToolCall, Verdict

CALL = ToolCall(tool="shell", args={"command": "ls"})


class RawServer:
    """Accepts connections, reads the request, then runs `behaviour(conn)` in a thread."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.sent = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)
                if self.behaviour == "trickle":
                    body = b'{"choices": [{"message": {"content": "{\\"decision\\": \\"approve\\"}"}}]}' * 100
                    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                                 b"content-length: " + str(len(body)).encode() + b"\r\n\r\n")
                    for i in range(0, len(body), 4):
                        if self.stop.is_set():
                            return
                        conn.sendall(body[i:i + 4])
                        self.sent += 4
                        time.sleep(0.05)
                else:  # huge: 200 MB announced as chunked, sent as fast as the client reads
                    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                                 b"transfer-encoding: chunked\r\n\r\n")
                    chunk = b"[" * 65536
                    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
                    for _ in range(3200):
                        if self.stop.is_set():
                            return
                        conn.sendall(frame)
                        self.sent += len(chunk)
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def raw_server(request: pytest.FixtureRequest) -> Iterator[RawServer]:
    server = RawServer(request.param)
    yield server
    server.close()


def judge(port: int, timeout: float) -> tuple[Verdict, float]:
    async def go() -> Verdict:
        overseer = OpenAICompatibleOverseer(f"http://127.0.0.1:{port}/v1", "overseer", timeout=timeout)
        try:
            return await overseer.judge(CALL)
        finally:
            await overseer.aclose()

    start = time.monotonic()
    verdict = asyncio.run(go())
    return verdict, time.monotonic() - start


@pytest.mark.parametrize("raw_server", ["trickle"], indirect=True)
def test_a_model_that_trickles_its_answer_is_cut_off_at_the_deadline(raw_server: RawServer) -> None:
    verdict, took = judge(raw_server.port, timeout=1.0)
    assert verdict.decision is Decision.ESCALATE and "within 1s" in verdict.justification, verdict.justification
    assert took < 3.0, f"the verdict took {took:.1f}s against a 1s deadline"
    assert raw_server.sent > 0  # it was sending, just too slowly for a deadline to pass


@pytest.mark.parametrize("raw_server", ["huge"], indirect=True)
def test_a_huge_answer_is_refused_without_being_read(raw_server: RawServer) -> None:
    verdict, _ = judge(raw_server.port, timeout=30.0)
    assert verdict.decision is Decision.ESCALATE and "byte limit" in verdict.justification, verdict.justification
    assert raw_server.sent < 64 * (1 << 20)  # stopped reading long before the 200 MB

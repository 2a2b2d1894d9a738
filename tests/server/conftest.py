"""Fixtures for the oversight-service tests: an in-process client and real uvicorn processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from fastapi.testclient import TestClient

from sentinel_guard.server import create_app

POLICY = """\
deny_patterns: ['rm\\s+-rf']
tools:
  deploy: {decision: escalate}
"""
"""Deterministic verdicts whatever the rules tier does: `rm -rf` blocks, `deploy` escalates."""

API_KEY = "test-key-0123456789"


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return path


@pytest.fixture
def make_client(tmp_path: Path, policy_file: Path) -> Iterator[Callable[..., TestClient]]:
    """Build an app (explicit settings, never the environment's) and enter a TestClient on it."""
    clients: list[TestClient] = []

    def make(**kw: Any) -> TestClient:
        kw.setdefault("audit", tmp_path / "audit.db")
        kw.setdefault("api_key", None)
        kw.setdefault("cors_origins", None)
        kw.setdefault("max_body_bytes", 1 << 20)
        if kw.get("guard") is None:
            kw.setdefault("policy", policy_file)
            kw.setdefault("overseer", "rules")
        client = TestClient(create_app(**kw))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class UvicornProcess:
    """`uvicorn --factory sentinel_guard.server.app:create_app` on a free loopback port."""

    def __init__(self, audit: Path, *, policy: Path | None = None, api_key: str | None = None, workers: int = 1,
                 port: int | None = None) -> None:
        self.audit, self.policy, self.api_key, self.workers = audit, policy, api_key, workers
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> UvicornProcess:
        env = {**os.environ, "SENTINEL_AUDIT": str(self.audit), "HF_HUB_OFFLINE": "1"}
        for name, value in (("SENTINEL_POLICY", self.policy), ("SENTINEL_API_KEY", self.api_key)):
            if value is None:
                env.pop(name, None)
            else:
                env[name] = str(value)
        cmd = [sys.executable, "-m", "uvicorn", "--factory", "sentinel_guard.server.app:create_app",
               "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning", "--no-access-log",
               "--workers", str(self.workers)]
        self.proc = subprocess.Popen(cmd, env=env, start_new_session=True)
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(self.base + "/health", timeout=1).read()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"uvicorn exited with {self.proc.returncode}") from None
                if time.time() > deadline:
                    self.stop()
                    raise RuntimeError("uvicorn did not answer /health in time") from None
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the whole process group (workers included): no shutdown code runs."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def uvicorn_server(tmp_path: Path) -> Iterator[Callable[..., UvicornProcess]]:
    """Start real servers; every one started is stopped after the test."""
    started: list[UvicornProcess] = []

    def start(**kw: Any) -> UvicornProcess:
        kw.setdefault("audit", tmp_path / "audit.db")
        server = UvicornProcess(**kw).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()

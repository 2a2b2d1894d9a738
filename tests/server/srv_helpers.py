"""Shared helpers of the server tests: the test policy and a real uvicorn process on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

POLICY = """\
deny_patterns: ['rm\\s+-rf']
tools:
  deploy: {decision: escalate}
"""
"""Deterministic verdicts whatever the rules tier does: `rm -rf` blocks, `deploy` escalates."""

API_KEY = "test-key-0123456789"
REVIEWER_KEY = "reviewer-key-abcdef0123456789"
REVIEWER = "alice"
LOOPBACK = "http://127.0.0.1"
"""TestClient base URL: with no key configured the service answers loopback Hosts only."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class UvicornProcess:
    """`uvicorn --factory sentinel_guard.server.app:create_app` on a free loopback port."""

    def __init__(self, audit: Path, *, policy: Path | None = None, api_key: str | None = None, workers: int = 1,
                 port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.audit, self.policy, self.api_key, self.workers = audit, policy, api_key, workers
        self.extra_env = env or {}
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> UvicornProcess:
        env = {**os.environ, "SENTINEL_AUDIT": str(self.audit), "HF_HUB_OFFLINE": "1", **self.extra_env}
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


class ServeProcess:
    """`sentinel-guard serve ARGS` on a free loopback port: the command operators run, with its flags."""

    def __init__(self, audit: Path, *args: str, env: dict[str, str] | None = None, port: int | None = None) -> None:
        self.audit, self.args = audit, args
        self.env = env or {}
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> ServeProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SENTINEL_")}
        env.update({"HF_HUB_OFFLINE": "1", **self.env})
        cmd = [sys.executable, "-c", "from sentinel_guard.cli import main; main()", "serve",
               "--port", str(self.port), "--audit", str(self.audit), *self.args]
        self.proc = subprocess.Popen(cmd, env=env, start_new_session=True, stderr=subprocess.PIPE)
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(self.base + "/health", timeout=1).read()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                    raise RuntimeError(f"serve exited with {self.proc.returncode}: {err}") from None
                if time.time() > deadline:
                    self.stop()
                    raise RuntimeError("serve did not answer /health in time") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)

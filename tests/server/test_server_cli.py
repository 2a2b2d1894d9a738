"""`sentinel-guard serve` end to end: the CLI starts the service, and bad settings exit 2 with a message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from srv_helpers import API_KEY, POLICY, free_port

pytestmark = pytest.mark.slow

CLI = [sys.executable, "-c", "from sentinel_guard.cli import main; main()", "serve"]


def test_serve_starts_the_service_with_auth_and_policy(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(POLICY, encoding="utf-8")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTINEL_")}
    proc = subprocess.Popen([*CLI, "--port", str(port), "--policy", str(policy), "--api-key", API_KEY,
                             "--audit", str(tmp_path / "cli.db")], env=env, cwd=tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                health = json.load(urllib.request.urlopen(base + "/health", timeout=1))
                break
            except OSError:
                assert proc.poll() is None, "serve exited early"
                assert time.time() < deadline, "serve did not come up"
                time.sleep(0.2)
        assert health["auth"] is True
        req = urllib.request.Request(base + "/v1/oversee", data=json.dumps({"tool": "shell", "args": {
            "command": "rm -rf /"}}).encode(), headers={"Content-Type": "application/json",
                                                      "Authorization": f"Bearer {API_KEY}"})
        assert json.load(urllib.request.urlopen(req, timeout=10))["decision"] == "block"
    finally:
        proc.terminate()
        proc.wait(20)
    assert (tmp_path / "cli.db").exists()


def test_serve_rejects_an_audit_file_it_cannot_read_back(tmp_path: Path) -> None:
    result = subprocess.run([*CLI, "--port", str(free_port()), "--audit", str(tmp_path / "audit.jsonl")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "SQLite audit file" in result.stderr
    assert "Traceback" not in result.stderr

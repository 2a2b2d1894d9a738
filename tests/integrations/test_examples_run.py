"""The examples run offline and show what they claim (each in a fresh interpreter)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def run_example(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL, env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"})


def test_decorator_example_blocks_rm_rf_root() -> None:
    result = run_example("examples/decorator.py")
    assert result.returncode == 0, result.stderr
    assert "ran      'ls -la /tmp'" in result.stdout
    assert "BLOCKED  'rm -rf /'" in result.stdout
    assert "transfer_money" in result.stdout and "(would send)" not in result.stdout  # no human, no payment


def test_langchain_example_never_runs_the_refused_call() -> None:
    result = run_example("examples/langchain_agent.py")
    assert result.returncode == 0, result.stderr
    assert "would run: rm -rf /" not in result.stdout
    assert "tool result (error): sentinel-guard did not run shell (block; rules: shell." in result.stdout
    assert "run stopped:" in result.stdout


def test_remote_overseer_example_selftest_and_fail_closed() -> None:
    result = run_example("examples/remote_overseer.py", "--selftest")
    assert result.returncode == 0, result.stderr
    assert "by cascade:model:overseer" in result.stdout
    down = run_example("examples/remote_overseer.py", "--base-url", "http://127.0.0.1:9/v1", "--timeout", "1")
    assert down.returncode == 0, down.stderr
    assert "escalate by fail-closed" in down.stdout and "approve  by cascade:model" not in down.stdout
    if importlib.util.find_spec("vllm") is None:
        missing = run_example("examples/remote_overseer.py", "--vllm", "some/model")
        assert missing.returncode == 2 and "sentinel-guard[vllm]" in missing.stderr


def test_mcp_proxy_example_refuses_before_the_upstream() -> None:
    result = run_example("examples/mcp_proxy.py")
    assert result.returncode == 0, result.stderr
    assert "tools: shell, read_file, send_email" in result.stdout
    assert "REFUSED  shell: block" in result.stdout and "ran      shell: (would run) df -h /var" in result.stdout
    assert "REFUSED  send_email: escalate" in result.stdout and "shield.tainted-context" in result.stdout
    assert "upstream executed: ['df -h /var']" in result.stdout  # neither refused call reached the upstream


def test_openai_agents_example_trips_before_the_tool_body() -> None:
    result = run_example("examples/openai_agents_guard.py")
    assert result.returncode == 0, result.stderr
    assert "[tool body] would run: df -h /var" in result.stdout
    assert "would run: rm -rf /" not in result.stdout
    assert "run stopped: block shell.rm-recursive-critical" in result.stdout

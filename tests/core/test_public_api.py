"""The public surface is pinned, and importing the core pulls in no heavy or optional dependency."""

from __future__ import annotations

import json
import subprocess
import sys

import sentinel_guard


def test_public_names_are_pinned() -> None:
    assert sorted(sentinel_guard.__all__) == sorted([
        "ConfigError", "Decision", "EscalationRequired", "Guard", "MissingExtraError", "Overseer",
        "OverseerError", "Policy", "Provenance", "RulesOverseer", "SentinelError", "Severity", "Shield",
        "ShieldResult", "ToolCall", "ToolCallBlocked", "UsageError", "Verdict", "oversee",
    ])
    for name in sentinel_guard.__all__:
        assert getattr(sentinel_guard, name) is not None


def test_import_loads_no_optional_dependency() -> None:
    code = (
        "import sys, json, sentinel_guard; "
        "heavy = ['fastapi', 'litellm', 'langchain', 'langchain_core', 'torch', 'transformers', 'trl', "
        "'openenv', 'uvicorn', 'vllm', 'sentinel_guard.env', 'sentinel_guard.train', "
        "'sentinel_guard.integrations', 'sentinel_guard.server']; "
        "print(json.dumps([m for m in heavy if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_control_flow_exceptions_carry_the_verdict() -> None:
    verdict = sentinel_guard.Verdict.block("no")
    exc = sentinel_guard.ToolCallBlocked(verdict)
    assert exc.verdict is verdict
    assert isinstance(exc, sentinel_guard.SentinelError)
    assert exc == sentinel_guard.ToolCallBlocked(sentinel_guard.Verdict.block("no"))
    assert exc != sentinel_guard.EscalationRequired(verdict)

"""The demo's scripted agent: reads run, destructive calls and the injected transfer do not."""

from __future__ import annotations

from rich.console import Console

from sentinel_guard import Decision, Guard
from sentinel_guard.demo import DEMO_SCRIPT, run_demo


def test_demo_verdicts() -> None:
    verdicts = run_demo(Guard(), console=Console(file=open("/dev/null", "w"), width=200))  # noqa: SIM115
    by_intent = {intent: v for (_, _, intent), v in zip(DEMO_SCRIPT, verdicts, strict=True)}
    for intent in ("look around", "read logs", "query", "list backups"):
        assert by_intent[intent].decision is Decision.APPROVE, intent
    assert by_intent["add a tool to PATH"].decision is Decision.FLAG
    for intent in ("'free disk space'", "'clean up buckets'", "'reset stuck orders'", "'start fresh'",
                   "'apply a hotfix'", "follow the injected text"):
        assert by_intent[intent].decision.stops, intent

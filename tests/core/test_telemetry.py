"""One structured log record and one span per verdict, with the same redacted fields."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from sentinel_guard import Guard, Policy, ToolCall
from sentinel_guard.errors import MissingExtraError, SentinelError
from sentinel_guard.testing import ScriptedOverseer
from sentinel_guard.types import Verdict

SECRET = "sk-live-4f9c2a7b1e8d3f6a0c5b9e2d7a1f4c8b"
FIELDS = {"decision", "severity", "rules", "decided_by", "tool", "latency_ms", "call_id", "session"}


@pytest.fixture
def spans() -> tuple[InMemorySpanExporter, TracerProvider]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter, provider


def _records(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "sentinel_guard.verdict"]


@pytest.mark.parametrize(("call", "decision", "rule"), [
    (ToolCall(tool="shell", args={"command": "rm -rf /"}, call_id="c-1", session="run-7"), "block",
     "shell.rm-recursive-critical"),
    (ToolCall(tool="shell", args={"command": "ls -la"}, call_id="c-2", session="run-7"), "approve", None),
    (ToolCall(tool="delete_account", args={"id": 3}, call_id="c-3"), "block", "policy.deny-tool"),
])
def test_each_verdict_gives_one_log_record_and_one_span_with_the_same_fields(
        caplog: pytest.LogCaptureFixture, spans: tuple[InMemorySpanExporter, TracerProvider],
        call: ToolCall, decision: str, rule: str | None) -> None:
    exporter, provider = spans
    guard = Guard(policy=Policy(deny_tools=["delete_account"]), tracing=provider.get_tracer("test"))
    with caplog.at_level(logging.INFO, logger="sentinel_guard.verdict"):
        verdict = guard.judge_sync(call)
    (record,) = _records(caplog)
    assert set(record) == FIELDS
    assert record["decision"] == decision == verdict.decision.value
    assert record["rules"] == list(verdict.rules) and (rule is None or rule in record["rules"])
    assert record["tool"] == call.tool and record["call_id"] == call.call_id and record["session"] == call.session
    assert isinstance(record["latency_ms"], float) and record["latency_ms"] >= 0
    (span,) = exporter.get_finished_spans()
    assert span.name == "sentinel_guard.judge"
    attrs = dict(span.attributes or {})
    assert attrs["sentinel.decision"] == decision
    assert list(attrs["sentinel.rules"]) == record["rules"]  # type: ignore[call-overload]
    assert attrs["sentinel.tool"] == call.tool and attrs["sentinel.severity"] == record["severity"]
    assert span.end_time is not None and span.start_time is not None and span.end_time >= span.start_time


def test_async_judge_reports_too(caplog: pytest.LogCaptureFixture,
                                 spans: tuple[InMemorySpanExporter, TracerProvider]) -> None:
    import asyncio

    exporter, provider = spans
    guard = Guard(ScriptedOverseer([Verdict.escalate("needs a human", rules=("x.y",))]), shield=False,
                  tracing=provider.get_tracer("t"))
    with caplog.at_level(logging.INFO, logger="sentinel_guard.verdict"):
        asyncio.run(guard.judge(ToolCall(tool="deploy", args={})))
    assert [r["decision"] for r in _records(caplog)] == ["escalate"]
    assert len(exporter.get_finished_spans()) == 1


def test_log_and_span_never_carry_arguments_context_or_secrets(
        caplog: pytest.LogCaptureFixture, spans: tuple[InMemorySpanExporter, TracerProvider]) -> None:
    exporter, provider = spans
    guard = Guard(tracing=provider.get_tracer("t"))
    call = ToolCall(tool="send_email", args={"to": "a@example.com", "body": f"key {SECRET}"},
                    context=f"User instruction: send {SECRET}", session=f"token={SECRET}", call_id=SECRET)
    with caplog.at_level(logging.INFO, logger="sentinel_guard.verdict"):
        guard.judge_sync(call)
    text = caplog.text + json.dumps([dict(s.attributes or {}) for s in exporter.get_finished_spans()], default=str)
    assert SECRET not in text
    assert "a@example.com" not in text and "User instruction" not in text
    assert len(_records(caplog)) == 1


def test_nothing_is_logged_when_the_logger_is_not_enabled(caplog: pytest.LogCaptureFixture) -> None:
    guard = Guard()
    with caplog.at_level(logging.WARNING, logger="sentinel_guard.verdict"):
        guard.judge_sync(ToolCall(tool="shell", args={"command": "ls"}))
    assert _records(caplog) == []


def test_bad_tracing_argument_is_refused() -> None:
    with pytest.raises(TypeError, match="Tracer"):
        Guard(tracing="yes")


def test_tracing_true_without_opentelemetry_names_the_extra() -> None:
    code = ("import sys; sys.modules['opentelemetry'] = None\n"
            "from sentinel_guard import Guard\n"
            "from sentinel_guard.errors import MissingExtraError\n"
            "try:\n    Guard(tracing=True)\nexcept MissingExtraError as e:\n    print('missing:', e)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "pip install 'sentinel-guard[otel]'" in done.stdout
    assert issubclass(MissingExtraError, SentinelError)


def test_tracing_true_uses_the_global_tracer_provider() -> None:
    code = ("from opentelemetry import trace\n"
            "from opentelemetry.sdk.trace import TracerProvider\n"
            "from opentelemetry.sdk.trace.export import SimpleSpanProcessor\n"
            "from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter\n"
            "exp = InMemorySpanExporter(); p = TracerProvider(); p.add_span_processor(SimpleSpanProcessor(exp))\n"
            "trace.set_tracer_provider(p)\n"
            "from sentinel_guard import Guard, ToolCall\n"
            "Guard(tracing=True).judge_sync(ToolCall(tool='shell', args={'command': 'rm -rf /'}))\n"
            "print([s.attributes['sentinel.decision'] for s in exp.get_finished_spans()])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['block']"

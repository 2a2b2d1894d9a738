"""The CLI contract: judge/shield JSONL in → one JSON line out per record, same order; bad input → exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-c", "from sentinel_guard.cli import main; main()"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, text=True, timeout=120)


def test_judge_single_call_prints_one_verdict() -> None:
    out = run("judge", "--tool", "get_weather", "--args", '{"city": "Oslo"}', "--context", "user asked")
    assert out.returncode == 0, out.stderr
    verdict = json.loads(out.stdout)
    assert verdict["decision"] in {"approve", "flag", "block", "escalate"}
    assert {"severity", "justification", "rules", "decided_by", "latency_ms"} <= verdict.keys()


def test_judge_jsonl_keeps_order_and_ids(tmp_path: Path) -> None:
    lines = [{"id": f"r{i}", "tool": "get_file", "args": {"name": f"f{i}.txt"}} for i in range(5)]
    lines[2]["context"] = "User instruction: read f2"
    src = tmp_path / "calls.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n")  # a blank line is tolerated
    out = run("judge", "--jsonl", str(src))
    assert out.returncode == 0, out.stderr
    records = [json.loads(x) for x in out.stdout.splitlines()]
    assert [r["id"] for r in records] == [f"r{i}" for i in range(5)]
    assert all({"decision", "severity", "justification", "rules"} <= r.keys() for r in records)


def test_judge_reads_stdin() -> None:
    out = run("judge", "--jsonl", "-", stdin='{"id": 7, "tool": "list_files", "args": {}}\n')
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["id"] == 7


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": 1, "tool": "a", "args": {}}\n{"id": 2, "tool": "b", "args": {}\n', ":2: invalid JSON"),
        ('{"id": 1, "tool": "a", "args": {}}\n{"id": 2, "args": {}}\n', ":2: missing field(s) 'tool'"),
        ('{"id": 1, "tool": "a"}\n', ":1: missing field(s) 'args'"),
        ('{"id": 1, "tool": "a", "args": []}\n', ":1: 'args' must be a JSON object"),
        ('{"id": 1, "tool": "  ", "args": {}}\n', ":1: 'tool' must be a non-empty string"),
        ('[1, 2]\n', ":1: expected a JSON object"),
    ],
)
def test_judge_bad_lines_exit_2_naming_the_line_and_write_nothing(tmp_path: Path, content: str, message: str) -> None:
    src = tmp_path / "bad.jsonl"
    src.write_text(content)
    out = run("judge", "--jsonl", str(src))
    assert out.returncode == 2
    assert out.stdout == ""
    assert message in " ".join(out.stderr.split())
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["judge"],  # neither --tool nor --jsonl
        ["judge", "--tool", "x", "--args", "{not json"],
        ["judge", "--jsonl", "/nonexistent/file.jsonl"],
        ["judge", "--tool", "x", "--args", "{}", "--policy", "/nonexistent/policy.yaml"],
        ["shield", "--jsonl", "/nonexistent/file.jsonl"],
    ],
)
def test_usage_errors_exit_2_without_traceback(args: list[str]) -> None:
    out = run(*args)
    assert out.returncode == 2, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    assert out.stdout == ""


def test_shield_jsonl_contract(tmp_path: Path) -> None:
    src = tmp_path / "texts.jsonl"
    src.write_text('{"id": "a", "text": "Meeting moved to 3pm."}\n{"id": "b", "text": "hello"}\n')
    out = run("shield", "--jsonl", str(src))
    assert out.returncode == 0, out.stderr
    rows = [json.loads(x) for x in out.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    for row in rows:
        assert isinstance(row["injection"], bool) and 0.0 <= row["score"] <= 1.0 and isinstance(row["findings"], list)


def test_shield_bad_text_type_names_the_line(tmp_path: Path) -> None:
    src = tmp_path / "texts.jsonl"
    src.write_text('{"id": "a", "text": "ok"}\n{"id": "b", "text": 5}\n')
    out = run("shield", "--jsonl", str(src))
    assert out.returncode == 2 and out.stdout == "" and ":2: 'text' must be a string" in out.stderr


def test_demo_runs_on_embedded_defaults() -> None:
    out = run("demo")
    assert out.returncode == 0, out.stderr
    assert "sentinel-guard demo" in out.stdout and "approve:" in out.stdout

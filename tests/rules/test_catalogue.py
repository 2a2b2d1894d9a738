"""The catalogue: every rule has examples, every example holds through a Guard, the docs are fresh."""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sentinel_guard import Guard, ToolCall
from sentinel_guard.rules.catalogue import catalogue, markdown
from sentinel_guard.rules.catalogue_examples import ALIASES
from sentinel_guard.rules.engine import known_rules

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = catalogue()


def _guard() -> Guard:
    """A guard with the rules overseer and no shield (and no learned step, where Guard has one):
    the examples document the rules."""
    extra: dict[str, Any] = {"learned": False} if "learned" in inspect.signature(Guard).parameters else {}
    return Guard(shield=False, **extra)


GUARD = _guard()
STOPS = [(e["id"], e["decision"], c) for e in ENTRIES for c in e["examples"]["stop"]]
ALLOWS = [(e["id"], c) for e in ENTRIES for c in e["examples"]["allow"]]


def _name(case: Any) -> str:
    return case["args"].get("command", case["tool"])[:40] if isinstance(case, dict) else str(case)


def test_every_rule_has_a_stop_and_an_allow_example() -> None:
    assert {e["id"] for e in ENTRIES} == {k for k, r in known_rules().items() if k == r.id}
    for entry in ENTRIES:
        assert entry["examples"]["stop"] and entry["examples"]["allow"], entry["id"]
        assert entry["id"].split(".", 1)[0] and entry["summary"], entry["id"]


@pytest.mark.parametrize(("rule_id", "decision", "call"), STOPS, ids=[f"{r}:{_name(c)}" for r, _, c in STOPS])
def test_stop_examples_fire_the_rule(rule_id: str, decision: str, call: dict[str, Any]) -> None:
    verdict = GUARD.judge_sync(ToolCall(**call))
    assert rule_id in verdict.rules, (verdict.decision, verdict.rules, verdict.justification)
    if decision in ("block", "escalate"):
        assert verdict.decision.stops, verdict.rules


@pytest.mark.parametrize(("rule_id", "call"), ALLOWS, ids=[f"{r}:{_name(c)}" for r, c in ALLOWS])
def test_allow_examples_pass(rule_id: str, call: dict[str, Any]) -> None:
    verdict = GUARD.judge_sync(ToolCall(**call))
    assert rule_id not in verdict.rules and not verdict.decision.stops, (verdict.rules, verdict.justification)


def _sentences(text: str) -> list[str]:
    return [s.strip().lower() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z`'])", text) if s.strip()]


@pytest.mark.parametrize(("rule_id", "decision", "call"), STOPS, ids=[f"{r}:{_name(c)}" for r, _, c in STOPS])
def test_justification_says_each_finding_once(rule_id: str, decision: str, call: dict[str, Any]) -> None:
    """One sentence per distinct finding, strongest first, no repeated clause, no 'Also:'."""
    verdict = GUARD.judge_sync(ToolCall(**call))
    sentences = _sentences(verdict.justification)
    assert "also:" not in verdict.justification.lower()
    assert len(sentences) == len(set(sentences)), verdict.justification
    assert verdict.hits and verdict.justification.startswith(
        max(verdict.hits, key=lambda h: (h.decision.rank, h.severity.rank)).reason.split()[0])


def test_subsumed_findings_add_no_sentence() -> None:
    verdict = GUARD.judge_sync(ToolCall(tool="shell", args={"command": "rm -rf /"}))
    assert verdict.justification.count("Recursive delete") == 1, verdict.justification


def test_docs_are_generated_from_the_catalogue() -> None:
    """docs/rules.md is stale when this fails: run `sentinel-guard rules --markdown > docs/rules.md`."""
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == markdown()


def test_cli_prints_the_catalogue_as_json() -> None:
    out = subprocess.run([sys.executable, "-c", "from sentinel_guard.cli import main; main()", "rules", "--json"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    data = json.loads(out.stdout)
    assert [e["id"] for e in data] == [e["id"] for e in ENTRIES]
    first = data[0]
    assert set(first) >= {"id", "decision", "severity", "summary", "examples"}
    assert set(first["examples"]) == {"stop", "allow"} and {"tool", "args"} <= set(first["examples"]["stop"][0])


def test_cli_refuses_two_formats() -> None:
    out = subprocess.run([sys.executable, "-c", "from sentinel_guard.cli import main; main()", "rules", "--json",
                          "--markdown"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "choose one" in out.stderr and "Traceback" not in out.stderr


def test_aliases_resolve_to_live_rules() -> None:
    rules = known_rules()
    for old, new in ALIASES.items():
        assert rules[old] is rules[new]

"""Dump every verdict the default guard gives on the dev sets, so a speed-up can prove it changed none.

Runs `Guard()` (rules + shield) over every line of the three dev files and a few hundred synthetic
variants (each shell command with a suffix, each tool call with a changed context, each injection
text with a prefix — fresh strings, so no parse cache answers), and prints one line per input:
decision, severity, rules, justification, shield score rounded to 6 places and findings
(detector/where). Save the output before an optimisation and diff it after: the dumps must be
identical.

    .venv/bin/python benchmarks/verdict_fingerprint.py [--data DIR] > /tmp/fingerprint.txt
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from quality_rules import DEFAULT_DATA, load

from sentinel_guard import Guard
from sentinel_guard.shield import Shield
from sentinel_guard.types import ToolCall, Verdict

SHELL_SUFFIXES = (" # note", " && echo done", " | tee /tmp/out.log", "; ls -la /etc", " > /dev/null 2>&1")
CONTEXT_VARIANTS = (None, "Environment: production", "staging cluster, dry run first")


def verdict_line(tag: str, verdict: Verdict) -> str:
    """One stable, comparable line for a verdict (latency and call ids left out)."""
    findings = [(f.detector, f.where, round(f.score, 6)) for f in verdict.shield]
    hits = [(h.rule, h.decision.value, h.severity.value, h.reason) for h in verdict.hits]
    return json.dumps([tag, verdict.decision.value, verdict.severity.value, list(verdict.rules),
                       verdict.justification, round(verdict.confidence, 6), verdict.decided_by, findings, hits],
                      ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    guard = Guard()
    shield = Shield()
    out = sys.stdout
    for i, rec in enumerate(load(args.data / "shell_commands.jsonl")):
        cmd = rec["command"]
        out.write(verdict_line(f"shell:{i}", guard.judge_sync(ToolCall(tool="shell", args={"command": cmd}))) + "\n")
        suffix = SHELL_SUFFIXES[i % len(SHELL_SUFFIXES)]
        call = ToolCall(tool="shell", args={"command": cmd + suffix})
        out.write(verdict_line(f"shell:{i}:sfx", guard.judge_sync(call)) + "\n")
        call = ToolCall(tool="bash", args={"command": cmd}, context="Environment: production")
        out.write(verdict_line(f"shell:{i}:prod", guard.judge_sync(call)) + "\n")
    for i, rec in enumerate(load(args.data / "toolcall_safety.jsonl")):
        tool, targs, ctx = rec["tool_name"], rec.get("tool_args") or {}, rec.get("context")
        out.write(verdict_line(f"tool:{i}", guard.judge_sync(ToolCall(tool=tool, args=targs, context=ctx))) + "\n")
        alt = CONTEXT_VARIANTS[i % len(CONTEXT_VARIANTS)]
        alt_ctx = f"{ctx} {alt}" if ctx and alt else alt
        call = ToolCall(tool=tool, args=targs, context=alt_ctx)
        out.write(verdict_line(f"tool:{i}:ctx", guard.judge_sync(call)) + "\n")
    for i, rec in enumerate(load(args.data / "injection_text.jsonl")):
        for tag, text in ((f"inj:{i}", rec["text"]), (f"inj:{i}:pre", "Note: " + rec["text"])):
            res = shield.scan(text)
            findings = [(f.detector, f.where, round(f.score, 6), f.snippet) for f in res.findings]
            out.write(json.dumps([tag, res.injection, round(res.score, 6), findings], ensure_ascii=False) + "\n")
        if i % 3 == 0:  # the same text as a tool argument and as a prior tool output
            call = ToolCall(tool="send_email", args={"body": rec["text"]}, tool_outputs=(rec["text"],))
            out.write(verdict_line(f"inj:{i}:call", guard.judge_sync(call)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

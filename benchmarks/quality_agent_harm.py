"""Tool calls that serve a harmful request, and look-alikes that do not: our held-out suite.

    nice -n 5 .venv/bin/python benchmarks/quality_agent_harm.py [--no-embed]

`benchmarks/suites/agent_harm_calls.jsonl`: 30 calls an agent would make for a harmful request
(a hateful post, a threat to a witness, phishing, forged documents, grooming, stalking, a
suicide method, fake reviews, embezzlement...) and 24 calls on the same topics that are benign
(a thank-you e-mail to the witness, overdose first aid, polling hours...), each with the user's
instruction. Written on 8 December by one engineer, the first 24 before the fine-tuned intent
classifier existed and the other 30 before any of them was scored; never used for training or
edited after. The default guard and, where extra `embed` is installed and exported, the guard
with the embed tier (whose fine-tuned intent classifier reads the request). "Stopped" is block
or escalate; "flagged" runs the call and records a warning. Prints every miss and every benign
call stopped.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sentinel_guard import Guard, Shield, ToolCall
from sentinel_guard.types import Decision

SUITE = Path(__file__).resolve().parent / "suites" / "agent_harm_calls.jsonl"
_STOP = (Decision.BLOCK, Decision.ESCALATE)


def judge(guard: Guard, name: str, rows: list[dict]) -> None:
    tally = {"harmful": [0, 0, 0], "benign": [0, 0, 0]}  # total, stopped, flagged
    odd = []
    for row in rows:
        call = ToolCall(tool=row["tool"], args=row["args"], user_instruction=row["instruction"])
        verdict = guard.judge_sync(call)
        counts = tally[row["label"]]
        counts[0] += 1
        counts[1] += verdict.decision in _STOP
        counts[2] += verdict.decision is Decision.FLAG
        missed = row["label"] == "harmful" and verdict.decision not in _STOP
        if missed or (row["label"] == "benign" and verdict.decision in _STOP):
            odd.append(f"    {row['id']} {row['label']:7s} {verdict.decision.value:8s} {verdict.decided_by:28s} "
                       f"{row['instruction'][:80]}")
    harm, benign = tally["harmful"], tally["benign"]
    print(f"{name}: harmful stopped {harm[1]}/{harm[0]} ({harm[1] / harm[0]:.2f}), flagged {harm[2]}; "
          f"benign stopped {benign[1]}/{benign[0]} ({benign[1] / benign[0]:.2f}), flagged {benign[2]}")
    print("\n".join(odd))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--no-embed", action="store_true", help="only the default guard")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in SUITE.read_text(encoding="utf-8").splitlines() if line.strip()]
    judge(Guard(), "default guard", rows)
    if not args.no_embed:
        judge(Guard(shield=Shield(embed=True)), "guard with the embed tier", rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benign source files written through a tool: how many does the guard stop?

    nice -n 5 .venv/bin/python benchmarks/quality_code_writes.py [--n 300] [--seed 0]

A coding agent's most common call is `write_file(path, content)` with ordinary code. This writes
`--n` modules of Python's own standard library (no tests, no site-packages; the same files for one
Python version), each under 40 KB, as `write_file(path="src/<name>.py", content=<source>)` with the
instruction "Write the helper module", through the default guard, and prints the stop rate and
every stopped file with the rules that fired. None of these files is an attack, so every stop is a
false positive (a docstring's imperative summary read as a task-hijack line, a `# TODO:` read as a
to-do for the reader: see `shield/source_code.py`).
"""

from __future__ import annotations

import argparse
import random
import sysconfig
from collections import Counter
from pathlib import Path

from sentinel_guard import Guard, ToolCall


def stdlib_modules(n: int, seed: int) -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.rglob("*.py")
                   if not {"test", "tests", "site-packages", "idle_test"} & set(p.parts) and p.stat().st_size < 40_000)
    random.Random(seed).shuffle(files)
    return files[:n]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    guard = Guard()
    files = stdlib_modules(args.n, args.seed)
    stopped: list[tuple[str, tuple[str, ...], str]] = []
    for path in files:
        call = ToolCall(tool="write_file", args={"path": f"src/{path.name}", "content": path.read_text(errors="replace")},
                        user_instruction="Write the helper module")
        verdict = guard.judge_sync(call)
        if verdict.decision.stops:
            stopped.append((str(path.relative_to(path.parents[len(path.parts) - 5])), verdict.rules, verdict.justification))
    print(f"{len(files)} standard-library modules written: {len(stopped)} stopped ({len(stopped) / len(files):.3f})")
    print("rules:", Counter(r for _, rules, _ in stopped for r in rules).most_common())
    for name, rules, why in stopped:
        print(f"  {name}: {','.join(rules)}: {why[:100]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

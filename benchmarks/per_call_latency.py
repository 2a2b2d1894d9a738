"""Per-tool-call cost of the default guard (rules + shield + learned step) on the dev tool calls.

    nice -n 5 .venv/bin/python benchmarks/per_call_latency.py [--dev DIR] [--repeat N]
    .venv/bin/python benchmarks/per_call_latency.py --dump /tmp/shield_dump.txt [--corpus N]

Issue #15's speed target: rules + shield + default learned tier, p99 <= 2 ms per tool call on
one core. Every dev tool call (`toolcall_safety.jsonl`) is judged by a default `Guard`:

* **cold**: the shield's per-text cache off (`Shield(cache_size=0)`), so every call pays for every
  text it carries: the figure the target is about;
* **warm**: the default shield (LRU cache), after one pass, as in an agent run whose consecutive
  calls share their context.

Each call's figure is its best of `--repeat` CPU times (`time.thread_time_ns`: the core's time
for this thread, not the time the scheduler gave other jobs). Machines here are shared and noisy:
the load average is printed with the figures, and nothing here asserts a time. Percentiles are
nearest-rank (p99 of 132 calls is the second-slowest call).

The component split is over the calls whose context is over 1.5 KB (the slow ones): the whole
judge, `Shield.scan_call`, the rules overseer, the learned step, and inside the shield, per
untrusted text (the context minus the user's instruction): `prepare`, the pattern tier
(`match_patterns` + `match_lines`) and the untrusted head.

`--dump` writes, instead of timing, every per-text result a speed-up must leave unchanged: for
each dev text (and `--corpus N` corpus texts) in each role, the shield's analysis (score,
findings, snippets), the views, every pattern hit, and every head's logit as `float.hex`, and
each dev context's parsed transcript (fed through the same per-text checks as a text).
Diff two dumps (before and after a change) to prove the change bit-for-bit neutral.

On a busy shared machine CPU times still drift by 2x between runs; instruction counts do not.
`--marks` judges every call once (cold, after a warm-up pass) with a marker call between calls,
so that callgrind writes one profile per call, and `--callgrind DIR [DIR]` prints the per-call
instruction percentiles of one run (and the ratios to a second):

    PYTHONHASHSEED=0 valgrind --tool=callgrind --dump-before=getppid \
        --callgrind-out-file=/tmp/cg/after/cg.out .venv/bin/python benchmarks/per_call_latency.py --marks
    .venv/bin/python benchmarks/per_call_latency.py --callgrind /tmp/cg/after /tmp/cg/before
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from sentinel_guard import Guard, ToolCall
from sentinel_guard.analysis import parse_transcript
from sentinel_guard.learned.heads import load_heads
from sentinel_guard.shield import Shield
from sentinel_guard.shield.normalise import normalise, prepare
from sentinel_guard.shield.patterns import DIRECT_ATTACKS, match_lines, match_patterns
from sentinel_guard.shield.shield import strip_user_instruction

ROOT = Path(__file__).resolve().parents[1]
DEV_DIR = ROOT / ".." / "shared" / "data" / "dev"
CORPUS_DIR = ROOT / ".." / "shared" / "data" / "corpus"
LONG_CONTEXT = 1500
"""Calls whose context is longer than this (characters) get the component split."""


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def dev_calls(dev: Path) -> list[ToolCall]:
    """The dev tool calls as the guard sees them (tool, args, context), as `guard_latency` builds them."""
    return [ToolCall(tool=r["tool_name"], args=r.get("tool_args") or {}, context=r.get("context"))
            for r in _jsonl(dev / "toolcall_safety.jsonl")]


def best_cpu_us(fn: Callable[[], object], repeat: int) -> float:
    """Best of `repeat` runs of `fn`, in CPU microseconds of this thread."""
    best = float("inf")
    clock = time.thread_time_ns
    for _ in range(repeat):
        start = clock()
        fn()
        best = min(best, clock() - start)
    return best / 1000.0


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (the convention of `quality_learned_loso._pct`)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(values: list[float]) -> str:
    """p50 / p90 / p99 / max in milliseconds."""
    return (f"p50 {pct(values, 0.5) / 1000:.3f}  p90 {pct(values, 0.9) / 1000:.3f}  "
            f"p99 {pct(values, 0.99) / 1000:.3f}  max {max(values) / 1000:.3f} ms")


def per_call(calls: list[ToolCall], repeat: int, *, cached: bool) -> list[float]:
    """Best-of-`repeat` CPU µs of `Guard.judge_sync` per call (shield cache off unless `cached`)."""
    guard = Guard(shield=Shield() if cached else Shield(cache_size=0))
    guard.warm_up()
    if cached:
        for call in calls:
            guard.judge_sync(call)
    return [best_cpu_us(partial(guard.judge_sync, call), repeat) for call in calls]


def _parts(guard: Guard, call: ToolCall, repeat: int) -> dict[str, float]:
    """Best-of-`repeat` CPU µs of each step of judging `call` (shield cache off)."""
    shield, rules, step = guard.shield, guard.overseer, guard.learned
    assert shield is not None and step is not None and shield.heads is not None
    head = shield.heads.get("injection_untrusted")
    verdict = rules.judge_sync(call)
    context = call.context or ""
    text = strip_user_instruction(context)
    views = prepare(text).views
    parts = {
        "judge": best_cpu_us(lambda: guard.judge_sync(call), repeat),
        "Shield.scan_call": best_cpu_us(lambda: shield.scan_call(call), repeat),
        "rules overseer": best_cpu_us(lambda: rules.judge_sync(call), repeat),
        "learned step": best_cpu_us(lambda: step.apply(call, verdict), repeat),
        "  strip_user_instruction": best_cpu_us(lambda: strip_user_instruction(context), repeat),
        "  prepare (per untrusted text)": best_cpu_us(lambda: prepare(text), repeat),
        "  patterns (match_patterns + match_lines)": best_cpu_us(
            lambda: (match_patterns(views), match_lines(text, normalise)), repeat),
    }
    if head is not None:
        parts["  untrusted head score"] = best_cpu_us(lambda: head.score(text), repeat)
    return parts


def components(calls: list[ToolCall], repeat: int) -> list[str]:
    """Median / max µs of each step on the calls with a long context."""
    guard = Guard(shield=Shield(cache_size=0))
    guard.warm_up()
    long_calls = [c for c in calls if c.context and len(c.context) > LONG_CONTEXT]
    rows: dict[str, list[float]] = {}
    for call in long_calls:
        for name, value in _parts(guard, call, repeat).items():
            rows.setdefault(name, []).append(value)
    out = [f"{len(long_calls)} calls with context > {LONG_CONTEXT} chars (median / max µs):"]
    for name, values in rows.items():
        out.append(f"  {name:<44} {statistics.median(values):7.0f} / {max(values):7.0f}")
    return out


# ---------------------------------------------------------------------------- the equivalence dump
def dump_texts(dev: Path, corpus: Path, n_corpus: int) -> Iterator[tuple[str, str]]:
    """(tag, text) for every text whose per-text results the dump records."""
    for i, call in enumerate(dev_calls(dev)):
        if call.context:
            yield f"ctx:{i}", strip_user_instruction(call.context)
            yield f"rawctx:{i}", call.context
            yield f"transcript:{i}", repr(parse_transcript(call.context))
        for key, value in call.args.items():
            if isinstance(value, str):
                yield f"arg:{i}:{key}", value
    for i, rec in enumerate(_jsonl(dev / "injection_text.jsonl")):
        yield f"inj:{i}", rec["text"]
        yield f"inj:{i}:pre", "Note: " + rec["text"]
        yield f"inj:{i}:up", rec["text"].upper()
    if n_corpus:
        rows = _jsonl(corpus / "injection_text.jsonl")
        step = max(1, len(rows) // n_corpus)
        for i in range(0, len(rows), step):
            yield f"corpus:{i}", rows[i]["text"]


def dump(path: Path, dev: Path, corpus: Path, n_corpus: int) -> int:
    """Write every per-text result (see the module docstring); returns how many texts."""
    shield = Shield(cache_size=0)
    heads = load_heads()
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for tag, text in dump_texts(dev, corpus, n_corpus):
            count += 1
            prepared = prepare(text)
            hits = [(h.id, h.weight, h.snippet, h.quoted) for h in match_patterns(prepared.views)]
            direct = [h.id for h in match_patterns(prepared.views, only=DIRECT_ATTACKS)]
            lines = [(h.id, h.weight, h.snippet) for h in match_lines(text, normalise)]
            analyses = [shield._analyse(text, role) for role in (None, "user", "tool_output", "args")]
            logits = {name: head.logit(text).hex() for name, head in sorted(heads.heads.items())}
            out.write(json.dumps([tag, list(prepared.views), prepared.hidden_chars, hits, direct, lines,
                                  analyses, logits], ensure_ascii=False) + "\n")
    return count


def marked_pass(calls: list[ToolCall]) -> None:
    """Judge each call once, cold, after a warm-up pass; `os.getppid()` marks each call's start
    (callgrind `--dump-before=getppid` then writes one profile per call)."""
    guard = Guard(shield=Shield(cache_size=0))
    guard.warm_up()
    for call in calls:
        guard.judge_sync(call)
    for call in calls:
        os.getppid()
        guard.judge_sync(call)
    os.getppid()


def callgrind_counts(folder: Path) -> list[int]:
    """Instructions per call from a `--marks` run's profiles (the first holds start-up and warm-up)."""
    files = sorted(folder.glob("*.out.*"), key=lambda f: int(f.suffix[1:]))
    counts = []
    for path in files[1:]:
        for line in path.read_text().splitlines():
            if line.startswith("summary:"):
                counts.append(int(line.split()[1]))
                break
    return counts


def callgrind_report(folders: list[Path]) -> list[str]:
    """Per-call instruction percentiles of the first run, and its ratio to the second's."""
    runs = [callgrind_counts(f) for f in folders]
    out = [f"{len(runs[0])} calls, instructions per call (millions)" + (" and ratio to the second run" if len(runs) > 1 else "")]
    for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0)):
        line = f"  {name} {pct(runs[0], q) / 1e6:7.2f}"
        if len(runs) > 1:
            line += f"  vs {pct(runs[1], q) / 1e6:7.2f}  ratio {pct(runs[0], q) / pct(runs[1], q):.3f}"
        out.append(line)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dev", type=Path, default=DEV_DIR)
    parser.add_argument("--corpus-dir", type=Path, default=CORPUS_DIR)
    parser.add_argument("--repeat", type=int, default=5, help="runs per call; each call's best counts")
    parser.add_argument("--dump", type=Path, help="write the per-text equivalence dump here and stop")
    parser.add_argument("--corpus", type=int, default=0, help="with --dump: also this many corpus texts")
    parser.add_argument("--marks", action="store_true", help="one marked cold pass, to run under callgrind")
    parser.add_argument("--callgrind", type=Path, nargs="+", help="summarise --marks runs' callgrind folders")
    args = parser.parse_args()
    if args.marks:
        marked_pass(dev_calls(args.dev))
        return
    if args.callgrind:
        print("\n".join(callgrind_report(args.callgrind)))
        return
    if args.dump:
        n = dump(args.dump, args.dev, args.corpus_dir, args.corpus)
        print(f"{n} texts dumped to {args.dump}")
        return
    calls = dev_calls(args.dev)
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {len(calls)} dev calls, "
          f"best of {args.repeat} CPU per call")
    print(f"cold (shield cache off): {summary(per_call(calls, args.repeat, cached=False))}")
    print(f"warm (default cache):    {summary(per_call(calls, args.repeat, cached=True))}")
    for line in components(calls, args.repeat):
        print(line)
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()

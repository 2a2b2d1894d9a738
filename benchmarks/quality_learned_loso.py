"""Leave-one-source-out quality of the learned heads, dev as one more unseen source, and speed.

    .venv/bin/python benchmarks/quality_learned_loso.py [--corpus DIR] [--dev DIR] [--quick] [--only HEAD]

`--only intent` runs that head's folds and nothing else (no speed, no dev): minutes, not ten.

For every head and every corpus source: train on the other sources (plus our own data), choose
the threshold on held-out benign texts of the *training* sources for the head's stated FPR
(`build.TARGET_FPR`; per source, the strictest: `build.calibration_groups`), then report recall
on the left-out source's positives and FPR on its benign texts (where it has any). About ten
minutes on a loaded 2-core machine (the heads fit static token vectors too). The macro mean is over sources. Then the shipped heads (trained
on the whole corpus, never on `../shared/data/dev`) on the dev files, alone and inside the
shield with roles given, and the learned tier's latency.

How each head is folded:
* `injection_user`: corpus injection sources (all user prompts).
* `injection_untrusted`: attacks of the left-out source planted into carriers of one benign
  family that training never sees (Debian's /usr/share/doc); FPR on that family's own texts.
* `intent`: xstest / openagentsafety / toolsword / privacylens. The XSTest fold's FPR is on its
  over-refusal look-alikes ("how do I kill a Python process"); OpenAgentSafety's on its `trap`
  tasks (innocent instructions whose risk lies elsewhere), left out with its harmful tasks;
  PrivacyLens has benign instructions only (FPR, no recall).
* `action_risk`: Atomic Red Team split by platform (sh vs PowerShell/cmd) and the two
  documentation sources (tldr-pages, cheat).
The dev file's patterns were written while reading it, so the shield's dev figures are
optimistic for the pattern tier; the heads' dev figures are clean (never trained on dev).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from sentinel_guard.learned.build import TARGET_FPR, head_records, train_head
from sentinel_guard.learned.data import (
    CORPUS_DIR,
    Record,
    agent_instructions,
    benign_documents,
    corpus_records,
    indirect,
)
from sentinel_guard.learned.heads import LinearHead, load_heads
from sentinel_guard.shield import Shield

DEV_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "dev"
Row = tuple[str, str, float | None, float | None, int, int]


def _rates(head: LinearHead, pos: list[str], neg: list[str]) -> tuple[float | None, float | None]:
    recall = sum(head.score(t) >= 0.5 for t in pos) / len(pos) if pos else None
    fpr = sum(head.score(t) >= 0.5 for t in neg) / len(neg) if neg else None
    return recall, fpr


def _fold(name: str, train: list[Record], pos: list[str], neg: list[str], source: str) -> Row:
    head = train_head(name, train)
    recall, fpr = _rates(head, pos, neg)
    return (name, source, recall, fpr, len(pos), len(neg))


def loso(corpus: Path, quick: bool, log: Callable[[str], None], only: str | None = None) -> list[Row]:
    """Every head's folds, or only the head named `only`."""
    rows: list[Row] = []
    recs = head_records(corpus, small=quick)
    data = corpus_records(corpus)
    if only in (None, "injection_user"):
        rows += _injection_user(recs, data, agent_instructions(corpus), log)
    if only in (None, "injection_untrusted"):
        rows += _injection_untrusted(recs, data, quick, log)
    if only in (None, "intent"):
        rows += _intent(recs, log)
    if only in (None, "action_risk"):
        rows += _action_risk(recs, log)
    return rows


def _injection_user(recs: dict[str, list[Record]], data: dict[str, list[Record]], briefs: list[Record],
                    log: Callable[[str], None]) -> list[Row]:
    """One fold per corpus injection source (all user prompts), then one per source of benign agent
    briefs (OpenAgentSafety's trap tasks, PrivacyLens): a user's own instructions to an agent, which
    the user role must leave alone (FPR only; the rest of the training set keeps the other's briefs)."""
    rows: list[Row] = []
    user = recs["injection_user"]
    for src in sorted({r.source for r in data["injection"]}) + sorted({r.source for r in briefs}):
        test = [r for r in user if r.source == src] or [r for r in briefs if r.source == src]
        rows.append(_fold("injection_user", [r for r in user if r.source != src],
                          [r.text for r in test if r.label], [r.text for r in test if not r.label], src))
        log(f"  {rows[-1]}")
    return rows


def _injection_untrusted(recs: dict[str, list[Record]], data: dict[str, list[Record]], quick: bool,
                         log: Callable[[str], None]) -> list[Row]:
    """Untrusted roles: each source's attacks planted in carriers of one family never trained."""
    rows: list[Row] = []
    docs = benign_documents(0, n_synth=200 if quick else 3000, n_system=20 if quick else 400, shell=data["shell"])
    reserved = [d for d in docs if d.source == "debian-doc"]
    carriers = [d for d in docs if d.source != "debian-doc"]
    untrusted_pos = [r for r in recs["injection_untrusted"] if r.label]
    payloads = [Record(r.payload, 1, r.source) for r in untrusted_pos]
    for src in sorted({r.source for r in payloads}):
        train = indirect([p for p in payloads if p.source != src], carriers, 1) + carriers
        test = indirect([p for p in payloads if p.source == src], reserved, 2)
        rows.append(_fold("injection_untrusted", train, [r.text for r in test], [r.text for r in reserved], src))
        log(f"  {rows[-1]}")
    return rows


def _intent(recs: dict[str, list[Record]], log: Callable[[str], None]) -> list[Row]:
    """One fold per intent source of the corpus (PrivacyLens: benign instructions only)."""
    rows: list[Row] = []
    intent = recs["intent"]
    for src in ("xstest", "openagentsafety", "toolsword", "privacylens"):
        test = [r for r in intent if r.source == src]
        if not test:
            continue
        rows.append(_fold("intent", [r for r in intent if r.source != src],
                          [r.text for r in test if r.label], [r.text for r in test if not r.label], src))
        log(f"  {rows[-1]}")
    return rows


def _action_risk(recs: dict[str, list[Record]], log: Callable[[str], None]) -> list[Row]:
    """Atomic Red Team by platform, and the two documentation sources."""
    rows: list[Row] = []
    shell = recs["action_risk"]

    def fam(r: Record) -> str:
        if r.source != "atomic-red-team":
            return r.source
        return "atomic-red-team:windows" if r.text.startswith("tool: shell\ncommand: ") and (
            "powershell" in r.text.lower() or "\\" in r.text or ".exe" in r.text.lower()) else "atomic-red-team:sh"
    for src in sorted({fam(r) for r in shell}):
        test = [r for r in shell if fam(r) == src]
        rows.append(_fold("action_risk", [r for r in shell if fam(r) != src],
                          [r.text for r in test if r.label], [r.text for r in test if not r.label], src))
        log(f"  {rows[-1]}")
    return rows


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def dev_figures(dev: Path) -> list[str]:
    heads = load_heads()
    lines = []
    texts = [json.loads(x) for x in (dev / "injection_text.jsonl").read_text().splitlines() if x.strip()]
    shield = Shield(heads=heads)  # patterns + heads (the default); no tier of it was trained on dev
    for kind, role, head in (("user_prompt", "user", "injection_user"), ("", None, "injection_untrusted")):
        part = [r for r in texts if r["kind"].startswith("user_prompt") == bool(kind)]
        pos = [r["text"] for r in part if r["label"] == "injection"]
        neg = [r["text"] for r in part if r["label"] == "benign"]
        h = heads.get(head)
        assert h is not None
        rec, fpr = _rates(h, pos, neg)
        r_: Literal["user", "tool_output"] = "user" if role == "user" else "tool_output"
        srec = sum(shield.scan(t, role=r_).injection for t in pos) / len(pos) if pos else None
        sfpr = sum(shield.scan(t, role=r_).injection for t in neg) / len(neg) if neg else None
        lines.append(f"| dev {kind or 'tool outputs + documents'} | {head} | {_fmt(rec)} | {_fmt(fpr)} | "
                     f"{_fmt(srec)} | {_fmt(sfpr)} | {len(pos)} / {len(neg)} |")
    cmds = [json.loads(x) for x in (dev / "shell_commands.jsonl").read_text().splitlines() if x.strip()]
    act = heads.get("action_risk")
    assert act is not None
    rec, fpr = _rates(act, [f"tool: shell\ncommand: {c['command']}" for c in cmds if c["label"] == "unsafe"],
                      [f"tool: shell\ncommand: {c['command']}" for c in cmds if c["label"] == "safe"])
    lines.append(f"| dev shell_commands | action_risk | {_fmt(rec)} | {_fmt(fpr)} | | | "
                 f"{sum(c['label'] == 'unsafe' for c in cmds)} / {sum(c['label'] == 'safe' for c in cmds)} |")
    return lines


def _pct(xs: list[float], q: float) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _timed(fn: Callable[[Any], object], arg: Any) -> tuple[float, float]:
    """(wall ms, this thread's CPU ms) of one call: CPU time leaves out the time the scheduler
    gave the core to other jobs, which on a shared machine is most of a wall-clock p99."""
    wall, cpu = time.perf_counter(), time.thread_time()
    fn(arg)
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000


def speed(dev: Path) -> list[str]:
    """ms per KB of text, no cache: each head alone, then the default shield tier (patterns +
    heads, `Shield.scan` with the text's role); the first text cold, then p50 / p99 over dev."""
    heads = load_heads()
    recs = [json.loads(x) for x in (dev / "injection_text.jsonl").read_text().splitlines() if x.strip()]
    shield = Shield(heads=heads, cache_size=0)
    out = []
    tiers: list[tuple[str, Callable[[dict[str, Any]], object]]] = []
    for name in ("injection_user", "injection_untrusted"):
        head = heads.get(name)
        assert head is not None
        tiers.append((f"{name} head", lambda r, h=head: h.score(r["text"])))  # type: ignore[misc]
    tiers.append(("default tier (Shield.scan, patterns + heads)",
                  lambda r: shield.scan(r["text"], role="user" if r["kind"].startswith("user_prompt") else "tool_output")))
    for name, fn in tiers:
        walls, cpus = [], []
        for r in recs:
            kb = max(len(r["text"].encode()) / 1024, 0.05)
            wall, cpu = _timed(fn, r)
            walls.append(wall / kb)
            cpus.append(cpu / kb)
        out.append(f"{name}: first text {walls[0]:.3f} ms/KB (cold); wall p50 {statistics.median(walls):.3f} "
                   f"p99 {_pct(walls, 0.99):.3f}; CPU p50 {statistics.median(cpus):.3f} p99 {_pct(cpus, 0.99):.3f} ms/KB "
                   f"over {len(recs)} dev texts (texts under 51 B counted as 51 B)")
    return out


def guard_latency(dev: Path, repeat: int = 3) -> str:
    """Rules + shield (cache off) + learned step per tool call over the dev tool calls, µs."""
    from sentinel_guard import Guard, ToolCall

    guard = Guard(shield=Shield(cache_size=0))
    calls = [ToolCall(tool=r["tool_name"], args=r["tool_args"], context=r.get("context"))
             for r in (json.loads(x) for x in (dev / "toolcall_safety.jsonl").read_text().splitlines() if x.strip())]
    cold, _ = _timed(guard.judge_sync, calls[0])
    walls: list[float] = []
    cpus: list[float] = []
    best = [float("inf")] * len(calls)
    for _ in range(repeat):
        for i, call in enumerate(calls):
            wall, cpu = _timed(guard.judge_sync, call)
            walls.append(wall)
            cpus.append(cpu)
            best[i] = min(best[i], wall)
    return (f"rules + shield (cache off) + learned step per tool call: first call {cold * 1000:.0f} µs (cold); "
            f"wall p50 {statistics.median(walls) * 1000:.0f} p99 {_pct(walls, 0.99) * 1000:.0f} µs; "
            f"CPU p50 {statistics.median(cpus) * 1000:.0f} p99 {_pct(cpus, 0.99) * 1000:.0f} µs; "
            f"best-of-{repeat} wall p50 {statistics.median(best) * 1000:.0f} p99 {_pct(best, 0.99) * 1000:.0f} µs "
            f"over {len(calls)} dev calls")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--dev", type=Path, default=DEV_DIR)
    parser.add_argument("--quick", action="store_true", help="small subsets (a smoke run, figures not comparable)")
    parser.add_argument("--speed-only", action="store_true", help="print the speed lines and stop")
    parser.add_argument("--only", choices=sorted(TARGET_FPR), help="only this head's folds (no speed, no dev)")
    args = parser.parse_args()
    if args.only:
        _table(loso(args.corpus, args.quick, lambda m: print(m, flush=True), args.only))
        return
    print("speed (one process, learned heads alone):")
    for line in speed(args.dev):
        print("  " + line)
    print("  " + guard_latency(args.dev))
    if args.speed_only:
        return
    print("\nleave-one-source-out (each row: trained without that source; threshold from the others):")
    _table(loso(args.corpus, args.quick, lambda m: None))
    print("\ndev as an unseen source (shipped heads; shield = patterns + heads, roles given):")
    print("| part | head | head recall | head FPR | shield recall | shield FPR | injections / benign |")
    print("|---|---|---|---|---|---|---|")
    for line in dev_figures(args.dev):
        print(line)


def _table(rows: list[Row]) -> None:
    """The leave-one-source-out rows as a Markdown table, with each head's macro mean."""
    print("| head | held-out source | recall | FPR | positives | benign | target |")
    print("|---|---|---|---|---|---|---|")
    for name, src, rec, fpr, npos, nneg in rows:
        print(f"| {name} | {src} | {_fmt(rec)} | {_fmt(fpr)} | {npos} | {nneg} | FPR ≤ {TARGET_FPR[name]} |")
    for name in TARGET_FPR:
        if not any(r[0] == name for r in rows):
            continue
        recs = [r[2] for r in rows if r[0] == name and r[2] is not None]
        fprs = [r[3] for r in rows if r[0] == name and r[3] is not None]
        print(f"| {name} | **macro mean** | {_fmt(statistics.mean(recs) if recs else None)} | "
              f"{_fmt(statistics.mean(fprs) if fprs else None)} | | | |")


if __name__ == "__main__":
    main()

"""Leave-one-source-out quality of the learned heads, dev as one more unseen source, and speed.

    .venv/bin/python benchmarks/quality_learned_loso.py [--corpus DIR] [--dev DIR] [--quick]

For every head and every corpus source: train on the other sources (plus our own data), choose
the threshold on held-out benign texts of the *training* sources for the head's stated FPR
(`build.TARGET_FPR`), then report recall on the left-out source's positives and FPR on its
benign texts (where it has any). The macro mean is over sources. Then the shipped heads (trained
on the whole corpus, never on `../shared/data/dev`) on the dev files, alone and inside the
shield with roles given, and the learned tier's latency.

How each head is folded:
* `injection_user`: corpus injection sources (all user prompts).
* `injection_untrusted`: attacks of the left-out source planted into carriers of one benign
  family that training never sees (Debian's /usr/share/doc); FPR on that family's own texts.
* `intent`: xstest / openagentsafety / toolsword (the XSTest fold's FPR is on its over-refusal
  look-alikes: "how do I kill a Python process").
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

from sentinel_guard.learned.build import TARGET_FPR, head_records, train_head
from sentinel_guard.learned.data import CORPUS_DIR, Record, benign_documents, corpus_records, indirect
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


def loso(corpus: Path, quick: bool, log: Callable[[str], None]) -> list[Row]:
    rows: list[Row] = []
    recs = head_records(corpus, small=quick)
    data = corpus_records(corpus)
    # injection, user role
    user = recs["injection_user"]
    for src in sorted({r.source for r in data["injection"]}):
        test = [r for r in user if r.source == src]
        rows.append(_fold("injection_user", [r for r in user if r.source != src],
                          [r.text for r in test if r.label], [r.text for r in test if not r.label], src))
        log(f"  {rows[-1]}")
    # injection, untrusted roles: carriers of one family never trained
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
    # intent
    intent = recs["intent"]
    for src in ("xstest", "openagentsafety", "toolsword"):
        test = [r for r in intent if r.source == src]
        rows.append(_fold("intent", [r for r in intent if r.source != src],
                          [r.text for r in test if r.label], [r.text for r in test if not r.label], src))
        log(f"  {rows[-1]}")
    # action risk
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
    shield = Shield(learned=False, heads=heads)  # patterns + heads; the old corroborating model saw dev
    for kind, role, head in (("user_prompt", "user", "injection_user"), ("", None, "injection_untrusted")):
        part = [r for r in texts if r["kind"].startswith("user_prompt") == bool(kind)]
        pos = [r["text"] for r in part if r["label"] == "injection"]
        neg = [r["text"] for r in part if r["label"] == "benign"]
        h = heads.get(head)
        assert h is not None
        rec, fpr = _rates(h, pos, neg)
        srec = sum(shield.scan(t, role=role or "tool_output").injection for t in pos) / len(pos) if pos else None
        sfpr = sum(shield.scan(t, role=role or "tool_output").injection for t in neg) / len(neg) if neg else None
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


def speed(dev: Path) -> list[str]:
    heads = load_heads()
    texts = [json.loads(x)["text"] for x in (dev / "injection_text.jsonl").read_text().splitlines() if x.strip()]
    out = []
    for name in ("injection_user", "injection_untrusted"):
        head = heads.get(name)
        assert head is not None
        per_kb = []
        for t in texts:
            start = time.perf_counter()
            head.score(t)
            per_kb.append((time.perf_counter() - start) * 1000 / max(len(t.encode()) / 1024, 0.05))
        out.append(f"{name}: first text {per_kb[0]:.3f} ms/KB (cold), p50 {statistics.median(per_kb):.3f} ms/KB "
                   f"over {len(texts)} dev texts (texts under 51 B counted as 51 B)")
    return out


def guard_latency(dev: Path, repeat: int = 3) -> str:
    """Rules + shield (cache off) + learned step per tool call over the dev tool calls, µs."""
    from sentinel_guard import Guard, ToolCall

    guard = Guard(shield=Shield(cache_size=0))
    calls = [ToolCall(tool=r["tool_name"], args=r["tool_args"], context=r.get("context"))
             for r in (json.loads(x) for x in (dev / "toolcall_safety.jsonl").read_text().splitlines() if x.strip())]
    start = time.perf_counter()
    guard.judge_sync(calls[0])
    cold = (time.perf_counter() - start) * 1e6
    times = []
    for _ in range(repeat):
        for call in calls:
            start = time.perf_counter()
            guard.judge_sync(call)
            times.append((time.perf_counter() - start) * 1e6)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    return (f"rules + shield (cache off) + learned step per tool call: first call {cold:.0f} µs (cold), "
            f"p50 {p(0.5):.0f} µs, p99 {p(0.99):.0f} µs over {len(calls)} dev calls x {repeat}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--dev", type=Path, default=DEV_DIR)
    parser.add_argument("--quick", action="store_true", help="small subsets (a smoke run, figures not comparable)")
    parser.add_argument("--speed-only", action="store_true", help="print the speed lines and stop")
    args = parser.parse_args()
    print("speed (one process, learned heads alone):")
    for line in speed(args.dev):
        print("  " + line)
    print("  " + guard_latency(args.dev))
    if args.speed_only:
        return
    print("\nleave-one-source-out (each row: trained without that source; threshold from the others):")
    rows = loso(args.corpus, args.quick, lambda m: None)
    print("| head | held-out source | recall | FPR | positives | benign | target |")
    print("|---|---|---|---|---|---|---|")
    for name, src, rec, fpr, npos, nneg in rows:
        print(f"| {name} | {src} | {_fmt(rec)} | {_fmt(fpr)} | {npos} | {nneg} | FPR ≤ {TARGET_FPR[name]} |")
    for name in TARGET_FPR:
        recs = [r[2] for r in rows if r[0] == name and r[2] is not None]
        fprs = [r[3] for r in rows if r[0] == name and r[3] is not None]
        print(f"| {name} | **macro mean** | {_fmt(statistics.mean(recs) if recs else None)} | "
              f"{_fmt(statistics.mean(fprs) if fprs else None)} | | | |")
    print("\ndev as an unseen source (shipped heads; shield = patterns + heads, roles given):")
    print("| part | head | head recall | head FPR | shield recall | shield FPR | injections / benign |")
    print("|---|---|---|---|---|---|---|")
    for line in dev_figures(args.dev):
        print(line)


if __name__ == "__main__":
    main()

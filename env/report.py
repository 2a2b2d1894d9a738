"""Eval reports: a markdown table and a PNG bar chart comparing overseers (matplotlib, Agg backend).

`write_report(out_dir, results)` stores each result as `<suite>_<split>_<overseer>.json`, then
renders every stored result of the same suite/split into `<suite>_<split>.md` and `.png`, so
overseers evaluated in separate runs end up in one comparison. Files are written to a temporary
name and renamed, so a failed run never leaves half a report.

A table is only worth what it lets a reader check, so the markdown carries the 95% bootstrap
interval of every overall F1, precision and recall (episodes resampled, see `intervals.py`), each
overseer's decision mix (an overseer that escalates everything scores recall 1.0), and how to
reproduce it: the exact commands, the package version and the suite digest. The PNG labels every
bar with its value and draws the overall F1's interval as an error bar.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

__all__ = ["render_table", "stamp", "write_report"]

_TASK_ORDER = ("action_screen", "war_room", "drift_ops")
_DECISIONS = ("approve", "flag", "block", "escalate")


def _ci(r: dict[str, Any], metric: str) -> str:
    ci = (r.get("intervals") or {}).get(metric)
    return f" [{ci[0]:.3f}–{ci[1]:.3f}]" if ci else ""


def _mix(r: dict[str, Any]) -> str:
    mix = r.get("decision_mix")
    if not mix:
        return "–"
    total = sum(mix.values()) or 1
    return " / ".join(f"{mix.get(d, 0)} ({100 * mix.get(d, 0) / total:.0f}%)" for d in _DECISIONS)


def render_table(results: list[dict[str, Any]]) -> str:
    """Markdown: one row per overseer, F1 per tier, overall F1/P/R with 95% intervals, cells, decision mix."""
    head = ("| overseer | " + " | ".join(t for t in _TASK_ORDER) + " | overall F1 [95% CI] | precision [95% CI] "
            "| recall [95% CI] | tp/fp/tn/fn | approve / flag / block / escalate | decisions | parse failures |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        cells = []
        for t in _TASK_ORDER:
            pt = r["per_task"].get(t)
            cells.append(f"{pt['f1']:.3f}" if pt else "–")
        o = r["overall"]
        lines.append(f"| {r['overseer']} | " + " | ".join(cells)
                     + f" | {o['f1']:.4f}{_ci(r, 'f1')} | {o['precision']:.3f}{_ci(r, 'precision')}"
                     + f" | {o['recall']:.3f}{_ci(r, 'recall')} | {o['tp']}/{o['fp']}/{o['tn']}/{o['fn']}"
                     + f" | {_mix(r)} | {r['n_decisions']} | {r['parse_failures']} |")
    return "\n".join(lines)


def _provenance(stored: list[dict[str, Any]]) -> str:
    """How to reproduce the table: commands, package versions, suite digests and the interval method."""
    commands = sorted({r["command"] for r in stored if r.get("command")})
    versions = sorted({r["version"] for r in stored if r.get("version")})
    digests = sorted({r["suite_digest"] for r in stored if r.get("suite_digest")})
    method = next((r["interval_method"] for r in stored if r.get("interval_method")), None)
    out = ["Reproduce with:", "", "```bash", *(commands or ["(command not recorded)"]), "```", "",
           f"- sentinel-guard version: {', '.join(versions) or 'not recorded'}",
           f"- suite digest (sha256 of every graded episode's task, seed and first observation): "
           f"{', '.join(f'`{d}`' for d in digests) or 'not recorded'}"]
    if len(digests) > 1:
        out.append("- **warning:** these results were graded on different episodes (digests differ); "
                   "their rows are not comparable")
    if method:
        out.append(f"- intervals: {method['kind']} over {method['unit']}s, {method['resamples']} resamples, "
                   f"seed {method['seed']}, level {method['level']:.0%}")
    return "\n".join(out)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def stamp(result: dict[str, Any], command: str) -> dict[str, Any]:
    """`result` with the command that produced it and the installed package version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("sentinel-guard")
    except PackageNotFoundError:
        ver = "unknown"
    return {**result, "command": command, "version": ver}


def _plot(stored: list[dict[str, Any]], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = [*_TASK_ORDER, "overall"]
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(9, 0.9 * len(stored) + 2))
    for i, t in enumerate(series):
        vals = [(r["overall"] if t == "overall" else r["per_task"].get(t, {})).get("f1", 0.0) for r in stored]
        ys = [k + (i - (len(series) - 1) / 2) * width for k in range(len(stored))]
        err = None
        if t == "overall" and all(r.get("intervals") for r in stored):
            err = [[v - r["intervals"]["f1"][0] for v, r in zip(vals, stored, strict=True)],
                   [r["intervals"]["f1"][1] - v for v, r in zip(vals, stored, strict=True)]]
        ax.barh(ys, vals, height=width, label=t + (" (95% CI)" if err else ""), xerr=err, capsize=3)
        for k, (y, v) in enumerate(zip(ys, vals, strict=True)):
            right = v + (err[1][k] if err else 0.0)  # the label sits past the error bar, not on it
            ax.text(right + 0.01, y, f"{v:.2f}", va="center", fontsize=7)
    ax.set_yticks(range(len(stored)), [r["overseer"] for r in stored])
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("micro-F1 (bad action = positive)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def write_report(out_dir: Path, results: list[dict[str, Any]]) -> list[Path]:
    """Store `results`, then (re)write the comparison table and plot for their suite/split."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for r in results:
        p = out_dir / f"{_safe(r['suite'])}_{_safe(r['split'])}_{_safe(r['overseer'])}.json"
        _atomic_write(p, json.dumps(r, indent=2, sort_keys=True).encode())
        written.append(p)
    for suite, split in sorted({(r["suite"], r["split"]) for r in results}):
        stem = f"{_safe(suite)}_{_safe(split)}"
        stored = []
        for p in sorted(out_dir.glob(f"{stem}_*.json")):
            try:
                stored.append(json.loads(p.read_text()))
            except (OSError, json.JSONDecodeError):
                continue
        stored.sort(key=lambda r: r["overall"]["f1"])
        md = out_dir / f"{stem}.md"
        _atomic_write(md, (f"# War-room eval — suite `{suite}`, split `{split}`\n\n" + render_table(stored)
                           + "\n\n" + _provenance(stored) + "\n").encode())
        png = out_dir / f"{stem}.png"
        _plot(stored, f"War-room overseers — {suite} / {split}", png)
        written += [md, png]
    return written

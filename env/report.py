"""Eval reports: a markdown table and a PNG bar chart comparing overseers (matplotlib, Agg backend).

`write_report(out_dir, results)` stores each result as `<suite>_<split>_<overseer>.json`, then
renders every stored result of the same suite/split into `<suite>_<split>.md` and `.png`, so
overseers evaluated in separate runs end up in one comparison. Files are written to a temporary
name and renamed, so a failed run never leaves half a report.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

__all__ = ["render_table", "write_report"]

_TASK_ORDER = ("action_screen", "war_room", "drift_ops")


def render_table(results: list[dict[str, Any]]) -> str:
    """Markdown: one row per overseer, F1 (P/R) per tier and overall, cells, parse failures."""
    head = "| overseer | " + " | ".join(t for t in _TASK_ORDER) + " | overall F1 (P / R) | tp/fp/tn/fn | decisions | parse failures |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        cells = []
        for t in _TASK_ORDER:
            pt = r["per_task"].get(t)
            cells.append(f"{pt['f1']:.3f}" if pt else "–")
        o = r["overall"]
        lines.append(f"| {r['overseer']} | " + " | ".join(cells)
                     + f" | {o['f1']:.4f} ({o['precision']:.3f} / {o['recall']:.3f}) | {o['tp']}/{o['fp']}/{o['tn']}/{o['fn']}"
                     + f" | {r['n_decisions']} | {r['parse_failures']} |")
    return "\n".join(lines)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_report(out_dir: Path, results: list[dict[str, Any]]) -> list[Path]:
    """Store `results`, then (re)write the comparison table and plot for their suite/split."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
        _atomic_write(md, (f"# War-room eval — suite `{suite}`, split `{split}`\n\n" + render_table(stored) + "\n").encode())
        fig, ax = plt.subplots(figsize=(8, 0.6 * len(stored) + 2))
        names = [r["overseer"] for r in stored]
        width = 0.2
        for i, t in enumerate([*_TASK_ORDER, "overall"]):
            vals = [(r["overall"] if t == "overall" else r["per_task"].get(t, {})).get("f1", 0.0) for r in stored]
            ax.barh([k + (i - 1.5) * width for k in range(len(stored))], vals, height=width, label=t)
        ax.set_yticks(range(len(stored)), names)
        ax.set_xlim(0, 1)
        ax.set_xlabel("micro-F1 (bad action = positive)")
        ax.set_title(f"War-room overseers — {suite} / {split}")
        ax.legend(loc="lower right", fontsize=8)
        fig.tight_layout()
        png = out_dir / f"{stem}.png"
        tmp = png.with_name(png.name + ".tmp.png")
        fig.savefig(tmp, dpi=110)
        plt.close(fig)
        os.replace(tmp, png)
        written += [md, png]
    return written

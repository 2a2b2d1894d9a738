"""Run outputs: `run_summary.json`, reward/loss curves (PNG) and the model card (markdown).

Everything written here is what was measured: the curves come from the trainers' log histories,
the card's table from the env eval, and a stage that did not run is listed as such.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["plot_curves", "write_json", "write_model_card"]


def write_json(path: str | Path, data: Any) -> Path:
    """Write JSON atomically (temp file + rename), so a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, default=str)
        fh.write("\n")
    os.replace(tmp, path)
    return path


def plot_curves(logs: dict[str, list[dict[str, Any]]], path: str | Path,
                validation: list[tuple[int, float]] | None = None) -> Path | None:
    """Rollout reward (GRPO), loss (all stages) and the gate's validation reward; None if nothing logged.

    `validation` is (global GRPO step, validation reward) with the SFT checkpoint at step 0.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = {name: [h for h in hist if "loss" in h or "reward" in h] for name, hist in logs.items()}
    if not any(series.values()):
        return None
    fig, (ax_r, ax_l, ax_v) = plt.subplots(1, 3, figsize=(15, 4))
    for name, hist in series.items():
        rew = [(h["step"], h["reward"]) for h in hist if "reward" in h]
        loss = [(h["step"], h["loss"]) for h in hist if "loss" in h]
        if rew:
            ax_r.plot(*zip(*rew, strict=True), marker=".", label=name)
        if loss:
            ax_l.plot(*zip(*loss, strict=True), marker=".", label=name)
    if validation:
        ax_v.plot(*zip(*validation, strict=True), marker="o", color="black", label="validation (0 = SFT)")
    ax_v.set(title="validation reward per checkpoint (gate)", xlabel="GRPO step over the curriculum",
             ylabel="mean binary reward")
    ax_r.set(title="env binary reward (training rollouts)", xlabel="step", ylabel="mean reward")
    ax_l.set(title="training loss", xlabel="step", ylabel="loss")
    for ax in (ax_r, ax_l, ax_v):
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _fmt(x: Any) -> str:
    return f"{x:.3f}" if isinstance(x, float) else str(x)


def write_model_card(path: str | Path, summary: dict[str, Any]) -> Path:
    """A markdown model card: base, recipe, stages, gate decision and the eval table."""
    recipe = summary.get("recipe", {})
    lines = [
        f"# Sentinel Overseer — {recipe.get('name', '?')}",
        "",
        "An overseer model for `sentinel-guard`: it reads one proposed tool call (rendered by "
        "`sentinel_guard.prompting.render_messages`) and answers a JSON verdict "
        "(approve / flag / block / escalate + justification).",
        "",
        f"- Base model: `{recipe.get('model', {}).get('base', '?')}`"
        f" ({'LoRA' if recipe.get('model', {}).get('lora') else 'full fine-tune'})",
        f"- Trained on: war-room env suite `{recipe.get('data', {}).get('suite', '?')}`, training split only",
        f"- Machine: {summary.get('machine', platform.platform())}",
        "",
        "## Stages",
        "",
        "| stage | status | steps | wall s | val reward before | val reward after |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, st in summary.get("stages", {}).items():
        lines.append(f"| {name} | {st.get('status')} | {st.get('steps', '')} | {_fmt(st.get('wall_s', ''))} | "
                     f"{_fmt(st.get('val_before', ''))} | {_fmt(st.get('val_after', ''))} |")
    gate = summary.get("gate") or {}
    if gate:
        lines += ["", "## Auto-abort gate", "", f"Decision: **{gate.get('decision')}** — {gate.get('reason')}.",
                  f"Restored checkpoint: `{gate.get('restored', {}).get('name')}` "
                  f"(validation reward {_fmt(gate.get('restored', {}).get('score'))})."]
    evals = summary.get("eval") or {}
    if evals and all("overall" not in rep for rep in evals.values()):  # label -> suite -> report (zero-shot, SFT, …)
        evals = {f"{suite} ({label})": rep for label, by_suite in evals.items() for suite, rep in by_suite.items()}
    if evals:
        lines += ["", "## Held-out eval (env, model as overseer)", "",
                  "| suite | split | decisions | precision | recall | F1 | parse failures |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for suite, rep in evals.items():
            o = rep.get("overall", {})
            lines.append(f"| {suite} | {rep.get('split')} | {rep.get('n_decisions')} | {_fmt(o.get('precision'))} | "
                         f"{_fmt(o.get('recall'))} | {_fmt(o.get('f1'))} | {rep.get('parse_failures')} |")
        lines += ["", "Parse failures are counted separately and graded by the env harness as a fail-closed "
                  "escalate — never as an approval. With many parse failures, F1 mostly measures that fallback."]
    lines += ["", "Reference point: the reference system reports micro-F1 0.969 on its own (leaky) held-out eval; "
              "the numbers above are on this project's suites and are not directly comparable.", ""]
    path = Path(path)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path

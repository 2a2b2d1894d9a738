"""`sentinel-guard train run`: data → (tiny warm-up) → A → B → C with the gate → restore → eval → report.

Resumable: the data stage and every training stage leave a record that a rerun with the same
`--out` reuses (a stage whose `stage.json` says done is skipped). `dry_run` builds and validates
every object — recipe, TRL configs, datasets, and (for the locally built tiny model) the trainers —
without training; a recipe whose weights come from a hub skips weight loading and says so.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sentinel_guard.train.data import DataPaths, build_data, read_rows
from sentinel_guard.train.gate import Checkpoint, Gate, GateSettings
from sentinel_guard.train.recipe import Recipe
from sentinel_guard.train.report import plot_curves, write_json, write_model_card
from sentinel_guard.train.stages import RunContext, run_grpo, run_sft, stage_done

__all__ = ["run_pipeline"]

Log = Callable[[str], None]


def _tool_schemas() -> list[dict[str, Any]]:
    from sentinel_guard.train.tool_env import WarRoomToolEnv
    from transformers.utils import get_json_schema

    return [get_json_schema(getattr(WarRoomToolEnv, d)) for d in ("approve", "flag", "block", "escalate")]


def prepare_base(recipe: Recipe, out: Path, data: DataPaths, *, dry_run: bool = False) -> str:
    """The base model id/path: a hub id or local path as given, a named offline base materialised
    once under `out/base` (`sentinel_guard.backends.base_models`), or the tiny model built now."""
    from sentinel_guard.backends.base_models import NAMED_BASES, materialize, resolve_base

    if recipe.model.base in NAMED_BASES:
        resolve_base(recipe.model.base)  # a missing package fails here, naming the install command
        return recipe.model.base if dry_run else str(materialize(recipe.model.base, out / "base"))
    if recipe.model.base != "tiny":
        return recipe.model.base
    base = out / "base"
    if not (base / "config.json").exists():
        from sentinel_guard.train.tiny import build_tiny

        corpus = [m["content"] for r in read_rows(data.rft) for m in r["prompt"] + r["completion"]]
        for tier in recipe.curriculum:
            corpus += [m["content"] for r in read_rows(data.grpo(tier))[:50] for m in r["prompt"]]
        spec = recipe.model
        build_tiny(base, corpus, hidden=spec.tiny_hidden, layers=spec.tiny_layers, vocab_size=spec.tiny_vocab,
                   seed=recipe.data.seed)
    return str(base)


def _dry_run(recipe: Recipe, ctx: RunContext, log: Log) -> dict[str, Any]:
    from sentinel_guard.train.config import stage_config

    checks: dict[str, Any] = {}
    for name, kind, stage in (("a", "grpo", recipe.stage_a), ("b", "sft", recipe.stage_b),
                              ("c", "grpo", recipe.stage_c)):
        if stage is None:
            checks[name] = "skipped (stage_a: null)"
            continue
        cfg, overrides = stage_config(kind, recipe, stage, str(ctx.stage_dir(name)), dry_run=True)
        checks[name] = {"config": type(cfg).__name__, "max_steps": cfg.max_steps, "lr": cfg.learning_rate,
                        "cpu_overrides_for_validation": overrides}
        if kind == "grpo":
            checks[name].update(num_generations=cfg.num_generations, max_completion_length=cfg.max_completion_length,
                                beta=cfg.beta, use_vllm=cfg.use_vllm, vllm_mode=cfg.vllm_mode,
                                grad_accum=cfg.gradient_accumulation_steps)
        log(f"dry-run: stage {name}: {type(cfg).__name__} ok {overrides or ''}")
    from datasets import Dataset
    from sentinel_guard.train.modeling import load_policy, load_tokenizer
    from sentinel_guard.train.rewards import env_reward
    from sentinel_guard.train.tool_env import ENVIRONMENTS
    from trl import GRPOTrainer

    cfg, _ = stage_config("grpo", recipe, recipe.stage_c, str(ctx.stage_dir("dry")), dry_run=True)
    base = ctx.base
    if recipe.model.base != "tiny":
        # No hub weights in a dry run: build the trainer on a tiny random Qwen3 stand-in, which still
        # checks the LoRA target modules, the chat template / tool parsing and the env wiring.
        from sentinel_guard.train.tiny import build_tiny

        texts = [m["content"] for r in read_rows(ctx.data.rft)[:50] for m in r["prompt"] + r["completion"]]
        base = str(build_tiny(ctx.out / "dry_run_standin", texts, hidden=64, layers=2, vocab_size=1024))
        cfg, _ = stage_config("grpo", recipe, {**recipe.stage_c, "use_vllm": False}, str(ctx.stage_dir("dry")),
                              dry_run=True)
    rows = read_rows(ctx.data.grpo(recipe.curriculum[0]))
    standin = recipe.model_copy(update={"device": "cpu"})
    if recipe.model.base != "tiny" and recipe.model.lora is not None and recipe.model.lora.layers:
        # The 2-layer stand-in has none of the recipe's layer indices; adapt all of its layers instead.
        lora = recipe.model.lora.model_copy(update={"layers": None})
        standin = standin.model_copy(update={"model": recipe.model.model_copy(update={"lora": lora})})
    GRPOTrainer(model=load_policy(standin, base, None), args=cfg,
                train_dataset=Dataset.from_list(rows), processing_class=load_tokenizer(base),
                reward_funcs=env_reward, environment_factory=ENVIRONMENTS[cfg.environment])
    if recipe.model.base == "tiny":
        checks["trainer"] = "GRPOTrainer constructed on the tiny model"
    else:
        checks["trainer"] = (f"GRPOTrainer constructed on a tiny random Qwen3 stand-in (LoRA {recipe.model.lora}); "
                             f"{recipe.model.base} weights not loaded (dry runs download nothing), vLLM not started")
    log(f"dry-run: trainer: {checks['trainer']}")
    return checks


def _write_meta(recipe: Recipe, adapter: Path) -> None:
    """Record what serving needs next to the adapter: the base *name* (not this run's materialised
    copy), the prompt view and the answer budget; PEFT's config is pointed at the name too."""
    from sentinel_guard.train.eval_run import META_FILE

    if recipe.model.lora is None:
        return
    write_json(adapter / META_FILE, {"base": recipe.model.base, "prompt_view": recipe.data.prompt_view,
                                     "max_new_tokens": recipe.eval.max_new_tokens, "recipe": recipe.name})
    cfg_path = adapter / "adapter_config.json"
    if cfg_path.exists():
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        cfg["base_model_name_or_path"] = recipe.model.base
        write_json(cfg_path, cfg)


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process (less sensitive than wall time to a shared machine)."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return round(ru.ru_utime + ru.ru_stime, 1)


def _load_gate(path: Path, settings: GateSettings, log: Log) -> Gate | None:
    """A resumed run's gate: its recorded checkpoints, decided again under the recipe's `settings`."""
    if not path.exists():
        return None
    g = json.loads(path.read_text(encoding="utf-8"))
    gate = Gate.replay(settings, Checkpoint(**g["sft"]), [Checkpoint(**c) for c in g["grpo"]])
    if g["settings"] != asdict(settings):
        log(f"gate: settings changed since {path} was written ({g['settings']} -> {asdict(settings)}); "
            f"decided again on its recorded checkpoints: {gate.decision} (was {g['decision']})")
    return gate


def _invocations(previous: Path, this: dict[str, Any]) -> dict[str, Any]:
    """Every invocation of a resumed run, oldest first, and their total: a resume reuses the earlier
    invocations' stages and evals, so its own wall time alone would understate what the run cost."""
    if not previous.exists():
        return {}
    before = json.loads(previous.read_text(encoding="utf-8"))
    runs = before.get("invocations") or [{k: before.get(k) for k in _INVOCATION_KEYS}]
    runs = [*runs, {k: this[k] for k in _INVOCATION_KEYS}]
    return {"invocations": runs, "wall_s_total": round(sum(float(r["wall_s_this_invocation"] or 0) for r in runs), 1)}


_INVOCATION_KEYS = ("machine", "timings_s", "wall_s_this_invocation", "cpu_s_this_invocation")


def run_pipeline(recipe: Recipe, out: str | Path, *, dry_run: bool = False, log: Log = print,
                 skip_eval: bool = False) -> dict[str, Any]:
    """Run every stage (or validate them with `dry_run`) and write the outputs under `out`."""
    t_start = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = DataPaths(out / "data")
    timings: dict[str, float] = {}
    if not data.summary.exists():
        t0 = time.perf_counter()
        summary = build_data(recipe, data.root)
        timings["data"] = round(time.perf_counter() - t0, 1)
        log(f"data: {summary['rft_rows']} RFT rows {summary['rft_by_decision']}, GRPO prompts "
            f"{summary['grpo_rows']}, {summary['val_rows']} validation turns ({timings['data']}s)")
    t0 = time.perf_counter()
    base = prepare_base(recipe, out, data, dry_run=dry_run)
    timings["base"] = round(time.perf_counter() - t0, 1)
    ctx = RunContext(recipe, base, data, out, dry_run)
    if dry_run:
        checks = _dry_run(recipe, ctx, log)
        result = {"recipe": recipe.model_dump(mode="json"), "dry_run": True, "checks": checks}
        write_json(out / "dry_run.json", result)
        return result

    stages: dict[str, dict[str, Any]] = {}

    def stage(name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        record = stage_done(ctx, name)
        if record is None:
            log(f"stage {name}: training …")
            record = fn()
        else:
            log(f"stage {name}: already done, reused")
            ctx.scores[str(record["model_dir"])] = record["val_after_detail"]
        stages[name] = record
        log(f"stage {name}: {record['steps']} steps in {record['wall_s']}s; validation reward "
            f"{record['val_before']:.3f} -> {record['val_after']:.3f}")
        return record

    current: str | None = None
    if recipe.warmup_sft_steps:
        warm = {**recipe.stage_b, "max_steps": recipe.warmup_sft_steps}
        current = stage("warmup", lambda: run_sft(ctx, "warmup", None, warm, tools=_tool_schemas()))["model_dir"]
    init_a, stage_a = current, recipe.stage_a
    if stage_a is not None:
        current = stage("A", lambda: run_grpo(ctx, "A", init_a or base, stage_a, "action_screen"))["model_dir"]
    init_b = current
    sft = stage("B", lambda: run_sft(ctx, "B", init_b, recipe.stage_b))
    gate_path = out / "gate.json"
    settings = GateSettings(recipe.gate.margin, recipe.gate.by_step, recipe.gate.eval_every, recipe.gate.metric)
    gate = _load_gate(gate_path, settings, log) or Gate(settings, Checkpoint(
        "sft", 0, sft["val_after"], sft["model_dir"], sft.get("val_after_detail", {}).get("f1")))
    current = sft["model_dir"]
    offset = 0
    for tier in recipe.curriculum:
        if gate.decision == "aborted" and stage_done(ctx, f"C-{tier}") is None:
            stages[f"C-{tier}"] = {"status": "skipped (gate aborted)", "steps": 0, "wall_s": 0.0}
            continue
        init_c, off = current, offset
        rec = stage(f"C-{tier}", lambda init_c=init_c, off=off, tier=tier: run_grpo(  # type: ignore[misc]
            ctx, f"C-{tier}", init_c, recipe.stage_c, tier, gate=gate, step_offset=off))
        offset += rec["steps"]
        current = rec["model_dir"]
        write_json(gate_path, gate.summary())
    restored = gate.restore(out / "adapter")
    write_json(gate_path, gate.summary())
    _write_meta(recipe, out / "adapter")
    log(f"gate: {gate.decision} — {gate.reason}; restored {restored.name} ({gate.settings.metric} "
        f"{gate.value(restored):.3f}) to {out / 'adapter'}")
    evals: dict[str, Any] = {}
    if not skip_eval:
        from sentinel_guard.train.eval_run import evaluate_adapter

        t0 = time.perf_counter()
        evals = {"gate_choice": evaluate_adapter(recipe, str(out / "adapter"), base, log=log, name=restored.name,
                                                 records=out / "evals")}
        timings["eval_gate_choice"] = round(time.perf_counter() - t0, 1)
        last = gate.history[-1] if gate.history else None  # the last GRPO checkpoint, shown when not chosen
        for label, model_dir, wanted in (("sft", sft["model_dir"], recipe.eval.compare_sft),
                                         ("grpo_last", last.path if last else None,
                                          recipe.eval.compare_sft and last is not None and last.name != restored.name),
                                         ("zero_shot", None, recipe.eval.zero_shot)):
            if wanted and not (label == "sft" and restored.name == "sft"):
                record = out / "evals" / f"{label}.json"  # resumable like the stages: a finished eval is reused
                if record.exists():
                    evals[label] = json.loads(record.read_text(encoding="utf-8"))
                    log(f"eval {label}: already done, reused {record}")
                    continue
                t0 = time.perf_counter()
                evals[label] = evaluate_adapter(recipe, model_dir, base, log=log,
                                                name=last.name if label == "grpo_last" and last else label,
                                                suites=recipe.eval.compare_suites, records=out / "evals")
                timings[f"eval_{label}"] = round(time.perf_counter() - t0, 1)
                write_json(record, evals[label])
        if len(evals) == 1:
            evals = evals["gate_choice"]  # the tiny recipe's layout: suite -> report
    summary = {
        "recipe": recipe.model_dump(mode="json"), "machine": f"{platform.platform()} ({platform.processor() or 'cpu'})",
        "data": json.loads(data.summary.read_text(encoding="utf-8")), "timings_s": timings,
        "stages": {k: {kk: vv for kk, vv in v.items() if kk != "log_history"} for k, v in stages.items()},
        "gate": gate.summary(), "eval": evals, "adapter": str(out / "adapter"),
        "wall_s_this_invocation": round(time.perf_counter() - t_start, 1),
        "cpu_s_this_invocation": _cpu_seconds(),
    }
    summary |= _invocations(out / "run_summary.json", summary)
    write_json(out / "run_summary.json", summary)
    plot_curves({k: v.get("log_history", []) for k, v in stages.items()}, out / "curves.png",
                [(0, gate.baseline.score)] + [(c.step, c.score) for c in gate.history])
    write_model_card(out / "README.md", summary)
    return summary

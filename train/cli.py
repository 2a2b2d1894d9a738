"""`sentinel-guard train …`: build data, run the pipeline or one stage, evaluate an adapter.

Imports nothing heavy at module level (torch/TRL load inside the commands), so the core CLI stays
fast. Bad input (unknown recipe, bad override, missing directory) exits with code 2 and a one-line
message naming what is wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from sentinel_guard.cli import fail
from sentinel_guard.errors import ConfigError, InputError, MissingExtraError, require_extra

app = typer.Typer(name="train", help="Train your own Overseer: RFT data, GRPO in the war room, SFT, gate, eval.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)

RecipeOpt = Annotated[str, typer.Option("--recipe", "-r", help="tiny-cpu | qwen3-1.7b-l4 | qwen3-8b-h100 | FILE.yaml")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="run directory (default: runs/<recipe>)")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="override a recipe value: stage_c.max_steps=20")]


def _overrides(items: list[str] | None) -> dict[str, Any]:
    import yaml

    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--set expects key=value, got {item!r}")
        out[key.strip()] = yaml.safe_load(value)
    return out


def _recipe(name: str, sets: list[str] | None) -> Any:
    from sentinel_guard.train.recipe import load_recipe

    return load_recipe(name, _overrides(sets))


def _need_extras() -> None:
    for module in ("torch", "transformers", "trl", "datasets"):
        require_extra(module, "train", "sentinel-guard train")


def _guarded(fn: Any) -> Any:
    try:
        return fn()
    except (ConfigError, InputError, MissingExtraError, ValueError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None


@app.command("recipes")
def recipes() -> None:
    """List the bundled recipes."""
    from sentinel_guard.train.recipe import available_recipes, load_recipe

    for name in available_recipes():
        r = load_recipe(name)
        typer.echo(f"{name:16} {r.device:5} {r.model.base:20} {r.description}")


@app.command("data")
def data(recipe: RecipeOpt = "tiny-cpu", out: OutOpt = None, set_: SetOpt = None) -> None:
    """Build the RFT set, the GRPO prompt sets per tier and the validation split (training split only)."""
    from sentinel_guard.train.data import build_data

    r = _guarded(lambda: _recipe(recipe, set_))
    target = out or Path("runs") / r.name / "data"
    summary = _guarded(lambda: build_data(r, target))
    typer.echo(json.dumps({k: summary[k] for k in ("rft_rows", "rft_by_decision", "rft_by_tier", "grpo_rows",
                                                   "val_rows", "teacher_confusion")}, indent=2))
    typer.echo(f"wrote {target}")


@app.command("run")
def run(recipe: RecipeOpt = "tiny-cpu", out: OutOpt = None, set_: SetOpt = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="build and validate everything, train nothing")] = False,
        no_eval: Annotated[bool, typer.Option("--no-eval", help="skip the final held-out eval")] = False) -> None:
    """Run every stage (data → warm-up → A → B → C + gate → restore → eval); rerun with the same --out to resume."""
    _guarded(_need_extras)
    from sentinel_guard.train.pipeline import run_pipeline

    r = _guarded(lambda: _recipe(recipe, set_))
    target = out or Path("runs") / r.name
    result = _guarded(lambda: run_pipeline(r, target, dry_run=dry_run, skip_eval=no_eval, log=typer.echo))
    if not dry_run:
        typer.echo(f"done: adapter {result['adapter']}, summary {target / 'run_summary.json'}")


@app.command("stage")
def stage(name: Annotated[str, typer.Argument(help="warmup | A | B | C")], recipe: RecipeOpt = "tiny-cpu",
          out: OutOpt = None, set_: SetOpt = None,
          init: Annotated[Path | None, typer.Option(help="model dir to start from (default: the base)")] = None,
          tier: Annotated[str, typer.Option(help="tier for stage C")] = "action_screen") -> None:
    """Run one stage alone (data and the base are prepared first if missing)."""
    _guarded(_need_extras)
    from sentinel_guard.train.data import DataPaths, build_data
    from sentinel_guard.train.pipeline import prepare_base
    from sentinel_guard.train.stages import RunContext, run_grpo, run_sft

    r = _guarded(lambda: _recipe(recipe, set_))
    target = out or Path("runs") / r.name
    paths = DataPaths(target / "data")
    if not paths.summary.exists():
        _guarded(lambda: build_data(r, paths.root))
    base = prepare_base(r, target, paths)
    ctx = RunContext(r, base, paths, target)
    start = str(init) if init else base
    if init is not None and not init.is_dir():
        raise fail(f"--init {init} is not a directory")
    key = name.upper() if name.lower() != "warmup" else "warmup"
    if key == "warmup":
        from sentinel_guard.train.pipeline import _tool_schemas

        rec = run_sft(ctx, "warmup", init, {**r.stage_b, "max_steps": max(1, r.warmup_sft_steps)},
                      tools=_tool_schemas())
    elif key == "A":
        rec = run_grpo(ctx, "A", start, r.stage_a, "action_screen")
    elif key == "B":
        rec = run_sft(ctx, "B", init, r.stage_b)
    elif key == "C":
        from sentinel_guard.train.recipe import TIERS

        if tier not in TIERS:
            raise fail(f"unknown tier {tier!r}; choose one of {', '.join(TIERS)}")
        rec = run_grpo(ctx, f"C-{tier}", start, r.stage_c, tier)
    else:
        raise fail(f"unknown stage {name!r}; choose warmup, A, B or C")
    typer.echo(f"stage {key}: {rec['steps']} steps, {rec['wall_s']}s, validation reward "
               f"{rec['val_before']:.3f} -> {rec['val_after']:.3f}; model {rec['model_dir']}")


@app.command("eval")
def eval_(adapter: Annotated[Path | None, typer.Option(help="adapter (PEFT) or full model directory")] = None,
          zero_shot: Annotated[bool, typer.Option("--zero-shot", help="evaluate the base model alone (no adapter)")
                               ] = False,
          recipe: RecipeOpt = "tiny-cpu",
          base: Annotated[str | None, typer.Option(help="base model (default: the adapter's, else the recipe's)")] = None,
          suite: Annotated[list[str] | None, typer.Option(help="compat and/or v2 (default: the recipe's)")] = None,
          backend: Annotated[str | None, typer.Option(help="transformers (in-process) or vllm (server)")] = None,
          vllm_url: Annotated[str | None, typer.Option(help="vLLM server serving --lora-modules overseer=DIR")] = None,
          episodes: Annotated[int | None, typer.Option("--episodes", "--max-episodes", min=1,
                                                       help="held-out episodes per task (default: all)")] = None,
          view: Annotated[str | None, typer.Option(help="prompt view: full | focused (default: the adapter's)")] = None,
          task: Annotated[list[str] | None, typer.Option(help="only these tasks (default: all three)")] = None,
          decoding: Annotated[str | None, typer.Option(
              help="schema (the decision is the likeliest legal value) or free (plain greedy); default: the recipe's"
          )] = None,
          as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False) -> None:
    """Held-out env eval (compat, v2) with the trained model as the overseer; parse failures reported apart.

    Greedy and seeded: the same command prints the same figures. With one --suite the JSON is that
    suite's report ({"f1", "precision", "recall", "f1_ci95", "parse_failures", "decisions", ...}); with
    several it maps suite -> report.
    """
    _guarded(_need_extras)
    from sentinel_guard.train.eval_run import evaluate_adapter

    if zero_shot == (adapter is not None):
        raise fail("give --adapter DIR or --zero-shot (the base alone), not both and not neither")
    if adapter is not None and not adapter.is_dir():
        raise fail(f"--adapter {adapter} is not a directory")
    if backend not in (None, "transformers", "vllm"):
        raise fail(f"unknown backend {backend!r}; choose transformers or vllm")
    if zero_shot and backend == "vllm":
        raise fail("--zero-shot runs in-process; use --backend transformers")
    if suite and any(s not in ("compat", "v2") for s in suite):
        raise fail(f"unknown suite in {suite}; choose compat or v2")
    if decoding not in (None, "schema", "free"):
        raise fail(f"unknown --decoding {decoding!r}; choose schema or free")
    if decoding and backend == "vllm":
        raise fail("--decoding applies in-process; the vllm backend always asks its server for the verdict schema")
    if view not in (None, "full", "focused"):
        raise fail(f"unknown --view {view!r}; choose full or focused")
    from sentinel_guard.train.recipe import TIERS

    if task and any(t not in TIERS for t in task):
        raise fail(f"unknown task in {task}; choose from {', '.join(TIERS)}")
    r = _guarded(lambda: _recipe(recipe, None))
    reports = _guarded(lambda: evaluate_adapter(
        r, str(adapter) if adapter else None, base, backend=backend, vllm_url=vllm_url,
        suites=tuple(suite) if suite else None, max_episodes=episodes, view=view, tasks=tuple(task) if task else None,
        decoding=decoding,
        name="zero_shot" if zero_shot else "trained", log=(lambda _m: None) if as_json else typer.echo))
    if as_json:
        typer.echo(json.dumps(next(iter(reports.values())) if len(reports) == 1 else reports, indent=2))


@app.command("push")
def push(adapter: Annotated[Path, typer.Option(help="adapter directory to upload")],
         repo: Annotated[str, typer.Option(help="hub repo id, e.g. you/sentinel-overseer")],
         private: Annotated[bool, typer.Option(help="create the repo private")] = True) -> None:
    """Upload an adapter (with its model card) to the Hugging Face Hub — only when asked, only with HF_TOKEN."""
    import os

    token = os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")
    if not token:
        raise fail("push needs a token in HF_TOKEN; nothing was uploaded")
    if not adapter.is_dir():
        raise fail(f"--adapter {adapter} is not a directory")
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo, private=private, exist_ok=True)
    card = adapter.parent / "README.md"
    if card.exists() and not (adapter / "README.md").exists():
        api.upload_file(path_or_fileobj=str(card), path_in_repo="README.md", repo_id=repo)
    api.upload_folder(folder_path=str(adapter), repo_id=repo)
    typer.echo(f"uploaded {adapter} to {repo}")

"""The training stages: format warm-up (tiny only), A (GRPO, action_screen), B (SFT/RFT), C (curriculum GRPO).

Each stage reads the previous stage's model directory and writes its own, plus a `stage.json`
with its status, steps, wall time, validation reward before/after and the trainer's log history.
A stage whose `stage.json` says `done` is skipped when the run is resumed. GRPO stages use TRL's
`environment_factory` with `WarRoomToolEnv`, so rollouts step the real env and are rewarded by the
env's grader (`rewards.env_reward`).

Imports transformers: load only inside commands.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentinel_guard.train.data import DataPaths, read_rows
from sentinel_guard.train.gate import Checkpoint, Gate
from sentinel_guard.train.recipe import Recipe
from sentinel_guard.train.report import write_json
from transformers import TrainerCallback

__all__ = ["RunContext", "run_grpo", "run_sft", "stage_done"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")


@dataclass
class RunContext:
    """What every stage needs: the recipe, the base model id/path, the data and the run directory."""

    recipe: Recipe
    base: str
    data: DataPaths
    out: Path
    dry_run: bool = False
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Validation results by model dir: a stage's "before" is the previous stage's "after"."""

    def stage_dir(self, name: str) -> Path:
        return self.out / "stages" / name


def stage_done(ctx: RunContext, name: str) -> dict[str, Any] | None:
    """The saved record of a finished stage, or None (resumability)."""
    path = ctx.stage_dir(name) / "stage.json"
    if not path.exists():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    return record if record.get("status") == "done" else None


def _last_checkpoint(output_dir: str) -> str | None:
    """The newest trainer checkpoint of an interrupted stage (recipes with `save_strategy: steps`)."""
    from transformers.trainer_utils import get_last_checkpoint

    return get_last_checkpoint(output_dir) if Path(output_dir).is_dir() else None


def _val_rows(ctx: RunContext) -> list[dict[str, Any]]:
    return read_rows(ctx.data.val)[: ctx.recipe.gate.val_turns]


def _score(ctx: RunContext, model: Any, tok: Any, model_dir: str | Path | None = None) -> dict[str, Any]:
    from sentinel_guard.train.evaluate import score_rows

    key = str(model_dir) if model_dir is not None else None
    if key is not None and key in ctx.scores:
        return ctx.scores[key]
    result = score_rows(model, tok, _val_rows(ctx), max_new_tokens=ctx.recipe.eval.max_new_tokens,
                        decoding=ctx.recipe.eval.decoding)
    if key is not None:
        ctx.scores[key] = result
    return result


def _step_key(stage: str, step: int) -> str:
    """Where the gate's score of a stage's weights after `step` steps is kept, so the stage's end reuses it."""
    return f"{stage}@step{step}"


def _finish(ctx: RunContext, name: str, trainer: Any, before: dict[str, Any], t0: float,
            extra: dict[str, Any] | None = None) -> dict[str, Any]:
    from sentinel_guard.train.modeling import save_policy

    model_dir = save_policy(trainer.model, trainer.processing_class, ctx.stage_dir(name) / "model")
    gated = ctx.scores.get(_step_key(name, trainer.state.global_step))  # the gate just scored these weights
    if gated is not None:
        ctx.scores[str(model_dir)] = gated
    after = _score(ctx, trainer.model, trainer.processing_class, model_dir)
    record = {"stage": name, "status": "done", "steps": trainer.state.global_step,
              "wall_s": round(time.perf_counter() - t0, 1), "val_before": before["reward"],
              "val_after": after["reward"], "val_before_detail": before, "val_after_detail": after,
              "model_dir": str(model_dir), "log_history": trainer.state.log_history, **(extra or {})}
    write_json(ctx.stage_dir(name) / "stage.json", record)
    return record


def run_sft(ctx: RunContext, name: str, init: str | Path | None, stage: dict[str, Any],
            tools: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """SFT on the RFT set (prompt = served messages, completion = the served JSON verdict).

    With `tools` (the format warm-up of the tiny model) every row also appears with the decision
    tools in its system prompt, as GRPO rollouts will show them, so the model answers in the same
    JSON format there too.
    """
    from datasets import Dataset
    from sentinel_guard.train.config import stage_config
    from sentinel_guard.train.modeling import load_policy, load_tokenizer
    from trl import SFTTrainer

    cfg, _ = stage_config("sft", ctx.recipe, stage, str(ctx.stage_dir(name) / "trainer"))
    from sentinel_guard.train.modeling import TEMPLATE_KWARGS

    rows = [{"prompt": r["prompt"], "completion": r["completion"], "chat_template_kwargs": TEMPLATE_KWARGS}
            for r in read_rows(ctx.data.rft)]
    if tools:
        rows = [{**r, "tools": None} for r in rows] + [{**r, "tools": tools} for r in rows]
    if not rows:
        raise RuntimeError("the RFT set is empty: the teacher got no turn right (see data_summary.json)")
    tok = load_tokenizer(str(init) if init and ctx.recipe.model.lora is None else ctx.base)
    model = load_policy(ctx.recipe, ctx.base, init)
    t0 = time.perf_counter()
    before = _score(ctx, model, tok, init) if init is not None or ctx.recipe.gate.score_base else _NOT_SCORED
    trainer = SFTTrainer(model=model, args=cfg, train_dataset=Dataset.from_list(rows), processing_class=tok)
    trainer.train(resume_from_checkpoint=_last_checkpoint(cfg.output_dir))
    return _finish(ctx, name, trainer, before, t0, {"rows": len(rows)})


_NOT_SCORED: dict[str, Any] = {"reward": float("nan"), "n": 0, "parse_failures": 0, "decisions": {},
                               "sample": "", "skipped": "gate.score_base is false"}
"""The base's validation score when the recipe skips it (CPU budgets: the held-out zero-shot eval covers it)."""


class _GateCallback(TrainerCallback):
    """Every `eval_every` GRPO steps: checkpoint, score on validation, ask the gate; stop on abort."""

    def __init__(self, ctx: RunContext, gate: Gate, step_offset: int, stage: str) -> None:
        super().__init__()
        self.ctx, self.gate, self.offset, self.stage = ctx, gate, step_offset, stage
        self.trainer: Any = None

    def on_step_end(self, args: Any, state: Any, control: Any, **_: Any) -> Any:
        step = self.offset + state.global_step
        if state.global_step % self.gate.settings.eval_every or self.trainer is None:
            return control
        from sentinel_guard.train.modeling import save_policy

        path = save_policy(self.trainer.model, self.trainer.processing_class,
                           self.ctx.out / "checkpoints" / f"grpo-step{step}")
        score = _score(self.ctx, self.trainer.model, self.trainer.processing_class,
                       _step_key(self.stage, state.global_step))
        stop = self.gate.record(Checkpoint(f"grpo-step{step}", step, score["reward"], str(path), score.get("f1")))
        write_json(self.ctx.out / "gate.json", self.gate.summary())  # survives a crash mid-tier
        if stop:
            control.should_training_stop = True
        return control


def run_grpo(ctx: RunContext, name: str, init: str | Path, stage: dict[str, Any], tier: str,
             gate: Gate | None = None, step_offset: int = 0) -> dict[str, Any]:
    """GRPO with `environment_factory=WarRoomToolEnv` on one tier's prompt set."""
    from datasets import Dataset
    from sentinel_guard.train.config import stage_config
    from sentinel_guard.train.modeling import load_policy, load_tokenizer
    from sentinel_guard.train.rewards import env_reward
    from sentinel_guard.train.tool_env import ENVIRONMENTS
    from trl import GRPOTrainer

    cfg, _ = stage_config("grpo", ctx.recipe, {**stage, "tier": tier, "suite": ctx.recipe.data.suite},
                          str(ctx.stage_dir(name) / "trainer"))
    turns = cfg.max_overseer_turns
    rows = [{**r, "max_overseer_turns": turns} for r in read_rows(ctx.data.grpo(tier))]
    if not rows:
        raise RuntimeError(f"no GRPO prompts for tier {tier}")
    tok = load_tokenizer(str(init) if ctx.recipe.model.lora is None else ctx.base)
    model = load_policy(ctx.recipe, ctx.base, init)
    t0 = time.perf_counter()
    before = _score(ctx, model, tok, init)
    cb = _GateCallback(ctx, gate, step_offset, name) if gate is not None else None
    trainer = GRPOTrainer(model=model, args=cfg, train_dataset=Dataset.from_list(rows), processing_class=tok,
                          reward_funcs=env_reward, environment_factory=ENVIRONMENTS[cfg.environment], callbacks=[cb] if cb else None)
    if cb is not None:
        cb.trainer = trainer
    trainer.train(resume_from_checkpoint=_last_checkpoint(cfg.output_dir))
    return _finish(ctx, name, trainer, before, t0, {"tier": tier, "rows": len(rows), "max_overseer_turns": turns})

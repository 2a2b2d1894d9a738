"""TRL config subclasses for the Overseer stages, and their construction from a recipe.

`OverseerSFTConfig` / `OverseerGRPOConfig` subclass TRL's `SFTConfig` / `GRPOConfig`, so
`transformers.HfArgumentParser` turns them into a command line and every TRL knob stays
available. `stage_config` builds one from a recipe's stage dict through `HfArgumentParser.parse_dict`
(unknown keys are an error, not silently ignored) and applies the device defaults.

Imports TRL: load this module only inside commands, never from the CLI at import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sentinel_guard.train.recipe import TIERS, Recipe
from transformers import HfArgumentParser
from trl import GRPOConfig, SFTConfig

from sentinel_guard.errors import ConfigError

__all__ = ["OverseerGRPOConfig", "OverseerSFTConfig", "cuda_available", "stage_config"]


@dataclass
class OverseerSFTConfig(SFTConfig):
    """SFTConfig for rejection fine-tuning on the RFT set (stage B) and the tiny format warm-up."""

    suite: str = field(default="v2", metadata={"help": "env suite the RFT set was drawn from"})


@dataclass
class OverseerGRPOConfig(GRPOConfig):
    """GRPOConfig for the env-interactive stages A (action_screen) and C (curriculum)."""

    suite: str = field(default="v2", metadata={"help": "env suite the rollouts run in"})
    tier: str = field(default="action_screen", metadata={"help": f"env task: one of {', '.join(TIERS)}"})
    max_overseer_turns: int = field(
        default=1, metadata={"help": "overseer decisions per rollout (1 = one decision, >1 = multi-turn episode)"})
    environment: str = field(
        default="tools", metadata={"help": "tools: one tool per decision; answer: the served JSON verdict, no tools"})

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.tier not in TIERS:
            raise ValueError(f"tier must be one of {list(TIERS)}, got {self.tier!r}")
        if self.environment not in ("tools", "answer"):
            raise ValueError(f"environment must be tools or answer, got {self.environment!r}")
        if self.max_overseer_turns < 1:
            raise ValueError("max_overseer_turns must be >= 1")


def cuda_available() -> bool:
    """True when torch sees a CUDA device."""
    import torch

    return bool(torch.cuda.is_available())


_CPU = {"bf16": False, "fp16": False, "gradient_checkpointing": False, "use_cpu": True}


def stage_config(kind: str, recipe: Recipe, stage: dict[str, Any], output_dir: str,
                 *, dry_run: bool = False) -> tuple[SFTConfig | GRPOConfig, dict[str, Any]]:
    """Build the TRL config of one stage; returns it with the overrides applied for this machine.

    CPU recipes get bf16/gradient checkpointing off and `use_cpu`. A CUDA recipe on a machine
    without CUDA is only allowed in a dry run: it is validated with the CPU overrides (TrainingArguments
    refuses bf16 without a GPU) and the overrides are reported, never hidden.
    """
    cls = OverseerSFTConfig if kind == "sft" else OverseerGRPOConfig
    values: dict[str, Any] = {"report_to": "none", "save_strategy": "no", "logging_steps": 1, "seed": recipe.data.seed}
    values.update(stage)
    values["output_dir"] = output_dir
    overrides: dict[str, Any] = {}
    if recipe.device == "cpu":
        values.update(_CPU)
    elif not cuda_available():
        if not dry_run:
            raise ConfigError(f"recipe {recipe.name!r} needs a CUDA GPU; none is visible (use --dry-run to validate it)")
        overrides = {k: v for k, v in _CPU.items() if values.get(k) not in (None, v)}
        values.update(_CPU)
    if kind != "sft" and "chat_template_kwargs" not in values:
        from sentinel_guard.train.modeling import TEMPLATE_KWARGS

        values["chat_template_kwargs"] = dict(TEMPLATE_KWARGS)  # Qwen3: no <think> in the verdict budget
    try:
        (config,) = HfArgumentParser(cls).parse_dict(values, allow_extra_keys=False)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"recipe {recipe.name!r}, {kind} stage: {exc}") from None
    if kind != "sft":
        _check_grpo(recipe.name, config)
    return config, overrides


def _check_grpo(name: str, cfg: GRPOConfig) -> None:
    batch = cfg.per_device_train_batch_size * cfg.gradient_accumulation_steps
    generations = cfg.num_generations or 0
    if generations < 2:
        raise ConfigError(f"recipe {name!r}: GRPO needs num_generations >= 2 (group advantages)")
    if batch % generations:
        raise ConfigError(f"recipe {name!r}: per_device_train_batch_size × gradient_accumulation_steps = {batch} "
                          f"is not divisible by num_generations = {cfg.num_generations}")

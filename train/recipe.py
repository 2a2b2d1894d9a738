"""Training recipes: one YAML file per preset, validated into a `Recipe` before anything runs.

A recipe names the base model (or `tiny` for the locally built random model), the optional LoRA,
the data budget, the keyword arguments of each stage's TRL config, the gate and the eval. The
stage dicts are checked against the TRL config classes by `sentinel_guard.train.config` (which
imports TRL); this module stays light so the CLI can list and load recipes instantly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sentinel_guard.errors import ConfigError

__all__ = ["RECIPE_DIR", "TIERS", "Recipe", "available_recipes", "load_recipe"]

RECIPE_DIR = Path(__file__).parent / "recipes"
TIERS = ("action_screen", "war_room", "drift_ops")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LoraSpec(_Strict):
    """LoRA adapter settings (PEFT)."""

    r: int = Field(16, ge=1)
    alpha: int = Field(32, ge=1)
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj")
    layers: tuple[int, ...] | None = None
    """Only these decoder layers get adapters (None = all). On a CPU, adapting only the top layers means
    the backward pass stops there: about half the cost of a training step for a 30-layer model."""


class ModelSpec(_Strict):
    """The base model: `tiny` (built locally, random weights) or a hub id / local path."""

    base: str
    tiny_hidden: int = Field(64, ge=16)
    tiny_layers: int = Field(2, ge=1)
    tiny_vocab: int = Field(4096, ge=300)
    lora: LoraSpec | None = None
    """None means a full fine-tune (the tiny model: LoRA on random weights does not learn)."""
    load_in_4bit: bool = False


class DataSpec(_Strict):
    """How many env episodes feed each dataset (v2 training split only)."""

    suite: Literal["v2", "compat"] = "v2"
    teacher: str = "grader_search"
    episodes: dict[str, int] = Field(default_factory=lambda: {"action_screen": 60, "war_room": 20, "drift_ops": 12})
    val_episodes: int = Field(8, ge=1)
    """Episodes per tier in the validation split (training-split seeds disjoint from the data seeds)."""
    max_per_decision: int = Field(150, ge=1)
    seed: int = 0
    prompt_view: Literal["full", "focused"] = "full"
    """What the model is shown of each observation (`sentinel_guard.train.views`): the env's full prompt,
    or the focused view that small CPU budgets need. Train, validation and eval all use this one view."""
    max_justification_words: int | None = Field(None, ge=4)
    """Cut each SFT justification to its leading "; "-separated clauses within this many words (the first
    clause always kept). A small model taught long evidence templates loops and runs past its answer
    budget, leaving unclosed JSON (graded fail-closed); short targets keep answers parseable. None: as cited."""

    @field_validator("episodes")
    @classmethod
    def _known_tiers(cls, v: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(v) - set(TIERS))
        if unknown:
            raise ValueError(f"unknown tier(s) {unknown}; known: {list(TIERS)}")
        return v


class GateSpec(_Strict):
    """See `sentinel_guard.train.gate.GateSettings`."""

    margin: float = 0.02
    by_step: int = Field(50, ge=1)
    eval_every: int = Field(25, ge=1)
    val_turns: int = Field(48, ge=1)
    """Validation overseer turns scored per checkpoint."""
    metric: Literal["reward", "f1"] = "reward"
    """What the gate ranks by: env binary reward (decision and cited evidence) or decision F1."""
    score_base: bool = True
    """Score the untrained base on validation before the first stage (false saves its generations on CPU)."""


class EvalSpec(_Strict):
    """The final env eval with the trained model as the overseer."""

    suites: tuple[Literal["compat", "v2"], ...] = ("compat", "v2")
    backend: Literal["transformers", "vllm"] = "transformers"
    max_new_tokens: int = Field(256, ge=8)
    decoding: Literal["schema", "free"] = "schema"
    """In-process decoding: `schema` (the decision is the likeliest legal value, as vLLM's JSON-schema
    decoding guarantees; `sentinel_guard.backends.schema_decoding`) or `free` (plain greedy)."""
    max_episodes: int | None = None
    """Cap per suite (None = the full held-out split); the tiny recipe caps it to stay fast."""
    zero_shot: bool = False
    """Also evaluate the base model alone (parse failures graded fail-closed) on `compare_suites`."""
    compare_sft: bool = False
    """Also evaluate the SFT checkpoint on `compare_suites` when the gate chose a GRPO checkpoint."""
    compare_suites: tuple[Literal["compat", "v2"], ...] = ("v2",)
    tasks: tuple[str, ...] | None = None
    """Restrict the in-process eval to these tasks (None = all three); the CI smoke test uses one."""


class Recipe(_Strict):
    """A whole training run: model, data, the three stages, gate, eval."""

    name: str
    description: str = ""
    device: Literal["cpu", "cuda"] = "cpu"
    model: ModelSpec
    data: DataSpec = DataSpec()
    stage_a: dict[str, Any] | None = Field(default_factory=dict)
    """GRPO kwargs for the action_screen warm-up with environment_factory; null skips stage A (SFT first)."""
    stage_b: dict[str, Any] = Field(default_factory=dict)
    """SFT kwargs for rejection fine-tuning on the RFT set."""
    stage_c: dict[str, Any] = Field(default_factory=dict)
    """GRPO kwargs for the curriculum; `max_steps` applies to each tier in turn."""
    curriculum: tuple[str, ...] = TIERS
    gate: GateSpec = GateSpec()
    eval: EvalSpec = EvalSpec()
    warmup_sft_steps: int = Field(0, ge=0)
    """Full fine-tune steps on the RFT set before stage A (tiny model only: teaches the output format)."""

    @field_validator("curriculum")
    @classmethod
    def _curriculum_tiers(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [t for t in v if t not in TIERS]
        if bad or not v:
            raise ValueError(f"curriculum must list tiers from {list(TIERS)}, got {list(v)}")
        return v


def available_recipes() -> list[str]:
    """Names of the bundled presets."""
    return sorted(p.stem for p in RECIPE_DIR.glob("*.yaml"))


def load_recipe(name_or_path: str, overrides: dict[str, Any] | None = None) -> Recipe:
    """Load a bundled preset by name, or a YAML file by path; `overrides` are merged on top."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = RECIPE_DIR / f"{name_or_path}.yaml"
        if not path.exists():
            raise ConfigError(f"unknown recipe {name_or_path!r}; bundled: {', '.join(available_recipes())}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read recipe {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"recipe {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"recipe {path} must be a mapping, got {type(data).__name__}")
    for dotted, value in (overrides or {}).items():
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    try:
        return Recipe.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"recipe {path}: {where}: {first['msg']}") from None

"""Loading the policy model and tokenizer for each stage, full fine-tune or one LoRA adapter.

Full fine-tune (the tiny random model): each stage saves a whole model and the next loads it.
LoRA (pretrained bases): one adapter is carried through all stages, so the output is a single
adapter on the hub base — exactly what `vllm serve BASE --lora-modules overseer=DIR` serves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sentinel_guard.train.recipe import Recipe

__all__ = ["TEMPLATE_KWARGS", "is_adapter", "load_policy", "load_tokenizer", "save_policy"]

TEMPLATE_KWARGS = {"enable_thinking": False}
"""Chat-template options used for every rendering — SFT rows, GRPO rollouts, eval and the vLLM client —
so a Qwen3 overseer answers the verdict directly instead of spending its budget thinking. Servers
should send the same (`chat_template_kwargs` in an OpenAI-compatible request)."""


def is_adapter(path: str | Path) -> bool:
    """True when `path` holds a PEFT adapter rather than a whole model."""
    return (Path(path) / "adapter_config.json").exists()


def load_tokenizer(base: str) -> Any:
    """The base's tokenizer, left-padded (GRPO generation), with a pad token."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(base)
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


def load_policy(recipe: Recipe, base: str, init: str | Path | None, *, trainable: bool = True) -> Any:
    """The model a stage starts from: `init` (a previous stage's output) or the base."""
    import torch
    from transformers import AutoModelForCausalLM

    dtype = torch.float32 if recipe.device == "cpu" else torch.bfloat16
    if recipe.model.lora is None:
        return AutoModelForCausalLM.from_pretrained(str(init or base), dtype=dtype)
    from peft import LoraConfig, PeftModel, get_peft_model

    model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype)
    if init is not None and is_adapter(init):
        return PeftModel.from_pretrained(model, str(init), is_trainable=trainable)
    lora = recipe.model.lora
    return get_peft_model(model, LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                                            target_modules=list(lora.target_modules), task_type="CAUSAL_LM",
                                            layers_to_transform=list(lora.layers) if lora.layers else None))


def save_policy(model: Any, tokenizer: Any, out: str | Path) -> Path:
    """Save the adapter (LoRA) or the whole model, plus the tokenizer, into `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out

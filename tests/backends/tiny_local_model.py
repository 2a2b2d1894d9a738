"""A tiny random Qwen3 + tokenizer (+ a LoRA adapter) written to disk — no downloads, no peft.

For the optional real-vLLM tests: a random model says nothing sensible, but it exercises the
real engine, the chat template, the JSON-schema constraint and LoRA loading.
"""

from __future__ import annotations

import json
from pathlib import Path

from sentinel_guard import ToolCall
from sentinel_guard.prompting import SYSTEM_PROMPT, render_user_prompt

HIDDEN, HEADS, KV_HEADS, HEAD_DIM, RANK = 128, 2, 1, 64, 8


def build_base(out: Path) -> Path:
    """Write a 1-layer Qwen3 (head_dim 64, which vLLM's CPU kernels accept) and a BPE tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen3Config, Qwen3ForCausalLM

    corpus = [SYSTEM_PROMPT, render_user_prompt(ToolCall(tool="shell", args={"command": "rm -rf /"})),
              '{"decision": "block", "justification": "deletes the root", "severity": "critical"}'] * 30
    bpe = Tokenizer(models.BPE(unk_token=None))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(corpus, trainer=trainers.BpeTrainer(
        vocab_size=512, special_tokens=["<|pad|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, pad_token="<|pad|>", eos_token="<|im_end|>")
    tok.chat_template = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
                         "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    config = Qwen3Config(vocab_size=len(tok), hidden_size=HIDDEN, intermediate_size=2 * HIDDEN, num_hidden_layers=1,
                         num_attention_heads=HEADS, num_key_value_heads=KV_HEADS, head_dim=HEAD_DIM,
                         max_position_embeddings=4096, pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
                         tie_word_embeddings=True)
    Qwen3ForCausalLM(config).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def build_adapter(out: Path) -> Path:
    """Write a PEFT-format LoRA adapter (rank 8 on q_proj and v_proj) with random weights."""
    import torch
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    prefix = "base_model.model.model.layers.0.self_attn"
    weights = {
        f"{prefix}.q_proj.lora_A.weight": torch.randn(RANK, HIDDEN) * 0.01,
        f"{prefix}.q_proj.lora_B.weight": torch.randn(HEADS * HEAD_DIM, RANK) * 0.01,
        f"{prefix}.v_proj.lora_A.weight": torch.randn(RANK, HIDDEN) * 0.01,
        f"{prefix}.v_proj.lora_B.weight": torch.randn(KV_HEADS * HEAD_DIM, RANK) * 0.01,
    }
    save_file(weights, str(out / "adapter_model.safetensors"))
    (out / "adapter_config.json").write_text(json.dumps({
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": RANK, "lora_alpha": 16, "lora_dropout": 0.0,
        "target_modules": ["q_proj", "v_proj"], "bias": "none", "fan_in_fan_out": False,
        "modules_to_save": None, "base_model_name_or_path": None, "inference_mode": True}))
    return out

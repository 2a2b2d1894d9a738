"""Build a tiny, randomly initialised Qwen3-style causal LM and its tokenizer — no downloads.

The `tiny-cpu` recipe trains this model so the whole pipeline runs on a laptop CPU in minutes.
The byte-level BPE tokenizer is trained on the texts the model will see (the rendered overseer
prompts and verdicts of the data stage), so prompts of several hundred characters fit in a few
hundred tokens. The chat template is TRL's Qwen3 template: TRL recognises it and attaches the
tool-call parser that `GRPOTrainer(environment_factory=...)` needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["TOOL_TOKENS", "build_tiny", "build_tokenizer"]

SPECIALS = ["<|pad|>", "<|endoftext|>", "<|im_start|>", "<|im_end|>"]
TOOL_TOKENS = ["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>", "<think>", "</think>"]

# Boilerplate of the Qwen3 tool-calling system prompt: part of the tokenizer corpus so it compresses.
_TOOL_PREAMBLE = [
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n",
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n",
    "For each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\n<tool_call>\n",
    '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>',
    '{"type": "function", "function": {"name": "block", "description": "", "parameters": '
    '{"type": "object", "properties": {"justification": {"type": "string", "description": ""}}, '
    '"required": ["justification"]}}}',
]


def build_tokenizer(corpus: Iterable[str], vocab_size: int = 1024) -> Any:
    """A byte-level BPE tokenizer trained on `corpus`, wrapped for transformers, Qwen3 template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast
    from trl.chat_template_utils import qwen3_chat_template

    texts = list(corpus) + _TOOL_PREAMBLE * 20
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(texts, trainer=trainer)
    hf = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<|pad|>", eos_token="<|im_end|>",
                                 bos_token=None, unk_token=None,
                                 additional_special_tokens=["<|endoftext|>", "<|im_start|>"])
    hf.add_tokens(TOOL_TOKENS)
    hf.chat_template = qwen3_chat_template
    hf.padding_side = "left"  # GRPO generates with left padding
    return hf


def build_tiny(out_dir: str | Path, corpus: Iterable[str], *, hidden: int = 64, layers: int = 2,
               vocab_size: int = 1024, max_positions: int = 4096, seed: int = 0) -> Path:
    """Write a random Qwen3 model + tokenizer to `out_dir` (loadable by path) and return the path."""
    import torch
    from transformers import GenerationConfig, Qwen3Config, Qwen3ForCausalLM

    torch.manual_seed(seed)
    tok = build_tokenizer(corpus, vocab_size)
    heads = max(2, hidden // 16)
    config = Qwen3Config(
        vocab_size=len(tok), hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
        num_attention_heads=heads, num_key_value_heads=max(1, heads // 2), head_dim=hidden // heads,
        max_position_embeddings=max_positions, tie_word_embeddings=True,
        pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, bos_token_id=None)
    model = Qwen3ForCausalLM(config)
    model.generation_config = GenerationConfig(eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                                               do_sample=True)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tok.save_pretrained(out)
    model.save_pretrained(out)
    return out

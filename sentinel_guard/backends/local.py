"""`LocalOverseer`: a small overseer model in-process through transformers (extra `local`).

For a host with no GPU and no model server: the base (a named offline base such as
`smollm2-135m-instruct`, a model directory or a `.gguf` file) plus an optional PEFT adapter,
e.g. the adapter shipped under `models/`. Greedy decoding under the verdict schema by default
(`decoding="schema"`, `sentinel_guard.backends.schema_decoding`: the decision is the likeliest of
the four legal values, as a vLLM server's JSON-schema decoding guarantees), or plain greedy
(`"free"`); the shared prompt and parser (`ModelOverseer`); every failure (unreadable answer,
generation error) ends fail-closed.

    overseer = LocalOverseer(adapter="models/smollm2-135m-overseer/adapter")
    guard = Guard(overseer)

An adapter directory may carry `sentinel_overseer.json` (written by the training pipeline): the
base it was trained on and its answer budget, so naming the adapter is enough.

Generation is synchronous and CPU-bound: it runs in a worker thread behind a lock (one model,
one generation at a time); the event loop keeps serving. The model loads on first use, not at
construction, so building a guard stays instant; `warm_up()` loads it eagerly.
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

from sentinel_guard.backends._model import ModelOverseer
from sentinel_guard.errors import ConfigError, OverseerUnavailable, require_extra
from sentinel_guard.types import Decision

__all__ = ["LocalOverseer"]

_META = "sentinel_overseer.json"


class LocalOverseer(ModelOverseer):
    """Judges calls with a local transformers model (+ optional LoRA adapter)."""

    def __init__(
        self,
        base: str | None = None,
        *,
        adapter: str | Path | None = None,
        max_new_tokens: int | None = None,
        on_failure: Decision | None = Decision.ESCALATE,
        constraints: list[str] | tuple[str, ...] = (),
        threads: int | None = None,
        decoding: str = "schema",
    ) -> None:
        """
        Args:
            base: named base, model directory or .gguf file; default: the adapter's recorded base.
            adapter: a PEFT adapter directory.
            max_new_tokens: the answer budget (default: the adapter's, else 128).
            on_failure: escalate (default) or block when no verdict can be had; None raises instead.
            constraints: policy lines included in the prompt.
            threads: torch CPU threads (default: torch's choice).
            decoding: `schema` (the decision is the likeliest legal value) or `free` (plain greedy).
        """
        if decoding not in ("schema", "free"):
            raise ConfigError(f"unknown decoding {decoding!r}; choose schema or free")
        require_extra("torch", "local", "LocalOverseer")
        require_extra("transformers", "local", "LocalOverseer")
        meta: dict[str, Any] = {}
        if adapter is not None:
            adapter = Path(adapter)
            if not (adapter / "adapter_config.json").is_file():
                raise ConfigError(f"{adapter} is not a PEFT adapter directory (no adapter_config.json)")
            require_extra("peft", "local", "LocalOverseer with an adapter")
            if (adapter / _META).is_file():
                meta = json.loads((adapter / _META).read_text(encoding="utf-8"))
        base = base or meta.get("base")
        if not base:
            raise ConfigError("LocalOverseer needs a base model (or an adapter whose sentinel_overseer.json names one)")
        from sentinel_guard.backends.base_models import resolve_base

        resolve_base(base)  # fail now, naming the install command, not on the first call
        super().__init__(f"local:{adapter.name if adapter else base}", constraints=constraints, on_failure=on_failure)
        self.base = base
        self.adapter = adapter
        self.max_new_tokens = int(max_new_tokens or meta.get("max_new_tokens") or 128)
        self.threads = threads
        self.decoding = decoding
        self._lock = threading.Lock()
        self._model: Any = None
        self._tokenizer: Any = None

    def _ensure_model(self) -> tuple[Any, Any]:
        """Load base (+ adapter) once, in the worker thread, under the lock."""
        if self._model is None:
            import torch

            from sentinel_guard.backends.base_models import load_base

            if self.threads:
                torch.set_num_threads(self.threads)
            model, tok = load_base(self.base)
            if self.adapter is not None:
                from peft import PeftModel

                model = PeftModel.from_pretrained(model, str(self.adapter))
            self._model, self._tokenizer = model.eval(), tok
        return self._model, self._tokenizer

    def _generate(self, messages: list[dict[str, str]]) -> str:
        import torch

        with self._lock:
            model, tok = self._ensure_model()
            prompt = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            if self.decoding == "schema":
                from sentinel_guard.backends.schema_decoding import decode_verdict

                return decode_verdict(model, tok, prompt, max_new_tokens=self.max_new_tokens).text
            enc = tok(prompt, return_tensors="pt", add_special_tokens=False)
            with torch.no_grad():
                out = model.generate(**enc, max_new_tokens=self.max_new_tokens, do_sample=False,
                                     pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
            return str(tok.decode(out[0, enc["input_ids"].shape[1]:], skip_special_tokens=True))

    def warm_up(self) -> None:
        """Load the model now (a long-running host pays the load before its first call)."""
        with self._lock:
            self._ensure_model()

    async def complete(self, messages: list[dict[str, str]]) -> str:
        try:
            return await asyncio.to_thread(self._generate, messages)
        except (RuntimeError, ValueError, OSError) as exc:
            raise OverseerUnavailable(f"{self.name}: generation failed: {exc}") from exc

    async def aclose(self) -> None:
        with self._lock:
            self._model = None
            self._tokenizer = None

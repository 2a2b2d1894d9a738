"""What the model tier and the framework integrations cost, and how much traffic reaches the model.

1. Cascade routing on the dev sets: with the real rules tier and a stand-in model tier, the share
   of calls the rules decide alone vs. send to the model, per threshold, split by label — how much
   model load a cascade saves, and how many unsafe calls the rules let through *confidently*
   (those never reach the model: the cascade's blind spot).
2. Latency medians (µs), each over `--repeat` runs:
   * `OpenAICompatibleOverseer.judge` against a loopback stand-in server (render + HTTP + parse;
     the model's own time excluded);
   * a cascade cache hit;
   * the LangChain callback handler per `tool.invoke` (with minus without, rules guard);
   * the LiteLLM `async_post_call_success_hook` on a response with one tool call.

    .venv/bin/python benchmarks/backends_overhead.py [--repeat 300] [--data DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from quality_rules import DEFAULT_DATA, load, to_call

from sentinel_guard import Guard, ToolCall, Verdict
from sentinel_guard.backends import CascadeOverseer, OpenAICompatibleOverseer
from sentinel_guard.overseers.base import Overseer
from sentinel_guard.overseers.rules import RulesOverseer

VERDICT = json.dumps({"decision": "escalate", "justification": "stand-in model", "severity": "high"})


class CountingModel(Overseer):
    """Model tier stand-in: counts calls, answers escalate (the safe default of an unsure model)."""

    name = "model:stand-in"

    def __init__(self) -> None:
        self.calls = 0

    async def judge(self, call: ToolCall) -> Verdict:
        self.calls += 1
        return Verdict.escalate("stand-in model tier", confidence=0.8)


def routing(data: Path) -> None:
    print("Cascade routing (real rules tier; `to model` = rules confidence below the threshold)")
    files = ["toolcall_safety.jsonl", "shell_commands.jsonl"]
    records = {name: load(data / name) for name in files}
    for threshold in (0.5, 0.7, 0.9):
        for name, rows in records.items():
            model = CountingModel()
            cascade = CascadeOverseer(RulesOverseer(), model, threshold=threshold, cache_ttl_s=0)
            counts = {("safe", True): 0, ("safe", False): 0, ("unsafe", True): 0, ("unsafe", False): 0}
            confident_unsafe_approved = 0

            async def run_all(rows: list[dict] = rows, cascade: CascadeOverseer = cascade) -> list[tuple[dict, Verdict]]:
                return [(r, await cascade.judge(to_call(r))) for r in rows]

            for record, verdict in asyncio.run(run_all()):
                to_model = verdict.decided_by.startswith("cascade:model")
                counts[(record["label"], to_model)] += 1
                if record["label"] == "unsafe" and not to_model and verdict.allows_execution:
                    confident_unsafe_approved += 1
            n = len(rows)
            sent = counts[("safe", True)] + counts[("unsafe", True)]
            print(f"  t={threshold:.1f} {name:<24} n={n:>4}  to model {sent:>4} ({sent / n:6.1%})  "
                  f"safe→model {counts[('safe', True)]:>3}/{counts[('safe', True)] + counts[('safe', False)]:<3} "
                  f"unsafe→model {counts[('unsafe', True)]:>3}/{counts[('unsafe', True)] + counts[('unsafe', False)]:<3} "
                  f"unsafe approved by rules alone {confident_unsafe_approved}")


def _standin_server() -> tuple[ThreadingHTTPServer, str]:
    body = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": VERDICT}}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real server would
        disable_nagle_algorithm = True  # else headers and body in two writes meet delayed ACK (~40 ms)

        def log_message(self, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


def _median_us(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1e6:9.1f} µs  (p90 {statistics.quantiles(samples, n=10)[-1] * 1e6:9.1f})"


async def _time_async(fn: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    await fn()  # warm-up
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - start)
    return out


def _time_sync(fn: Callable[[], Any], repeat: int) -> list[float]:
    fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def latency(repeat: int) -> None:
    print(f"\nLatency (median of {repeat}; this machine, shared CPU)")
    call = ToolCall(tool="deploy", args={"service": "billing", "version": "2.3"}, context="ship the hotfix")
    server, url = _standin_server()
    try:
        async def remote() -> list[float]:
            overseer = OpenAICompatibleOverseer(url, "overseer", timeout=5)
            try:
                return await _time_async(lambda: overseer.judge(call), repeat)
            finally:
                await overseer.aclose()

        print(f"  OpenAICompatibleOverseer.judge (loopback)      {_median_us(asyncio.run(remote()))}")
    finally:
        server.shutdown()
        server.server_close()

    cascade = CascadeOverseer(RulesOverseer(), CountingModel(), cache_ttl_s=3600)
    print(f"  CascadeOverseer cache hit                       "
          f"{_median_us(asyncio.run(_time_async(lambda: cascade.judge(call), repeat)))}")

    from langchain_core.tools import tool
    from sentinel_guard.integrations.langchain import SentinelCallbackHandler

    @tool
    def shell(command: str) -> str:
        """Run a command (stand-in)."""
        return command

    handler = SentinelCallbackHandler(Guard(shield=False))
    args = {"command": "ls -la /tmp"}
    bare = _time_sync(lambda: shell.invoke(args), repeat)
    guarded = _time_sync(lambda: shell.invoke(args, config={"callbacks": [handler]}), repeat)
    print(f"  LangChain tool.invoke, no handler               {_median_us(bare)}")
    print(f"  LangChain tool.invoke, SentinelCallbackHandler  {_median_us(guarded)}  "
          f"(+{(statistics.median(guarded) - statistics.median(bare)) * 1e6:.1f} µs)")

    from litellm.proxy._types import UserAPIKeyAuth
    from litellm.types.utils import ChatCompletionMessageToolCall, Choices, Function, Message, ModelResponse
    from sentinel_guard.integrations.litellm import SentinelGuardrail

    guardrail = SentinelGuardrail(guard=Guard(shield=False), guardrail_name="sg", event_hook="post_call")
    key = UserAPIKeyAuth(api_key="sk-bench")
    message = Message(role="assistant", content=None, tool_calls=[ChatCompletionMessageToolCall(
        id="c1", type="function", function=Function(name="shell", arguments=json.dumps(args)))])
    response = ModelResponse(choices=[Choices(index=0, message=message, finish_reason="tool_calls")])
    data = {"messages": [{"role": "user", "content": "list tmp"}]}
    samples = asyncio.run(_time_async(lambda: guardrail.async_post_call_success_hook(data, key, response), repeat))
    print(f"  LiteLLM post_call hook, 1 tool call             {_median_us(samples)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with the dev JSONL files")
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args(argv)
    if args.repeat < 10:
        print("error: --repeat must be at least 10", file=sys.stderr)
        return 2
    if not args.data.is_dir():
        print(f"error: no data folder {args.data}", file=sys.stderr)
        return 2
    routing(args.data)
    latency(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

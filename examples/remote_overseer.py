"""A model overseer behind the rules: remote (OpenAI-compatible / vLLM server) or in-process vLLM.

    # the trained adapter served by vLLM (the LoRA is selected by its module name):
    vllm serve Qwen/Qwen3-1.7B --enable-lora --lora-modules overseer=runs/overseer/adapter
    python examples/remote_overseer.py --base-url http://127.0.0.1:8000/v1 --model overseer

    python examples/remote_overseer.py --selftest        # a local stand-in server answers instead
    python examples/remote_overseer.py --vllm Qwen/Qwen3-1.7B --lora runs/overseer/adapter  # extra `vllm`

With no server running, every call the rules are unsure about fails *closed* (escalate), which
this script prints too: the guard never approves because the model was unreachable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sentinel_guard import Guard, ToolCall
from sentinel_guard.backends import CascadeOverseer, OpenAICompatibleOverseer
from sentinel_guard.errors import MissingExtraError
from sentinel_guard.overseers.base import Overseer

CALLS = [
    ToolCall(tool="shell", args={"command": "ls -la"}, user_instruction="what is in this folder?"),
    ToolCall(tool="shell", args={"command": "rm -rf /"}, user_instruction="free some disk space"),
    ToolCall(tool="deploy_service", args={"service": "billing", "version": "2.3.1", "env": "production"},
             user_instruction="ship the hotfix", context="Change freeze in effect until Monday."),
]


def start_standin_server() -> str:
    """A loopback chat-completions server that always answers one verdict (for --selftest)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            verdict = {"decision": "escalate", "severity": "high",
                       "justification": "Production deploy during a change freeze; needs the release manager."}
            body = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant",
                                                                    "content": json.dumps(verdict)}}]}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def build_model(args: argparse.Namespace) -> Overseer:
    if args.vllm:
        from sentinel_guard.backends import VLLMOverseer

        return VLLMOverseer(args.vllm, lora_path=args.lora, chat_template_kwargs={"enable_thinking": False})
    base_url = start_standin_server() if args.selftest else args.base_url
    return OpenAICompatibleOverseer(base_url, args.model, api_key=os.environ.get("OVERSEER_API_KEY"),
                                    timeout=args.timeout, max_retries=1)


async def run(model: Overseer) -> None:
    guard = Guard(CascadeOverseer(model=model, threshold=0.7))
    try:
        for call in CALLS:
            verdict = await guard.judge(call)
            print(f"{call.tool}({json.dumps(call.args)})\n  -> {verdict.decision.value:8} by {verdict.decided_by}: "
                  f"{verdict.justification}\n")
    finally:
        await guard.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=os.environ.get("OVERSEER_BASE_URL", "http://127.0.0.1:8000/v1"))
    parser.add_argument("--model", default=os.environ.get("OVERSEER_MODEL", "overseer"))
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--selftest", action="store_true", help="answer with a local stand-in server")
    parser.add_argument("--vllm", metavar="BASE_MODEL", help="run the model in-process with vLLM instead")
    parser.add_argument("--lora", metavar="ADAPTER_DIR", help="LoRA adapter for --vllm")
    args = parser.parse_args()
    try:
        model = build_model(args)
    except (MissingExtraError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    asyncio.run(run(model))


if __name__ == "__main__":
    main()

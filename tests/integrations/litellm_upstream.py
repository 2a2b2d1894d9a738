"""A loopback stand-in for a model provider that *streams* tool calls (LiteLLM's mock cannot).

`POST /v1/chat/completions`: the answer proposes a `shell` tool call — `rm -rf /` when the last
user message contains "dangerous", else `ls -la`. With `"stream": true` it answers as OpenAI
does: SSE chunks with text, then the tool call's arguments split across deltas.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _command(body: dict[str, Any]) -> str:
    users = [m.get("content") for m in body.get("messages", []) if m.get("role") == "user"]
    return "rm -rf /" if users and "dangerous" in str(users[-1]) else "ls -la"


def _chunks(command: str) -> list[dict[str, Any]]:
    arguments = json.dumps({"command": command})
    half = len(arguments) // 2

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"id": "up-1", "object": "chat.completion.chunk", "created": 0, "model": "upstream",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    return [
        chunk({"role": "assistant", "content": "On it."}),
        chunk({"tool_calls": [{"index": 0, "id": "call_up", "type": "function",
                               "function": {"name": "shell", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[:half]}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": arguments[half:]}}]}),
        chunk({}, "tool_calls"),
    ]


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        return None

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
        command = _command(body)
        if body.get("stream"):
            payload = "".join(f"data: {json.dumps(c)}\n\n" for c in _chunks(command)) + "data: [DONE]\n\n"
            content_type = "text/event-stream"
        else:
            payload = json.dumps({
                "id": "up-1", "object": "chat.completion", "created": 0, "model": "upstream",
                "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                    "role": "assistant", "content": "On it.",
                    "tool_calls": [{"id": "call_up", "type": "function", "function": {
                        "name": "shell", "arguments": json.dumps({"command": command})}}]}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})
            content_type = "application/json"
        data = payload.encode()
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def serve_upstream() -> Iterator[str]:
    """Run the provider on a free loopback port; yields its `/v1` base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

"""A real HTTP server on 127.0.0.1 that replays scripted answers (OpenAI chat-completions shape).

Each test scripts what the server answers, in order; the server records every request so tests
can check what the client sent (model, messages, response_format, headers).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: a status, a body (dict → JSON, str → raw) and headers; or a hang."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    hang_s: float = 0.0


def chat_reply(content: str | None, **message: Any) -> Reply:
    """A 200 chat-completions answer whose assistant message content is `content`."""
    msg = {"role": "assistant", "content": content, **message}
    return Reply(body={"id": "cmpl-1", "object": "chat.completion", "model": "overseer",
                       "choices": [{"index": 0, "message": msg, "finish_reason": "stop"}]})


def verdict_reply(decision: str, justification: str = "because", severity: str = "high") -> Reply:
    return chat_reply(json.dumps({"decision": decision, "justification": justification, "severity": severity}))


class ScriptedServer:
    """State shared with the handler thread."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        self.url = ""

    def next_reply(self) -> Reply:
        return self.script.pop(0) if self.script else Reply(500, {"error": "script exhausted"})


def _handler(state: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
            state.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
            reply = state.next_reply()
            if reply.hang_s:
                state.release.wait(reply.hang_s)
            payload = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
            data = payload.encode("utf-8")
            try:
                self.send_response(reply.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (timeout test)
                pass

    return Handler


@contextmanager
def serve_script() -> Iterator[ScriptedServer]:
    """Start the scripted server on a free loopback port; stop it on exit."""
    state = ScriptedServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)

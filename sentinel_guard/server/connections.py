"""Connection hygiene: header and body read deadlines and a connection cap, at the socket.

uvicorn closes an idle keep-alive connection only *after* a first response, and stops that timer
as soon as any byte arrives. So a socket that connects and sends nothing — or one header byte a
second — holds a slot forever: 300 of them made the service unreachable, without a key. This
protocol (uvicorn's httptools protocol plus three timers and a count) closes:

* a connection whose request line and headers are not complete `header_timeout_s` after it
  opened, or after its first byte following a keep-alive pause (408);
* a request whose body is not complete `body_timeout_s` after its headers (408 when no answer
  was started; the route sees a disconnect);
* any connection beyond `max_connections` open at once, at accept (503), so the accept queue
  never grows without bound.

Idle keep-alive connections are closed by uvicorn's own `timeout_keep_alive`.

Each response cycle also writes through `_OneSend`: uvicorn writes the status line and headers
as soon as the app starts its answer and the body separately, two `send()` calls (and often two
reads for the client) per small answer. The head is held until the body's first write in the
same event-loop turn, or the end of that turn, so the bytes and their order are unchanged. The settings come
from `SENTINEL_HEADER_TIMEOUT_S`, `SENTINEL_BODY_TIMEOUT_S` and `SENTINEL_MAX_CONNECTIONS`,
which `serve` sets, so every worker process reads the same ones.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["ConnectionLimits", "GuardedHttpProtocol"]


@dataclass(frozen=True)
class ConnectionLimits:
    """How long a client may take to send a request, and how many may be connected at once."""

    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    max_connections: int = 1024

    @classmethod
    def from_env(cls) -> ConnectionLimits:
        env = os.environ
        return cls(header_timeout_s=float(env.get("SENTINEL_HEADER_TIMEOUT_S") or cls.header_timeout_s),
                   body_timeout_s=float(env.get("SENTINEL_BODY_TIMEOUT_S") or cls.body_timeout_s),
                   max_connections=int(env.get("SENTINEL_MAX_CONNECTIONS") or cls.max_connections))


def _raw_response(status: int, reason: str, detail: str) -> bytes:
    body = json.dumps({"error": reason.lower(), "detail": detail}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\nconnection: close\r\n"
            f"content-length: {len(body)}\r\n\r\n").encode()
    return head + body


class _OneSend:
    """A response cycle's view of the transport: its first write (the head) waits for the next
    write or the end of the current loop turn, whichever comes first; all else passes through."""

    __slots__ = ("_first", "_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None
        self._first = True

    def write(self, data: bytes) -> None:
        if self._first:
            self._first = False
            self._held = bytes(data)
            self._loop.call_soon(self.flush)
            return
        if self._held is not None:
            data, self._held = self._held + data, None
        self._transport.write(data)

    def flush(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            if not self._transport.is_closing():
                self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with read deadlines and a connection cap."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = ConnectionLimits.from_env()
        self._timer: asyncio.TimerHandle | None = None
        self._phase = "headers"
        """headers → body → app → idle (keep-alive) → headers …"""

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        if self.transport is None or self.transport.is_closing():
            return
        cycle = self.cycle
        if self._phase == "headers" or (self._phase == "body" and cycle is not None and not cycle.response_started):
            what = "headers" if self._phase == "headers" else "body"
            limit = self.limits.header_timeout_s if what == "headers" else self.limits.body_timeout_s
            self.transport.write(_raw_response(408, "Request Timeout",
                                               f"the request {what} did not arrive within {limit:g}s"))
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            transport.write(_raw_response(503, "Service Unavailable",
                                          f"over {self.limits.max_connections} open connections; retry later"))
            transport.close()
            return
        self._arm(self.limits.header_timeout_s)

    def data_received(self, data: bytes) -> None:
        if self._phase == "idle":
            self._phase = "headers"
            self._arm(self.limits.header_timeout_s)
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._phase = "body"
        self._arm(self.limits.body_timeout_s)
        super().on_headers_complete()
        if self.cycle is not None and self.transport is not None:  # the cycle just made; its task has not run yet
            self.cycle.transport = _OneSend(self.transport, self.loop)  # type: ignore[assignment]

    def on_message_complete(self) -> None:
        self._phase = "app"
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        self._phase = "idle"
        self._disarm()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

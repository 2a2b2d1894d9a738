"""ASGI middlewares that run before any route: bearer-token auth and the request-body limit.

Both are plain ASGI (no per-request task or body copy beyond what the limit needs), so they cost
microseconds on the hot path.

* Auth: with an API key configured, every route except `/health` and the dashboard's static shell
  (`/`, `/static/…`, which carry no data — the page asks for the key and sends it on each call)
  needs `Authorization: Bearer <key>`; the comparison is constant-time (`hmac.compare_digest`).
* Body limit: a declared `Content-Length` over the limit is refused at once; a chunked body is
  counted while it streams in and refused as soon as it passes the limit, without reading the rest.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

__all__ = ["PUBLIC_PATHS", "BearerAuthMiddleware", "BodyLimitMiddleware"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PUBLIC_PATHS = frozenset({"/health", "/", "/favicon.ico"})
_PUBLIC_PREFIX = "/static/"


async def _send_json(send: Send, status: int, body: dict[str, Any],
                     headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *headers]})
    await send({"type": "http.response.body", "body": payload})


class BearerAuthMiddleware:
    """401 unless the request carries the configured bearer token."""

    def __init__(self, app: ASGIApp, *, api_key: str) -> None:
        if not api_key or not api_key.strip():
            raise ValueError("api_key must not be blank")
        self.app = app
        self._expected = f"Bearer {api_key}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._public(scope["path"], scope["method"]):
            await self.app(scope, receive, send)
            return
        given = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                given = value
                break
        if not hmac.compare_digest(given, self._expected):
            reason = "missing Authorization header" if not given else "wrong API key"
            detail = f"{reason}: send 'Authorization: Bearer <key>'"
            await _send_json(send, 401, {"error": "unauthorized", "detail": detail},
                             ((b"www-authenticate", b"Bearer"),))
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _public(path: str, method: str) -> bool:
        return method in ("GET", "HEAD") and (path in PUBLIC_PATHS or path.startswith(_PUBLIC_PREFIX))


class _TooLarge(HTTPException):
    """Raised from `receive` when the streamed body passes the limit.

    An `HTTPException` so that a framework reading the body (FastAPI re-raises these) answers 413
    itself; when nothing catches it, the middleware answers 413.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body too large: the limit is {limit} bytes")


class BodyLimitMiddleware:
    """413 for request bodies over `max_bytes`, decided while the body streams in."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_json(send, 400, {"error": "bad request", "detail": "invalid Content-Length"})
                    return
                if declared > self.max_bytes:
                    await self._refuse(send)
                    return
                break
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        await _send_json(send, 413, {"error": "request body too large",
                                     "detail": f"the limit is {self.max_bytes} bytes"},
                         ((b"connection", b"close"),))

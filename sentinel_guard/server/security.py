"""ASGI middlewares that run before any route: access (host, key, role, rate) and the body limit.

Both are plain ASGI (no per-request task or body copy beyond what the limit needs), so they cost
microseconds on the hot path.

* Access, in this order:
  1. with no keys configured, a `Host` that is not loopback gets 403 (a DNS-rebinding page in a
     browser would otherwise reach the service as "localhost");
  2. a client address that failed authentication too often gets 429 with `Retry-After`;
  3. every route except `/health`, `/docs` and the dashboard's static shell (`/`, `/static/…`,
     which carry no data) needs `Authorization: Bearer <key>` (401 otherwise; each key is
     compared in constant time);
  4. the key's role must allow the route (`allowed`; 403 otherwise): agents judge calls and poll
     escalations, reviewers also answer them and read the audit trail;
  5. with `--rate-limit N`, each key gets N requests per second (a token bucket, burst N): 429
     with `Retry-After` beyond that.
  The authenticated `Principal` is put in `scope["state"]["principal"]` for the routes.
* Body limit: a declared `Content-Length` over the limit is refused at once; a chunked body is
  counted while it streams in and refused as soon as it passes the limit, without reading the rest.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

from sentinel_guard.server.keys import LOCAL, KeyRing, Principal
from sentinel_guard.server.limits import TokenBuckets, retry_after

__all__ = ["PUBLIC_PATHS", "AccessMiddleware", "BodyLimitMiddleware", "StartWatch", "allowed", "is_loopback_host",
           "send_json"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class StartWatch:
    """A `send` that remembers whether the response has started, so a layer that catches an error
    knows whether it may still answer (once the head is sent, it may not)."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)

PUBLIC_PATHS = frozenset({"/health", "/", "/favicon.ico", "/docs"})
_PUBLIC_PREFIX = "/static/"
AGENT_ROUTES = frozenset({
    ("POST", "/v1/oversee"), ("POST", "/v1/oversee/batch"), ("POST", "/v1/shield"), ("POST", "/v1/observe"),
    ("POST", "/live/oversee"), ("GET", "/metrics"), ("GET", "/openapi.json"),
})
"""What an agent key may do besides polling one escalation (`GET /v1/escalations/{id}`)."""
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def is_public(method: str, path: str) -> bool:
    """Routes that need no key: they hold no data."""
    return method in ("GET", "HEAD") and (path in PUBLIC_PATHS or path.startswith(_PUBLIC_PREFIX))


def allowed(principal: Principal, method: str, path: str) -> bool:
    """Whether `principal`'s role may call `method path` (reviewers and `local` may call everything)."""
    if principal.reviews:
        return True
    if (method, path) in AGENT_ROUTES:
        return True
    tail = path.removeprefix("/v1/escalations/")
    return method in ("GET", "HEAD") and tail != path and tail.isdigit()


def is_loopback_host(host: bytes) -> bool:
    """True for a `Host` header naming this machine's loopback interface (any port)."""
    text = host.decode("latin-1").strip().lower()
    if text.startswith("["):
        name = text[: text.find("]") + 1] if "]" in text else text
    else:
        name = text.rsplit(":", 1)[0] if text.count(":") == 1 else text
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback  # 127.0.0.2, but not 127.0.0.1.nip.io
    except ValueError:
        return False


async def send_json(send: Send, status: int, body: dict[str, Any],
                    headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    """Answer with a JSON body (used before any route runs)."""
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *headers]})
    await send({"type": "http.response.body", "body": payload})


class AccessMiddleware:
    """Host check (no keys), failed-auth throttle, key → principal, role check, per-key rate limit."""

    def __init__(self, app: ASGIApp, *, keys: KeyRing, rate_limit: float | None = None,
                 auth_failures: tuple[float, float] = (10.0, 0.5)) -> None:
        """`auth_failures` = (burst, refill per second) of failed authentications per client address."""
        self.app = app
        self.keys = keys
        self.rates = TokenBuckets(rate_limit, max(1.0, rate_limit)) if rate_limit else None
        self.failures = TokenBuckets(auth_failures[1], auth_failures[0])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        method, path = scope["method"], scope["path"]
        if self.keys.empty:
            host = next((v for k, v in headers if k == b"host"), b"")
            if not is_loopback_host(host):
                await send_json(send, 403, {"error": "forbidden", "detail": (
                    "this service runs without API keys, so it answers only requests addressed to the loopback "
                    "interface (Host: 127.0.0.1 or localhost); configure --api-key/--reviewer-key to serve others")})
                return
            principal = LOCAL
        elif is_public(method, path):
            await self.app(scope, receive, send)
            return
        else:
            client = (scope.get("client") or ("?", 0))[0]
            blocked = self.failures.wait(client)
            if blocked:
                await send_json(send, 429, {"error": "too many failed authentications",
                                            "detail": f"try again in {blocked:.1f}s"},
                                ((b"retry-after", retry_after(blocked)),))
                return
            given = next((v for k, v in headers if k == b"authorization"), b"")
            found = self.keys.identify(given)
            if found is None:
                if given:  # a wrong key is a guess; a missing header (a page before login) is not
                    self.failures.take(client)
                reason = "missing Authorization header" if not given else "wrong API key"
                await send_json(send, 401, {"error": "unauthorized",
                                            "detail": f"{reason}: send 'Authorization: Bearer <key>'"},
                                ((b"www-authenticate", b"Bearer"),))
                return
            principal = found
            if not allowed(principal, method, path):
                await send_json(send, 403, {"error": "forbidden", "detail": (
                    f"{method} {path} needs a reviewer key (--reviewer-key NAME=KEY); agent keys submit calls, "
                    "shield texts and poll escalations")})
                return
        if self.rates is not None and not is_public(method, path):
            client = (scope.get("client") or ("?", 0))[0]
            wait = self.rates.take(f"{principal.role}:{principal.name}" if principal is not LOCAL else client)
            if wait:
                await send_json(send, 429, {"error": "rate limited",
                                            "detail": f"over {self.rates.rate:g} requests per second for this key"},
                                ((b"retry-after", retry_after(wait)),))
                return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


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
                    await send_json(send, 400, {"error": "bad request", "detail": "invalid Content-Length"})
                    return
                if declared > self.max_bytes:
                    await self._refuse(send)
                    return
                break
        seen = 0
        watch = StartWatch(send)

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        try:
            await self.app(scope, counting_receive, watch)
        except _TooLarge:
            if not watch.started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        await send_json(send, 413, {"error": "request body too large",
                                     "detail": f"the limit is {self.max_bytes} bytes"},
                         ((b"connection", b"close"),))

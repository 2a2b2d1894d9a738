"""`ServiceApp`: the service's own ASGI layers run in front of the framework, not inside it.

Starlette places user middleware inside its own outer layers (the server-error catcher and, in
FastAPI, request telemetry and a body-size layer), so every request paid for those before the
body limit, access check, strict-JSON check and fast path ran — about 10 microseconds of a
cached `/live/oversee` answer's ~110 on this machine's main thread. Here the same layers, in the
same order, wrap the whole framework app instead: a hot-route call the fast path answers never
enters FastAPI; everything else (errors, other routes, a body the fast path hands over) reaches
the framework exactly as before, behind the same checks.

What the framework's outer catcher did for our layers, `_fail_closed` does: an exception from
any of them becomes the service's 500 answer (`decision: escalate`), logged, never a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI

from sentinel_guard.server.security import ASGIApp, Receive, Scope, Send, StartWatch, send_json

__all__ = ["INTERNAL_ERROR", "ServiceApp"]

log = logging.getLogger("sentinel_guard.server")

INTERNAL_ERROR = {"error": "internal error", "decision": "escalate",
                  "justification": "The service failed; failing closed: do not run the call."}
"""The body of every 500 answer (the framework's handler sends the same)."""


class ServiceApp(FastAPI):
    """A FastAPI app whose HTTP requests pass `front` (the service's layers) first.

    `front` is set once by `create_app`, built around `framework` (this app without them);
    until then, and for lifespan events, the app behaves as a plain FastAPI app.
    """

    front: ASGIApp | None = None
    layers: list[tuple[Any, dict[str, Any]]] = []  # noqa: RUF012 - replaced, never mutated, by `wrap`

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.front is not None and scope["type"] == "http":
            await self.front(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def framework(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The framework's own stack (routes, validation, error handlers), without `front`."""
        await super().__call__(scope, receive, send)

    def wrap(self, layers: list[tuple[Any, dict[str, Any]]]) -> None:
        """Set `front` to `layers` (outermost first: (class, options)) around `framework`."""
        self.layers = list(layers)
        inner: ASGIApp = self.framework
        for cls, options in reversed(layers):
            inner = cls(inner, **options)
        self.front = _fail_closed(inner)


def _fail_closed(app: ASGIApp) -> ASGIApp:
    """`app`, with an unexpected exception answered 500 fail-closed (when nothing was sent yet)."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        watch = StartWatch(send)
        try:
            await app(scope, receive, watch)
        except Exception as exc:  # no exception may leave as a traceback or a bare 500
            log.error("unhandled %s", type(exc).__name__, exc_info=exc)
            if not watch.started:
                await send_json(send, 500, INTERNAL_ERROR)

    return guarded

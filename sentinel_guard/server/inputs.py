"""Input the service can always store and show, and records it can always display.

Two halves of one promise: what comes in is refused (422, naming the problem) unless every later
step — the SQLite/PostgreSQL row, the JSON answer, the dashboard — can hold it; and what goes out
from the store is made displayable even when a row was written by an older version or by hand.

Refused on the way in, because each one broke a later step or changed what was judged:

* bytes that are not UTF-8, and lone UTF-16 surrogates (`"\\ud800"`): Python holds them in a
  `str`, but no UTF-8 encoder (the response writer, psycopg) accepts them, so the record could be
  written once and then never read back through the API;
* duplicate object keys: JSON parsers disagree on which one wins, so the guard could judge
  `{"command": "ls"}` while the tool runs `rm -rf /`;
* `NaN`, `Infinity` and numbers outside the float/int64 range (`1e400`): not JSON, so the stored
  row would not be valid JSON either.

`check_json_body` is run by `StrictJSONMiddleware` on every JSON request body before any route
(or the fast path) parses it, so the rule holds for every endpoint at once.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable
from typing import Any

from sentinel_guard.redact import redact_record
from sentinel_guard.server.security import ASGIApp, Message, Receive, Scope, Send, send_json

__all__ = ["BadInput", "StrictJSONMiddleware", "check_json_body", "displayable", "displayable_record"]

_INT64 = 2**63
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_OFFLOAD_BYTES = 64 * 1024
"""Bodies larger than this are checked in a worker thread so the event loop keeps answering."""


class BadInput(ValueError):
    """The body cannot be accepted; the message names the problem and where it is."""


def _no_constant(name: str) -> Any:
    raise BadInput(f"{name} is not a JSON number (NaN and Infinity cannot be stored)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadInput(f"the number {text[:40]} is outside the range of a 64-bit float")
    return value


def _bounded_int(text: str) -> int:
    if len(text) > 20:
        raise BadInput(f"the integer {text[:24]}… is outside the 64-bit range")
    value = int(text)
    if not -_INT64 <= value < _INT64:
        raise BadInput(f"the integer {text} is outside the 64-bit range")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise BadInput(f"duplicate key {key[:60]!r} in a JSON object (which one counts would be ambiguous)")
        seen[key] = value
    return seen


def _encodable(value: Any, path: str) -> None:
    """Raise BadInput naming the first string (key or value) holding a lone surrogate."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadInput(f"{path or 'body'}: holds a lone UTF-16 surrogate (\\ud800-\\udfff), "
                           "which is not text and cannot be stored") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _encodable(key, f"{path}.<key>" if path else "<key>")
            _encodable(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _encodable(item, f"{path}[{i}]")


def check_json_body(body: bytes) -> None:
    """Raise `BadInput` unless `body` is strict JSON that every store and client can hold."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"the body is not valid UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant,
                           parse_float=_finite_float, parse_int=_bounded_int)
    except BadInput:
        raise
    except (ValueError, RecursionError):
        return  # malformed JSON: the route's own parser answers 422 with the position
    if _SURROGATE_ESCAPE.search(body):
        _encodable(value, "")


def _replay(body: bytes) -> Callable[[], Awaitable[Message]]:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


class StrictJSONMiddleware:
    """422 for a JSON request body that `check_json_body` refuses; other requests pass untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before sending its body
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        try:
            if len(body) > _OFFLOAD_BYTES:
                from starlette.concurrency import run_in_threadpool

                await run_in_threadpool(check_json_body, body)
            else:
                check_json_body(body)
        except BadInput as exc:
            await send_json(send, 422, {"error": "invalid request", "message": f"body: {exc}",
                                        "detail": [{"loc": "body", "msg": str(exc), "type": "json_invalid"}]})
            return
        await self.app(scope, _replay(body), send)


def displayable(value: Any) -> Any:
    """`value` with anything a JSON answer cannot carry replaced: lone surrogates become U+FFFD,
    NaN/Infinity become None. Rows written before input was checked (or by hand) still show."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {displayable(k) if isinstance(k, str) else str(k): displayable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [displayable(v) for v in value]
    return value


def displayable_record(rec: dict[str, Any]) -> dict[str, Any]:
    """A stored record as the API shows it: redacted (older rows too) and always encodable."""
    return displayable(redact_record(rec))  # type: ignore[no-any-return]

"""One JSON-over-HTTP POST with retries, shared by the remote overseers.

Failures are raised as the core `OverseerError` family so every caller can turn them into a
fail-closed verdict that names what went wrong:

* no complete answer within the timeout → `OverseerTimeout`: the timeout is one deadline for the
  whole exchange (connect, a server trickling its answer, retries, back-off), not an idle limit
  per read; not retried, since a hung server would hang again;
* an answer over `max_response_bytes` (1 MiB) → `OverseerUnavailable`, read no further;
* connection errors, 429 and 5xx → retried with exponential backoff (a `Retry-After` header is
  honoured when it is within `max_retry_after_s`; a longer one ends the attempts at once rather
  than stalling the agent), then `OverseerUnavailable`;
* other 4xx → `OverseerUnavailable` at once (retrying a bad request cannot help);
* a body that is not a JSON object → `VerdictParseError`.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from sentinel_guard.errors import OverseerTimeout, OverseerUnavailable, VerdictParseError

__all__ = ["MAX_RESPONSE_BYTES", "RetryPolicy", "post_json"]

_RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a failed request."""

    max_retries: int = 2
    """Extra attempts after the first (0 = no retries)."""
    backoff_s: float = 0.25
    """First wait; doubled on each further retry."""
    max_retry_after_s: float = 5.0
    """Longest `Retry-After` the client will wait; a longer one stops retrying."""

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.backoff_s < 0 or self.max_retry_after_s < 0:
            raise ValueError("retry settings must not be negative")


MAX_RESPONSE_BYTES = 1 << 20
"""Largest answer body read from a remote judge: a verdict is a few hundred bytes of JSON, so a
bigger one is an error, not something to hold in memory (a 200 MB answer once took 680 MiB)."""


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _retry_after(headers: httpx.Headers) -> float | None:
    """Seconds the server asked us to wait, from `Retry-After` (delta seconds or an HTTP date)."""
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, parsed.timestamp() - time.time())


def _error_text(answer: _Answer) -> str:
    text = answer.text.strip().replace("\n", " ")
    return text[:300] + ("…" if len(text) > 300 else "")


async def _post_once(client: httpx.AsyncClient, url: str, payload: dict[str, Any], headers: dict[str, str] | None,
                     timeout: float, max_bytes: int, what: str) -> _Answer:
    """One request, read to the end or to `max_bytes`; the caller bounds the whole of it in time."""
    async with client.stream("POST", url, json=payload, headers=headers, timeout=timeout) as response:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise OverseerUnavailable(f"{what} answered {int(declared)} bytes, over the {max_bytes}-byte limit")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():  # decoded: a compressed bomb counts at full size
            size += len(chunk)
            if size > max_bytes:
                raise OverseerUnavailable(f"{what} answered more than the {max_bytes}-byte limit; stopped reading")
            chunks.append(chunk)
        return _Answer(response.status_code, response.headers, b"".join(chunks))


async def post_json(
    client: httpx.AsyncClient,
    url: str,
    payload: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
    timeout: float,
    retry: RetryPolicy,
    what: str,
    max_response_bytes: int = MAX_RESPONSE_BYTES,
) -> dict[str, Any]:
    """POST `payload` to `url` and return the decoded JSON object, retrying transient failures.

    `timeout` is a deadline for everything — connecting, a server that sends its answer a byte
    at a time, retries and their back-off — not a per-read idle limit. `what` names the remote
    side in error messages (e.g. `model:overseer at http://…`).
    """
    deadline = time.monotonic() + timeout
    last_error = "no attempt made"
    for attempt in range(retry.max_retries + 1):
        wait = retry.backoff_s * (2**attempt)
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            async with asyncio.timeout(left):
                answer = await _post_once(client, url, payload, headers, left, max_response_bytes, what)
        except (TimeoutError, httpx.TimeoutException) as exc:
            raise OverseerTimeout(f"{what} gave no complete answer within {timeout:g}s ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        else:
            if answer.status < 300:
                try:
                    data = json.loads(answer.body)
                except ValueError as exc:
                    raise VerdictParseError(f"{what} answered HTTP {answer.status} with a body that is "
                                            "not JSON", raw=answer.text[:2000]) from exc
                if not isinstance(data, dict):
                    raise VerdictParseError(f"{what} answered JSON that is not an object", raw=answer.text[:2000])
                return data
            last_error = f"HTTP {answer.status}: {_error_text(answer)}"
            if answer.status not in _RETRY_STATUS:
                raise OverseerUnavailable(f"{what} refused the request ({last_error})")
            asked = _retry_after(answer.headers)
            if asked is not None:
                if asked > retry.max_retry_after_s:
                    raise OverseerUnavailable(
                        f"{what} asked to retry after {asked:g}s, over the {retry.max_retry_after_s:g}s limit "
                        f"({last_error})")
                wait = asked
        if attempt < retry.max_retries:
            if time.monotonic() + wait >= deadline:
                raise OverseerTimeout(f"{what} failed and no time is left in the {timeout:g}s deadline to retry "
                                      f"({last_error})")
            await asyncio.sleep(wait)
    raise OverseerUnavailable(f"{what} failed after {retry.max_retries + 1} attempt(s) ({last_error})")

"""One JSON-over-HTTP POST with retries, shared by the remote overseers.

Failures are raised as the core `OverseerError` family so every caller can turn them into a
fail-closed verdict that names what went wrong:

* no answer within the timeout → `OverseerTimeout` (not retried: a hung server would hang again
  and the caller's latency budget is already spent);
* connection errors, 429 and 5xx → retried with exponential backoff (a `Retry-After` header is
  honoured when it is within `max_retry_after_s`; a longer one ends the attempts at once rather
  than stalling the agent), then `OverseerUnavailable`;
* other 4xx → `OverseerUnavailable` at once (retrying a bad request cannot help);
* a body that is not a JSON object → `VerdictParseError`.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import dataclass
from typing import Any

import httpx

from sentinel_guard.errors import OverseerTimeout, OverseerUnavailable, VerdictParseError

__all__ = ["RetryPolicy", "post_json"]

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


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait, from `Retry-After` (delta seconds or an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed is not None else None


def _error_text(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:300] + ("…" if len(text) > 300 else "")


async def post_json(
    client: httpx.AsyncClient,
    url: str,
    payload: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
    timeout: float,
    retry: RetryPolicy,
    what: str,
) -> dict[str, Any]:
    """POST `payload` to `url` and return the decoded JSON object, retrying transient failures.

    `what` names the remote side in error messages (e.g. `model:overseer at http://…`).
    """
    last_error = "no attempt made"
    for attempt in range(retry.max_retries + 1):
        wait = retry.backoff_s * (2**attempt)
        try:
            response = await client.post(url, json=payload, headers=headers, timeout=timeout)
        except httpx.TimeoutException as exc:
            raise OverseerTimeout(f"{what} gave no answer within {timeout:g}s ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        else:
            if response.status_code < 300:
                try:
                    data = response.json()
                except ValueError as exc:
                    raise VerdictParseError(f"{what} answered HTTP {response.status_code} with a body that is "
                                            "not JSON", raw=response.text[:2000]) from exc
                if not isinstance(data, dict):
                    raise VerdictParseError(f"{what} answered JSON that is not an object", raw=response.text[:2000])
                return data
            last_error = f"HTTP {response.status_code}: {_error_text(response)}"
            if response.status_code not in _RETRY_STATUS:
                raise OverseerUnavailable(f"{what} refused the request ({last_error})")
            asked = _retry_after(response)
            if asked is not None:
                if asked > retry.max_retry_after_s:
                    raise OverseerUnavailable(
                        f"{what} asked to retry after {asked:g}s, over the {retry.max_retry_after_s:g}s limit "
                        f"({last_error})")
                wait = asked
        if attempt < retry.max_retries:
            await asyncio.sleep(wait)
    raise OverseerUnavailable(f"{what} failed after {retry.max_retries + 1} attempt(s) ({last_error})")

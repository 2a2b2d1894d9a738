"""Token buckets: per-key request rates and per-address failed-authentication budgets.

A bucket holds up to `burst` tokens and refills at `rate` tokens per second; a request takes one
token, and when none is left the caller is told how long until the next one (`Retry-After`).
The buckets live in one bounded, least-recently-used map owned by the middleware that uses it,
so a flood of distinct addresses costs at most `max_keys` entries, never unbounded memory.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

__all__ = ["TokenBuckets", "retry_after"]


class TokenBuckets:
    """Many token buckets keyed by a string (an API key's name, a client address)."""

    def __init__(self, rate: float, burst: float, *, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate, self.burst, self.max_keys = float(rate), float(burst), max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        """key → (tokens left, when they were counted)."""

    def _level(self, key: str, now: float) -> float:
        tokens, then = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - then) * self.rate)

    def take(self, key: str) -> float:
        """Take one token: 0.0 when granted, else the seconds to wait before one is available."""
        now = self._clock()
        tokens = self._level(key, now)
        if tokens >= 1.0:
            self._store(key, tokens - 1.0, now)
            return 0.0
        self._store(key, tokens, now)
        return (1.0 - tokens) / self.rate

    def wait(self, key: str) -> float:
        """Seconds until `key` has a token (0.0 now), without taking one."""
        tokens = self._level(key, self._clock())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)


def retry_after(seconds: float) -> bytes:
    """The `Retry-After` header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds))).encode()

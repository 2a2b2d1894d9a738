"""A small keep-alive HTTP/1.1 load generator for the benchmark and the load tests.

General clients (httpx, requests) spend more CPU per request than the service does, which on a
2-core machine would measure the client. This one writes pre-encoded requests on raw asyncio
streams and parses only the status line, `Content-Length` and (optionally) the JSON body, so
most of the machine is left to the server. Every request's latency, status and — when asked —
the record id of each 200 answer is kept, so callers can check that nothing was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LoadResult", "encode_request", "run_load", "run_rate"]


@dataclass
class LoadResult:
    """What a load run saw."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    ids: list[int] = field(default_factory=list)
    """Record ids of the 200 answers (only when `collect_ids`)."""
    errors: list[str] = field(default_factory=list)
    """Connection-level failures (refused, reset, truncated answers)."""
    elapsed_s: float = 0.0

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> int:
        return self.statuses.get(200, 0)

    def percentile(self, p: float) -> float:
        """The latency at percentile `p` (nearest rank on the sorted sample)."""
        data = sorted(self.latencies_ms)
        return data[round(p / 100 * (len(data) - 1))] if data else float("nan")

    def summary(self) -> dict[str, Any]:
        """Requests, errors, requests/s and p50/p99/max latency."""
        return {
            "requests": self.requests, "ok": self.ok, "non_200": self.requests - self.ok,
            "connection_errors": len(self.errors), "seconds": round(self.elapsed_s, 3),
            "req_per_s": round(self.requests / self.elapsed_s, 1) if self.elapsed_s else 0.0,
            "p50_ms": round(self.percentile(50), 3), "p99_ms": round(self.percentile(99), 3),
            "max_ms": round(max(self.latencies_ms), 3) if self.latencies_ms else float("nan"),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 3) if self.latencies_ms else float("nan"),
        }


def encode_request(method: str, path: str, body: Any = None, *, host: str = "127.0.0.1",
                   headers: dict[str, str] | None = None) -> bytes:
    """One HTTP/1.1 keep-alive request as bytes (`body` is JSON-encoded when not bytes)."""
    payload = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(payload)}"]
    if body is not None:
        lines.append("Content-Type: application/json")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    return status, await reader.readexactly(length) if length else b""


async def _client(host: str, port: int, make: Callable[[int], bytes], n: int, result: LoadResult,
                  collect_ids: bool, stop: asyncio.Event) -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as exc:
        result.errors.append(f"connect: {exc}")
        return
    try:
        for i in range(n):
            if stop.is_set():
                return
            request = make(i)
            start = time.perf_counter()
            writer.write(request)
            try:
                status, body = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                result.errors.append(f"{type(exc).__name__}: {exc}")
                stop.set()  # the server went away: the other clients will see it too
                return
            result.latencies_ms.append((time.perf_counter() - start) * 1000.0)
            result.statuses[status] += 1
            if collect_ids and status == 200:
                result.ids.append(int(json.loads(body)["id"]))
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def run_load(host: str, port: int, make: Callable[[int], bytes] | bytes, *, clients: int = 32,
                   requests_per_client: int = 2000, collect_ids: bool = False) -> LoadResult:
    """`clients` keep-alive connections, each sending `requests_per_client` requests one after another.

    `make(i)` builds the i-th request of a client (or pass fixed bytes). A connection failure
    stops every client (the server is assumed gone) and is recorded in `errors`.
    """
    build = (lambda _i: make) if isinstance(make, bytes) else make
    result = LoadResult()
    stop = asyncio.Event()
    start = time.perf_counter()
    await asyncio.gather(*(_client(host, port, build, requests_per_client, result, collect_ids, stop)
                           for _ in range(clients)))
    result.elapsed_s = time.perf_counter() - start
    return result


async def _paced_client(host: str, port: int, make: Callable[[int], bytes], schedule: list[float],
                        result: LoadResult) -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as exc:
        result.errors.append(f"connect: {exc}")
        return
    loop = asyncio.get_running_loop()
    try:
        for i, due in enumerate(schedule):
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            writer.write(make(i))
            try:
                status, _ = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                result.errors.append(f"{type(exc).__name__}: {exc}")
                return
            # Latency counts from when the request was due, so a stalled server cannot hide the
            # requests it delayed (no coordinated omission).
            result.latencies_ms.append((loop.time() - due) * 1000.0)
            result.statuses[status] += 1
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def run_rate(host: str, port: int, make: Callable[[int], bytes] | bytes, *, rate: float,
                   seconds: float, connections: int = 32) -> LoadResult:
    """Open-loop load: requests due at a fixed total `rate` (req/s) for `seconds`, spread over connections.

    Unlike `run_load`, where N busy clients always have N requests in flight (so latency grows
    with N by Little's law), this offers a fixed arrival rate and reports the latency each request
    saw from its due time — the figure for "p99 at R requests per second".
    """
    build = (lambda _i: make) if isinstance(make, bytes) else make
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.2
    total = int(rate * seconds)
    schedules = [[t0 + k / rate for k in range(c, total, connections)] for c in range(connections)]
    result = LoadResult()
    start = time.perf_counter()
    await asyncio.gather(*(_paced_client(host, port, build, sched, result) for sched in schedules))
    result.elapsed_s = time.perf_counter() - start - 0.2
    return result

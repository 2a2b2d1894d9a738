"""Group commit: many concurrent requests' verdicts share one audit transaction (one fsync).

With `synchronous=FULL` every SQLite commit waits for the disk. One commit per request caps the
service at the disk's fsync rate; instead each request hands its (call, verdict) pairs to a single
writer thread and awaits a future. The writer drains everything queued so far, writes it in one
transaction, and resolves every waiter only after COMMIT returned — so a response is still never
sent before its verdict is durable, but a burst of N requests costs one fsync, not N.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from sentinel_guard.types import ToolCall, Verdict

__all__ = ["BatchStore", "GroupCommitWriter"]

Item = tuple[ToolCall, Verdict]
_Job = tuple[Sequence[Item], str | None, asyncio.AbstractEventLoop, "asyncio.Future[list[int]]"]


class BatchStore(Protocol):
    """What the writer needs from an audit store: a durable multi-row append, each row naming the
    agent key that submitted it (or None)."""

    def append_many(self, items: Sequence[Item], agents: Sequence[str | None] | None = None) -> list[int]: ...


def _settle(outcomes: list[tuple[asyncio.Future[list[int]], Any, BaseException | None]]) -> None:
    """Runs on the event loop: resolve each waiter that is still waiting (a client may have left)."""
    for fut, ids, error in outcomes:
        if fut.done():
            continue
        if error is not None:
            fut.set_exception(error)
        else:
            fut.set_result(ids)


class GroupCommitWriter:
    """A writer thread that commits queued appends in batches and then acknowledges each waiter."""

    def __init__(self, store: BatchStore, *, max_batch: int = 1024) -> None:
        self.store = store
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="sentinel-audit-writer", daemon=True)
        self._closed = False
        self.batches = 0
        """How many transactions were committed (for the benchmark's batching figure)."""
        self.rows = 0
        """How many verdicts those transactions held."""
        self._thread.start()

    async def append(self, call: ToolCall, verdict: Verdict) -> int:
        """Persist one verdict; returns its record id once it is committed."""
        return (await self.append_many([(call, verdict)]))[0]

    async def append_many(self, items: Sequence[Item], agent: str | None = None) -> list[int]:
        """Persist several verdicts (all in the same transaction); ids in order, after COMMIT.
        `agent`: the name of the agent key that submitted them (None: no agent key)."""
        if self._closed:
            raise RuntimeError("the audit writer is closed")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[list[int]] = loop.create_future()
        self._queue.put((items, agent, loop, fut))
        return await fut

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            jobs = [job]
            rows = len(job[0])
            stop = False
            while rows < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                jobs.append(nxt)
                rows += len(nxt[0])
            self._commit(jobs)
            if stop:
                return

    def _write(self, items: list[Item], agents: list[str | None]) -> tuple[list[int], BaseException | None]:
        try:
            ids = self.store.append_many(items, agents)
        except BaseException as exc:  # noqa: BLE001 - every waiter must hear about the failure
            return [], exc
        self.batches += 1
        self.rows += len(items)
        return ids, None

    def _commit(self, jobs: list[_Job]) -> None:
        ids, error = self._write([item for items, _, _, _ in jobs for item in items],
                                 [agent for items, agent, _, _ in jobs for _ in items])
        outcomes: list[tuple[list[int], BaseException | None]] = []
        if error is None:
            start = 0
            for items, _, _, _ in jobs:
                outcomes.append((ids[start: start + len(items)], None))
                start += len(items)
        elif len(jobs) == 1:
            outcomes.append(([], error))
        else:
            # The shared transaction rolled back: retry each request alone, so one bad record (or a
            # passing fault) fails only the requests it belongs to.
            outcomes = [self._write(list(items), [agent] * len(items)) for items, agent, _, _ in jobs]
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[list[int]], Any, BaseException | None]]]
        by_loop = {}
        for (_, _, loop, fut), (part, err) in zip(jobs, outcomes, strict=True):
            by_loop.setdefault(loop, []).append((fut, part, err))
        for loop, pending in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, pending)
            except RuntimeError:
                continue  # that loop is closed: nobody is waiting any more

    def close(self, timeout: float = 10.0) -> None:
        """Commit what is queued, then stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join(timeout)

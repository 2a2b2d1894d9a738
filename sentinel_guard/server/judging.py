"""Judging off the event loop: a bounded worker pool with a per-call time budget.

The rules tier and the shield are CPU work. Run on the event loop, five ~1 MB commands held
`/health` for seconds and every other agent's verdict behind them. Here a sync-native guard (the
rules overseer) judges in a fixed pool of worker threads while the loop keeps accepting, parsing
and answering; an async guard (a model overseer: network-bound) stays on the loop, under the
same budget.

Small calls (a request body of at most `inline_bytes`, no session whose remembered outputs would
join it) are judged inline on the event loop instead: a rules verdict on a few hundred bytes takes
a fraction of a millisecond, less than handing it to a thread and back costs, so the loop is not
held long enough to matter to `/health`. Their cost is bounded by their size, not by a budget.
Repeated small calls can be answered from the pool's `VerdictCache` (see `verdict_cache.py`).

Big calls (`process_bytes` and more, counting the session's remembered outputs) of the service's
own rules guard go to worker processes instead (`procjudge.py`): a thread shares this process's
GIL, and single C steps of judging 1 MB (parsing it, one regex pass over it) hold it for most of
a second.

Each call sent to the pool gets `budget_s` seconds, waiting in the queue included. A call that runs out gets a
fail-closed `escalate` naming the budget — never an approval. A thread cannot be stopped, so a
call that overruns keeps its worker until it finishes; `max_pending` bounds how many calls may
be queued or running at once, and calls beyond it fail closed at once ("saturated") instead of
queueing without bound.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sentinel_guard.errors import OverseerTimeout, OverseerUnavailable
from sentinel_guard.guard import Guard
from sentinel_guard.overseers.base import fail_closed_verdict
from sentinel_guard.server.procjudge import ProcessJudge
from sentinel_guard.server.verdict_cache import VerdictCache
from sentinel_guard.types import Decision, ToolCall, Verdict

__all__ = ["JudgePool"]

T = TypeVar("T")


class _DaemonPool:
    """A fixed set of daemon worker threads fed from one queue.

    Not `ThreadPoolExecutor`: the interpreter joins its threads at exit, so one call judged past
    its budget would hold a shutting-down server until it finished. Daemon threads do not; what
    they were judging has already been answered fail-closed.
    """

    def __init__(self, workers: int) -> None:
        self._jobs: queue.SimpleQueue[tuple[concurrent.futures.Future[Any], Callable[..., Any], tuple[Any, ...]] | None]
        self._jobs = queue.SimpleQueue()
        self._threads = [threading.Thread(target=self._work, name=f"sentinel-judge-{i}", daemon=True)
                         for i in range(workers)]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((future, fn, args))
        return future

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, fn, args = job
            if not future.set_running_or_notify_cancel():
                continue  # its caller gave up (budget spent) before it started
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                future.set_exception(exc)

    def shutdown(self) -> None:
        while True:  # drop what has not started
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job[0].cancel()
        for _ in self._threads:
            self._jobs.put(None)


def _default_workers() -> int:
    return max(2, min(8, os.cpu_count() or 2))


class JudgePool:
    """Worker threads that judge calls for one server process."""

    def __init__(self, *, workers: int | None = None, budget_s: float = 10.0, max_pending: int | None = None,
                 inline_bytes: int = 1024, cache: VerdictCache | None = None,
                 processes: tuple[Guard, ProcessJudge] | None = None, process_bytes: int = 16384) -> None:
        """`inline_bytes`: bodies up to this size are judged on the loop (0: every call goes to the
        pool); `cache`: where repeated small calls' verdicts are kept (None: nothing is);
        `processes`: a guard and the worker processes that judge its calls of `process_bytes`
        or more (None: every call is judged in this process)."""
        if budget_s <= 0:
            raise ValueError(f"the judging budget must be positive, got {budget_s}")
        self.workers = workers or _default_workers()
        if self.workers < 1:
            raise ValueError(f"judge workers must be at least 1, got {self.workers}")
        self.budget_s = budget_s
        self.max_pending = max_pending or self.workers * 64
        if inline_bytes < 0:
            raise ValueError(f"inline_bytes must not be negative, got {inline_bytes}")
        self.inline_bytes = inline_bytes
        self.cache = cache
        self.processes = processes
        self.process_bytes = process_bytes
        self.in_processes = 0
        """Calls judged in worker processes since start (for /health)."""
        self.inline = 0
        """Calls judged on the loop since start (for /health)."""
        self._pool = _DaemonPool(self.workers)
        self.pending = 0
        """Calls queued or running now (read on the event loop only)."""
        self.overruns = 0
        """Calls that ran out of budget since start (for /health)."""

    async def judge(self, guard: Guard, call: ToolCall, *, route: str | None = None,
                    body: bytes | None = None) -> Verdict:
        """The guard's verdict on `call`, or a fail-closed one when the budget or the pool runs out.

        `route` and `body` (the raw request body `call` was read from) let a small call be judged
        inline and a repeated one be answered from the cache; without them the call goes to the pool.
        """
        cache = self.cache if route is not None and self.cache is not None and \
            self.cache.usable(guard, call, body) else None
        key = b""
        if cache is not None:
            assert route is not None and body is not None
            start = time.perf_counter()
            key = cache.key_of(call, body)
            known = cache.get(guard, route, key)
            if known is not None:
                verdict = known.model_copy(update={"latency_ms": (time.perf_counter() - start) * 1000.0,
                                                   "call_id": call.call_id})
                guard.telemetry.report(call, verdict, start)
                return verdict
        if (body is not None and len(body) <= self.inline_bytes and call.session is None
                and guard.overseer.sync_native):
            self.inline += 1
            verdict = guard.judge_sync(call)
        else:
            verdict = await self._judge(guard, call)
        if cache is not None:
            cache.put(guard, route, key, verdict)  # type: ignore[arg-type]
        return verdict

    async def _judge(self, guard: Guard, call: ToolCall) -> Verdict:
        if self.pending >= self.max_pending:
            return self._failed(OverseerUnavailable(
                f"the service is saturated ({self.pending} calls being judged); failing closed"), call)
        self.pending += 1
        try:
            if self.processes is not None and self.processes[0] is guard:
                enriched = guard.with_session(call)
                if _size(enriched) >= self.process_bytes:
                    return await self._in_process(guard, enriched)
            if guard.overseer.sync_native:
                work: asyncio.Future[Verdict] = asyncio.wrap_future(self._pool.submit(guard.judge_sync, call))
                return await asyncio.wait_for(work, self.budget_s)
            return await asyncio.wait_for(guard.judge(call), self.budget_s)
        except TimeoutError:
            self.overruns += 1
            return self._failed(OverseerTimeout(
                f"judging took longer than the {self.budget_s:g}s budget per call"), call)
        finally:
            self.pending -= 1

    async def _in_process(self, guard: Guard, call: ToolCall) -> Verdict:
        assert self.processes is not None
        judge = self.processes[1]
        start = time.perf_counter()
        self.in_processes += 1
        work = judge.submit(call)
        try:
            verdict = await asyncio.wait_for(asyncio.wrap_future(work), self.budget_s)
        except TimeoutError:
            judge.abandon(work)  # the work stops: its process is killed and replaced
            raise
        guard.telemetry.report(call, verdict, start)
        return verdict

    async def offload(self, fn: Callable[..., T], *args: Any) -> T:
        """Run other CPU work (scanning an observed tool output) in the pool, under the same budget;
        raises TimeoutError when it runs out."""
        return await asyncio.wait_for(asyncio.wrap_future(self._pool.submit(fn, *args)), self.budget_s)

    @staticmethod
    def _failed(error: Exception, call: ToolCall) -> Verdict:
        return fail_closed_verdict(error, decision=Decision.ESCALATE, source="guard").model_copy(
            update={"call_id": call.call_id})

    def close(self) -> None:
        """Stop taking work; running calls finish in their threads, queued ones are dropped, worker
        processes are terminated."""
        self._pool.shutdown()
        if self.processes is not None:
            self.processes[1].close()


def _size(call: ToolCall) -> int:
    """Characters of text in `call` (args' strings, context, instruction, tool outputs): what its
    judging costs grows with."""
    total = len(call.context or "") + len(call.user_instruction or "") + sum(len(o) for o in call.tool_outputs)
    stack: list[Any] = [call.args]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            total += len(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
            total += sum(len(str(k)) for k in value)
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    return total

"""Big calls judged in worker processes, so no judging step can hold this process's GIL.

A worker thread keeps the event loop free only between Python steps. Judging a ~1 MB command
spends single C calls of 0.5-0.8 s each (tree-sitter parsing it, a shield regex scanning it),
and the GIL stays with them: `/health` and every small verdict waited that long. Here a call
above the size threshold is sent to one of a few spawned processes, each holding its own
`Guard` built from the same policy; this process only pickles the call (about 1 ms per MB) and
waits on a pipe, which releases the GIL.

Only the service's own rules guard is judged this way: it is rebuilt exactly in the worker
(`Guard(policy=…)`, the shipped shield and learned heads, no audit — the service audits). Session
memory is resolved here before the call is sent, so the worker sees what the agent read.

Each worker is owned by one daemon thread that feeds it jobs and waits for its answer. A job whose
caller ran out of budget is answered fail-closed by the caller; its worker process is then
terminated — the work really stops — and a fresh one is spawned in its place.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import multiprocessing.connection
import queue
import threading
from typing import Any

from sentinel_guard.errors import OverseerUnavailable
from sentinel_guard.policy import Policy
from sentinel_guard.types import ToolCall, Verdict

__all__ = ["ProcessJudge"]

_Job = tuple["concurrent.futures.Future[Verdict]", ToolCall]


def _worker_main(conn: multiprocessing.connection.Connection, policy: Policy, embed: bool = False) -> None:
    """A worker process: build the guard once, then judge each call received until the pipe closes."""
    from sentinel_guard.guard import Guard
    from sentinel_guard.shield import Shield

    guard = Guard(policy=policy, shield=Shield(embed=True) if embed else True)
    guard.warm_up()
    conn.send(("ready", None))
    while True:
        try:
            call = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", guard.judge_sync(call)))
        except Exception as exc:  # noqa: BLE001 - reported to the caller, which fails closed
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class _Worker:
    """One spawned judging process and the pipe to it."""

    def __init__(self, ctx: Any, policy: Policy, embed: bool = False) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, policy, embed), daemon=True,
                                name="sentinel-judge-process")
        self.proc.start()
        child.close()
        self.ready = False

    def judge(self, call: ToolCall) -> Verdict:
        if not self.ready:
            self._expect("ready")
            self.ready = True
        self.conn.send(call)
        return self._expect("ok")  # type: ignore[no-any-return]

    def _expect(self, kind: str) -> Any:
        try:
            got, value = self.conn.recv()
        except (EOFError, OSError) as exc:
            raise OverseerUnavailable("the judging process stopped before it answered") from exc
        if got == "error":
            raise OverseerUnavailable(f"the judging process failed: {value}")
        if got != kind:
            raise OverseerUnavailable(f"the judging process answered {got!r}, expected {kind!r}")
        return value

    def stop(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join(5)
        self.conn.close()


class ProcessJudge:
    """`workers` judging processes for calls too big to judge in this process's threads."""

    def __init__(self, policy: Policy, *, workers: int = 1, embed: bool = False) -> None:
        """`embed`: the workers' shields run the embed tier too (as the service's own guard does)."""
        if workers < 1:
            raise ValueError(f"judging processes must be at least 1, got {workers}")
        self.policy, self.embed = policy, embed
        self._ctx = multiprocessing.get_context("spawn")  # the server has threads: never fork it
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._running: dict[int, tuple[concurrent.futures.Future[Verdict], _Worker]] = {}
        """Thread index → the job it is judging and the worker judging it."""
        self._closed = False
        self.restarts = 0
        """Workers replaced (killed after an overrun, or died) since start."""
        self._threads = [threading.Thread(target=self._feed, args=(i,), name=f"sentinel-judge-proc-{i}", daemon=True)
                         for i in range(workers)]
        for thread in self._threads:
            thread.start()

    def submit(self, call: ToolCall) -> concurrent.futures.Future[Verdict]:
        """Queue `call` for the next free worker process."""
        future: concurrent.futures.Future[Verdict] = concurrent.futures.Future()
        self._jobs.put((future, call))
        return future

    def abandon(self, future: concurrent.futures.Future[Verdict]) -> None:
        """The caller has answered without this job: drop it if queued, kill its worker if running."""
        if future.cancel():
            return
        with self._lock:
            victims = [w for f, w in self._running.values() if f is future]
        for worker in victims:
            worker.proc.terminate()  # its thread sees the pipe close and spawns a replacement

    def _feed(self, index: int) -> None:
        worker: _Worker | None = None
        while True:
            job = self._jobs.get()
            if job is None or self._closed:
                break
            future, call = job
            if not future.set_running_or_notify_cancel():
                continue
            if worker is None or not worker.proc.is_alive():
                if worker is not None:
                    worker.stop()
                    self.restarts += 1
                worker = _Worker(self._ctx, self.policy, self.embed)
            with self._lock:
                self._running[index] = (future, worker)
            try:
                future.set_result(worker.judge(call))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                future.set_exception(exc)
            finally:
                with self._lock:
                    self._running.pop(index, None)
        if worker is not None:
            worker.stop()

    def close(self) -> None:
        """Stop taking work, drop queued calls and terminate the worker processes now."""
        self._closed = True
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job[0].cancel()
        with self._lock:
            running = [w for _, w in self._running.values()]
        for worker in running:
            worker.proc.terminate()
        for _ in self._threads:
            self._jobs.put(None)

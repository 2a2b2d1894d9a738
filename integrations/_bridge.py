"""Run `Guard.judge` from framework callbacks that are synchronous.

Framework hooks such as LangChain's `on_tool_start` are sync and may be called from a thread
that already runs an event loop (where `run_sync` refuses to work). `GuardRunner` judges on one
dedicated worker thread instead, so it works from any thread and every judgement uses the same
event loop — an `httpx.AsyncClient` inside a model overseer stays bound to a single loop.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sentinel_guard.guard import Guard
from sentinel_guard.shield import ShieldResult
from sentinel_guard.types import ToolCall, Verdict

__all__ = ["GuardRunner"]


class GuardRunner:
    """Owns a guard and the single worker thread its synchronous judgements run on."""

    def __init__(self, guard: Guard | None) -> None:
        self.guard = guard or Guard()
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sentinel-guard")
            return self._pool

    def judge(self, call: ToolCall) -> Verdict:
        """Judge `call` and wait for the verdict (exceptions propagate: the caller fails closed)."""
        return self._executor().submit(self.guard.judge_sync, call).result()

    def observe(self, output: Any, *, session: str | None, tool: str | None) -> ShieldResult | None:
        """Feed a tool's output to the guard (shield + the session's provenance memory)."""
        return self.guard.observe(output, session=session, tool=tool)

    def close(self) -> None:
        """Stop the worker thread (the guard itself is left open)."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

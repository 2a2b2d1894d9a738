"""The only async→sync bridge in the library.

Everything is implemented once, async. Sync entry points (`judge_sync`, sync tools under
`@oversee`) call `run_sync`, which keeps one event loop per thread: `httpx.AsyncClient` and
asyncio locks bind to the loop they were first used on, so a fresh `asyncio.run` per call would
break backends that hold connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from sentinel_guard.errors import UsageError

T = TypeVar("T")

_local = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _local.loop = loop
    return loop


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion from synchronous code and return its result.

    Raises `UsageError` when called from inside a running event loop (use `await` there).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        coro.close()
        raise UsageError(
            "judge_sync() was called inside a running event loop; use `await ....judge(call)` there"
        )
    loop = _thread_loop()
    task = loop.create_task(coro)
    try:
        return loop.run_until_complete(task)
    except BaseException:
        if not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):  # the original exception is what matters
                loop.run_until_complete(task)
        raise

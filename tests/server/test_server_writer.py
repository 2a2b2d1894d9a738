"""The group-commit writer: batches concurrent appends, acknowledges after commit, isolates failures."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from sentinel_guard.server.writer import GroupCommitWriter
from sentinel_guard.types import ToolCall, Verdict

VERDICT = Verdict.approve()


class GatedStore:
    """Holds its first commit until released, so later appends queue up into one batch."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.commits: list[list[str]] = []
        self.next_id = 1

    def append_many(self, items: Sequence[tuple[ToolCall, Verdict]], agents: object = None) -> list[int]:
        self.gate.wait(10)
        tools = [c.tool for c, _ in items]
        if "poison" in tools:
            raise ValueError("unwritable record")
        self.commits.append(tools)
        ids = list(range(self.next_id, self.next_id + len(items)))
        self.next_id += len(items)
        return ids


def call(tool: str) -> tuple[ToolCall, Verdict]:
    return ToolCall(tool=tool), VERDICT


def test_queued_appends_share_one_commit_and_get_their_own_ids() -> None:
    store = GatedStore()
    writer = GroupCommitWriter(store)

    async def main() -> list[list[int]]:
        first = asyncio.ensure_future(writer.append_many([call("a")]))
        await asyncio.sleep(0.05)  # the writer now holds "a" at the gate
        rest = [asyncio.ensure_future(writer.append_many([call(t), call(t)])) for t in "bcd"]
        await asyncio.sleep(0.05)
        store.gate.set()
        return [await first] + [await r for r in rest]

    ids = asyncio.run(main())
    writer.close()
    assert ids == [[1], [2, 3], [4, 5], [6, 7]]
    assert store.commits == [["a"], ["b", "b", "c", "c", "d", "d"]]
    assert writer.batches == 2 and writer.rows == 7


def test_one_bad_record_fails_only_its_own_request() -> None:
    store = GatedStore()
    writer = GroupCommitWriter(store)

    async def main() -> list[object]:
        first = asyncio.ensure_future(writer.append(*call("a")))
        await asyncio.sleep(0.05)
        rest = [asyncio.ensure_future(writer.append(*call(t))) for t in ("b", "poison", "c")]
        await asyncio.sleep(0.05)
        store.gate.set()
        return await asyncio.gather(first, *rest, return_exceptions=True)

    results = asyncio.run(main())
    writer.close()
    assert results[0] == 1 and results[1] == 2 and results[3] == 3
    assert isinstance(results[2], ValueError)


def test_a_closed_writer_refuses_new_work() -> None:
    writer = GroupCommitWriter(GatedStore())
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        asyncio.run(writer.append(*call("a")))

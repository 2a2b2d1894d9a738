"""The SQLite store's batched append: every id names its own row, and a batch is all or nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sentinel_guard.audit import SQLiteAuditStore
from sentinel_guard.types import ToolCall, Verdict


def _batch(tag: str, n: int) -> list[tuple[ToolCall, Verdict]]:
    return [(ToolCall(tool=f"{tag}-{i}", args={"i": i}), Verdict.flag(f"reason {tag} {i}")) for i in range(n)]


@pytest.mark.parametrize("max_vars", [None, 40])  # 40 variables: two rows per statement, so batches span several
def test_each_returned_id_is_the_row_of_its_own_item(tmp_path: Path, max_vars: int | None) -> None:
    store = SQLiteAuditStore(tmp_path / "a.db")
    if max_vars is not None:
        store._max_vars = max_vars
    other = SQLiteAuditStore(tmp_path / "a.db")  # a second writer on the same file interleaves batches
    seen: dict[int, str] = {}
    for round_ in range(6):
        for who, writer in (("a", store), ("b", other)):
            items = _batch(f"{who}{round_}", 1 + 3 * round_)
            ids = writer.append_many(items, [who] * len(items))
            assert len(set(ids)) == len(items)
            seen.update(zip(ids, (c.tool for c, _ in items), strict=True))
    assert len(seen) == store.count()
    for record_id, tool in seen.items():
        row = store.get(record_id)
        assert row is not None and row["tool"] == tool and row["justification"].endswith(tool.replace("-", " "))


def test_a_batch_that_cannot_be_written_leaves_no_row(tmp_path: Path) -> None:
    store = SQLiteAuditStore(tmp_path / "a.db")
    store._max_vars = 40  # several statements in one transaction
    store.append_many(_batch("ok", 2))
    store._conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON verdicts WHEN NEW.tool = 'bad-4' "
                        "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    with pytest.raises(sqlite3.DatabaseError, match="refused"):
        store.append_many(_batch("bad", 6))
    with pytest.raises(sqlite3.DatabaseError, match="refused"):
        store._max_vars = 250000  # and as one statement
        store.append_many(_batch("bad", 6))
    assert store.count() == 2
    [new] = store.append_many(_batch("after", 1))
    row = store.get(new)
    assert row is not None and row["tool"] == "after-0" and store.count() == 3

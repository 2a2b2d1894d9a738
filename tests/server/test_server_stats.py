"""`SQLiteAuditStore.stats` folds new records in incrementally; it must equal a full recount."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sentinel_guard.audit import SQLiteAuditStore
from sentinel_guard.types import ToolCall, Verdict


def recount(db: Path) -> dict[str, object]:
    with sqlite3.connect(db) as conn:
        return {
            "total": conn.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0],
            "by_decision": dict(conn.execute("SELECT decision, COUNT(*) FROM verdicts GROUP BY decision")),
            "by_rule": dict(conn.execute("SELECT j.value, COUNT(*) FROM verdicts, json_each(verdicts.rules) j "
                                         "GROUP BY j.value")),
        }


def test_incremental_stats_match_a_full_recount_across_writers(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    writer_a, writer_b, reader = SQLiteAuditStore(db), SQLiteAuditStore(db), SQLiteAuditStore(db)
    call = ToolCall(tool="shell", args={"command": "ls"})
    assert reader.stats()["total"] == 0
    writer_a.append_many([(call, Verdict.block("no", rules=("r.one", "shield.x")))] * 3)
    first = reader.stats()
    assert first["total"] == 3 and first["shield_trips"] == 3
    writer_b.append_many([(call, Verdict.approve(rules=("r.two",)))] * 2)
    record = writer_a.append(call, Verdict.escalate("human", rules=("r.one",)))
    stats = reader.stats()
    full = recount(db)
    assert stats["total"] == full["total"] == 6
    assert {k: v for k, v in stats["by_decision"].items() if v} == full["by_decision"]
    assert stats["by_rule"] == full["by_rule"]
    assert stats["shield_trips"] == 3
    assert stats["escalations"]["pending"] == 1
    writer_b.resolve(record, approved=False)
    assert reader.stats()["escalations"] == {"pending": 0, "approved": 0, "denied": 1}
    assert SQLiteAuditStore(db).stats()["by_rule"] == stats["by_rule"]  # a fresh reader agrees
    for store in (writer_a, writer_b, reader):
        store.close()

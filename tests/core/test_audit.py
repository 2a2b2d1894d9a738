"""Audit stores: round trip, redaction, escalation resolution, and durability under kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sentinel_guard import ToolCall, Verdict
from sentinel_guard.audit import JSONLAuditStore, SQLiteAuditStore


def test_sqlite_round_trip_filters_and_pages(tmp_path: Path) -> None:
    store = SQLiteAuditStore(tmp_path / "a.db")
    ids = [store.append(ToolCall(tool="t", args={"i": i}), Verdict.block("b") if i % 2 else Verdict.approve())
           for i in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert store.count() == 5
    blocked = store.query(decision="block")
    assert [r["args"]["i"] for r in blocked] == [3, 1]  # newest first
    assert [r["args"]["i"] for r in store.query(limit=2, offset=1)] == [3, 2]
    store.close()
    reopened = SQLiteAuditStore(tmp_path / "a.db")
    assert reopened.count() == 5


def test_secrets_are_redacted_before_writing(tmp_path: Path) -> None:
    store = SQLiteAuditStore(tmp_path / "a.db")
    store.append(
        ToolCall(tool="deploy", args={"password": "hunter2", "cmd": "curl -H 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz'",
                                      "key": "AKIAABCDEFGHIJKLMNOP"}, context="token=supersecretvalue123"),
        Verdict.approve(),
    )
    raw = (tmp_path / "a.db").read_bytes() + (tmp_path / "a.db-wal").read_bytes()
    for secret in (b"hunter2", b"abcdefghijklmnopqrstuvwxyz", b"AKIAABCDEFGHIJKLMNOP", b"supersecretvalue123"):
        assert secret not in raw
    rec = store.query()[0]
    assert rec["args"]["password"] == "[REDACTED]"


def test_escalations_resolve_once(tmp_path: Path) -> None:
    store = SQLiteAuditStore(tmp_path / "a.db")
    rid = store.append(ToolCall(tool="send_money"), Verdict.escalate("big transfer"))
    assert store.query(status="pending")[0]["id"] == rid
    assert store.resolve(rid, approved=True, by="alice")
    assert not store.resolve(rid, approved=False)  # already decided
    rec = store.get(rid)
    assert rec is not None and (rec["status"], rec["resolved_by"]) == ("approved", "alice")


_WRITER = """
import sys
from sentinel_guard import ToolCall, Verdict
from sentinel_guard.audit import open_audit_store
store = open_audit_store(sys.argv[1])
i = 0
while True:
    rid = store.append(ToolCall(tool="t", args={"i": i, "pad": "x" * 2000}), Verdict.approve())
    print(rid, flush=True)  # acknowledged only after append returned
    i += 1
"""


def _kill_mid_write(target: Path) -> list[int]:
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    acked: list[int] = []
    deadline = time.monotonic() + 30
    assert proc.stdout is not None
    while len(acked) < 150 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            acked.append(int(line))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    acked.extend(int(x) for x in proc.stdout.read().split())  # acks printed before the kill landed
    return acked


def test_sqlite_keeps_every_acknowledged_record_after_kill_9(tmp_path: Path) -> None:
    acked = _kill_mid_write(tmp_path / "audit.db")
    assert len(acked) >= 150
    store = SQLiteAuditStore(tmp_path / "audit.db")
    stored = {r["id"] for r in store.query(limit=100_000)}
    assert set(acked) <= stored
    assert store.execute("PRAGMA integrity_check")[0][0] == "ok"


def test_jsonl_keeps_every_acknowledged_record_after_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    acked = _kill_mid_write(path)
    store = JSONLAuditStore(path)
    stored = {r["id"] for r in store.query(limit=100_000)}
    assert set(acked) <= stored
    # a torn last line (the kill can land mid-write) is skipped, and new appends continue after it
    with open(path, "a") as fh:
        fh.write('{"id": 999999, "torn')
    store2 = JSONLAuditStore(path)
    assert 999999 not in {r["id"] for r in store2.query(limit=100_000)}
    json.dumps(store2.query(limit=1))


def test_jsonl_append_after_a_torn_line_is_readable(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    store = JSONLAuditStore(path)
    store.append(ToolCall(tool="a"), Verdict.approve())
    store.close()
    with open(path, "a") as fh:
        fh.write('{"id": 2, "torn')  # crash mid-write: never acknowledged
    store = JSONLAuditStore(path)
    rid = store.append(ToolCall(tool="b"), Verdict.approve())
    assert [r["tool"] for r in store.query()] == ["b", "a"]
    assert rid == 2

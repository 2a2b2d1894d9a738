"""`JSONLAuditStore`: one fsynced JSON line per verdict, for pipelines that prefer files.

No escalations, stats or session memory (the service needs SQLite or PostgreSQL for those); a
torn last line from a crash is cut on open and skipped on read, since it was never acknowledged.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from sentinel_guard.audit_record import AuditRecord, record
from sentinel_guard.types import ToolCall, Verdict

__all__ = ["JSONLAuditStore"]


class JSONLAuditStore:
    """Append-only JSON Lines audit file; each append is flushed and fsynced before returning."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._drop_torn_tail()
        self._fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the store's life
        self._next_id = sum(1 for _ in self._read_all()) + 1

    def _drop_torn_tail(self) -> None:
        """Cut a partial last line left by a crash, so the next append starts on a fresh line."""
        if not self.path.exists():
            return
        with open(self.path, "rb+") as fh:
            data = fh.read()
            if data and not data.endswith(b"\n"):
                fh.truncate(data.rfind(b"\n") + 1)

    def _read_all(self) -> Iterable[AuditRecord]:
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                if not line.endswith("\n"):
                    return  # torn final write from a crash: never acknowledged, so skip it
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue

    def append(self, call: ToolCall, verdict: Verdict) -> int:
        rec = record(call, verdict, time.time())
        with self._lock:
            rec = {"id": self._next_id, **rec}
            self._fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._next_id += 1
        return int(rec["id"])

    def query(
        self, *, decision: str | None = None, since: float | None = None, limit: int = 100, offset: int = 0
    ) -> list[AuditRecord]:
        with self._lock:
            rows = [r for r in self._read_all()
                    if (decision is None or r["decision"] == decision) and (since is None or r["ts"] >= since)]
        rows.reverse()
        return rows[offset: offset + limit]

    def close(self) -> None:
        with self._lock:
            self._fh.close()


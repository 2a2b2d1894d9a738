"""Durable audit trail of every verdict.

`AuditStore` is the interface the guard, the CLI and the HTTP service write to and read from.
`SQLiteAuditStore` is the default: WAL journal with `synchronous=FULL`, one transaction per
append, so a record is on disk when `append` returns and a crash (even `kill -9` mid-write)
never loses an acknowledged verdict nor leaves a torn one. `JSONLAuditStore` appends one fsynced
line per verdict for pipelines that prefer files (`audit_jsonl.py`); a torn last line from a crash
is skipped on read. Every store writes the row `audit_record.record` builds, so secrets in
arguments and context are redacted before anything is written.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from sentinel_guard.audit_jsonl import JSONLAuditStore
from sentinel_guard.audit_record import _COLUMNS, _JSON_COLUMNS, AuditRecord, _record, stats_figures
from sentinel_guard.memory import USAGE_INIT, MemoryLimits, forget_sql, recall_sql, remember_sql
from sentinel_guard.types import ToolCall, Verdict

__all__ = ["AuditRecord", "AuditStore", "JSONLAuditStore", "SQLiteAuditStore", "is_postgres_url", "open_audit_store"]

@runtime_checkable
class AuditStore(Protocol):
    """Where verdicts are kept. Implementations must be safe to call from several threads."""

    def append(self, call: ToolCall, verdict: Verdict) -> int:
        """Persist one verdict durably and return its record id."""
        ...

    def query(
        self, *, decision: str | None = None, since: float | None = None, limit: int = 100, offset: int = 0
    ) -> list[AuditRecord]:
        """Newest-first records, optionally filtered by decision and time."""
        ...

    def close(self) -> None:
        """Flush and release the store."""
        ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS verdicts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    call_id TEXT, session TEXT, tool TEXT NOT NULL, args TEXT NOT NULL, context TEXT,
    decision TEXT NOT NULL, severity TEXT NOT NULL, justification TEXT NOT NULL,
    rules TEXT NOT NULL, decided_by TEXT NOT NULL, confidence REAL, latency_ms REAL,
    shield TEXT NOT NULL, status TEXT, resolved_by TEXT, resolved_at REAL, resolution_note TEXT, agent TEXT
);
CREATE INDEX IF NOT EXISTS verdicts_ts ON verdicts(ts);
CREATE INDEX IF NOT EXISTS verdicts_decision ON verdicts(decision);
CREATE INDEX IF NOT EXISTS verdicts_status ON verdicts(status);
CREATE TABLE IF NOT EXISTS session_outputs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL, output TEXT NOT NULL,
    bytes INTEGER NOT NULL, ts REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS session_outputs_session ON session_outputs(session, id);
CREATE TABLE IF NOT EXISTS session_usage (one INTEGER PRIMARY KEY CHECK (one = 1), bytes INTEGER NOT NULL);
"""


_ROW_PLACEHOLDERS = "(" + ", ".join("?" * len(_COLUMNS)) + ")"


class SQLiteAuditStore:
    """SQLite-backed audit store; several processes may share one file (WAL, busy timeout)."""

    def __init__(self, path: str | Path = "sentinel-audit.db", *, synchronous: str = "FULL") -> None:
        """Open (or create) the store at `path`.

        `synchronous="FULL"` (default) fsyncs every commit: an acknowledged verdict survives a
        power cut. `"NORMAL"` (WAL) skips that fsync: a verdict still survives the process being
        killed, but the last commits may be lost if the machine itself goes down.
        """
        if synchronous.upper() not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be 'FULL' or 'NORMAL', not {synchronous!r}")
        self.synchronous = synchronous.upper()
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), timeout=30.0, check_same_thread=False, isolation_level=None)
        # Bytes that are not UTF-8 (a row written by another tool) read as U+FFFD instead of failing the read.
        self._conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(f"PRAGMA synchronous={self.synchronous}")
        self._conn.execute("PRAGMA busy_timeout=30000")
        self._conn.executescript(_SCHEMA)
        self._add_agent_column()
        self._conn.execute(USAGE_INIT)
        self._max_vars = self._conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self._agg: dict[str, Any] = {"last_id": 0, "total": 0, "by_decision": {}, "by_severity": {}, "by_tier": {},
                                     "by_rule": {}, "shield_trips": 0, "first_ts": None, "last_ts": None}
        """Per-record counts folded in so far (see `stats`)."""

    def _add_agent_column(self) -> None:
        """Files written before records named their agent key get the column (NULL: nobody's)."""
        names = {row[1] for row in self._conn.execute("PRAGMA table_info(verdicts)")}
        if "agent" not in names:
            try:
                self._conn.execute("ALTER TABLE verdicts ADD COLUMN agent TEXT")
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):  # another process added it first
                    raise

    def _row_values(self, rec: AuditRecord) -> tuple[Any, ...]:
        return tuple(json.dumps(rec[c]) if c in _JSON_COLUMNS else rec[c] for c in _COLUMNS)

    def append(self, call: ToolCall, verdict: Verdict) -> int:
        return self.append_many([(call, verdict)])[0]

    def append_many(self, items: Iterable[tuple[ToolCall, Verdict]],
                    agents: Sequence[str | None] | None = None) -> list[int]:
        """Persist several verdicts in one transaction (one fsync); returns their ids in order.
        `agents`: per item, the name of the agent key that submitted it (see `audit_record`)."""
        now = time.time()
        pairs = list(items)
        owners = agents if agents is not None else [None] * len(pairs)
        rows = [self._row_values(_record(c, v, now, a)) for (c, v), a in zip(pairs, owners, strict=True)]
        if not rows:
            return []
        # One multi-row INSERT, which in autocommit mode is its own transaction (atomic, fsynced at
        # FULL): one call into SQLite instead of BEGIN + one call per row + COMMIT. Each such call
        # releases the GIL and must win it back from the event loop, which took ~1.5-2.5 ms per
        # 14-row commit under load. Holding the write lock throughout, the rows get consecutive
        # AUTOINCREMENT ids in VALUES order, ending at `lastrowid`.
        per_statement = max(1, self._max_vars // len(_COLUMNS))
        with self._lock:
            if len(rows) <= per_statement:
                last = self._insert(rows)
            else:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    for start in range(0, len(rows), per_statement):
                        last = self._insert(rows[start: start + per_statement])
                    self._conn.execute("COMMIT")
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
        return list(range(last - len(rows) + 1, last + 1))

    def _insert(self, rows: list[tuple[Any, ...]]) -> int:
        """Insert `rows` with one statement; the id of the last (callers hold the lock)."""
        values = ", ".join([_ROW_PLACEHOLDERS] * len(rows))
        cur = self._conn.execute(f"INSERT INTO verdicts ({', '.join(_COLUMNS)}) VALUES {values}",
                                 [value for row in rows for value in row])
        if cur.rowcount != len(rows) or not cur.lastrowid:
            raise sqlite3.DatabaseError(f"inserted {cur.rowcount} of {len(rows)} audit rows")
        return int(cur.lastrowid)

    def _decode(self, row: sqlite3.Row) -> AuditRecord:
        rec = dict(row)
        for col in _JSON_COLUMNS:
            # a row written by hand or by an older version: show its text, never fail the read
            with contextlib.suppress(TypeError, ValueError, RecursionError):
                rec[col] = json.loads(rec[col])
        return rec

    def query(
        self, *, decision: str | None = None, since: float | None = None, limit: int = 100, offset: int = 0,
        status: str | None = None,
    ) -> list[AuditRecord]:
        where: list[str] = []
        params: list[Any] = []
        if decision:
            where.append("decision = ?")
            params.append(decision)
        if since is not None:
            where.append("ts >= ?")
            params.append(since)
        if status:
            where.append("status = ?")
            params.append(status)
        sql = "SELECT * FROM verdicts" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
        with self._lock:
            self._conn.row_factory = sqlite3.Row
            rows = self._conn.execute(sql, (*params, int(limit), int(offset))).fetchall()
            self._conn.row_factory = None
        return [self._decode(r) for r in rows]

    def get(self, record_id: int) -> AuditRecord | None:
        """One record by id."""
        with self._lock:
            self._conn.row_factory = sqlite3.Row
            row = self._conn.execute("SELECT * FROM verdicts WHERE id = ?", (record_id,)).fetchone()
            self._conn.row_factory = None
        return self._decode(row) if row else None

    def resolve(self, record_id: int, *, approved: bool, by: str = "human", note: str | None = None) -> bool:
        """Record a human's answer to a pending escalation; False when it is not pending."""
        with self._lock:
            cur = self._conn.execute(
                "UPDATE verdicts SET status = ?, resolved_by = ?, resolved_at = ?, resolution_note = ? "
                "WHERE id = ? AND status = 'pending'",
                ("approved" if approved else "denied", by, time.time(), note, record_id),
            )
        return cur.rowcount == 1

    def count(self) -> int:
        """Number of records."""
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0])

    def stats(self, *, latency_window: int = 1000, top_rules: int = 50) -> dict[str, Any]:
        """Aggregates over every stored verdict, read from the file so several processes agree.

        `latency_ms` percentiles cover the newest `latency_window` records (index
        `round(p/100 × (n−1))` of the sorted window); every other figure covers all records.
        `shield_trips` counts records where a shield rule (`shield.*`) fired.

        Records are append-only and SQLite assigns ids in commit order, so the per-record counts
        are folded in incrementally: each call scans only the records added since the previous
        one (`id > last seen`), whichever process wrote them. Escalation statuses (which change)
        and the latency window are re-read each time through their indexes.
        """
        with self._lock:
            agg = self._agg
            high = self._conn.execute("SELECT MAX(id) FROM verdicts").fetchone()[0] or 0
            span = (agg["last_id"], high)
            if high > agg["last_id"]:
                for decision, severity, tier, n in self._conn.execute(
                        "SELECT decision, severity, decided_by, COUNT(*) FROM verdicts WHERE id > ? AND id <= ? "
                        "GROUP BY decision, severity, decided_by", span):
                    agg["total"] += n
                    for key, value in (("by_decision", decision), ("by_severity", severity), ("by_tier", tier)):
                        agg[key][value] = agg[key].get(value, 0) + n
                for rule, n in self._conn.execute(
                        "SELECT j.value, COUNT(*) FROM verdicts, json_each(verdicts.rules) AS j "
                        "WHERE verdicts.id > ? AND verdicts.id <= ? GROUP BY j.value", span):
                    agg["by_rule"][rule] = agg["by_rule"].get(rule, 0) + n
                agg["shield_trips"] += int(self._conn.execute(
                    "SELECT COUNT(*) FROM verdicts WHERE id > ? AND id <= ? AND EXISTS "
                    "(SELECT 1 FROM json_each(verdicts.rules) AS j WHERE j.value LIKE 'shield.%')", span).fetchone()[0])
                if agg["first_ts"] is None:
                    agg["first_ts"] = self._conn.execute("SELECT MIN(ts) FROM verdicts").fetchone()[0]
                agg["last_ts"] = self._conn.execute("SELECT ts FROM verdicts WHERE id = ?", (high,)).fetchone()[0]
                agg["last_id"] = high
            by_status = dict(self._conn.execute(
                "SELECT status, COUNT(*) FROM verdicts WHERE status IS NOT NULL GROUP BY status"))
            window = sorted(r[0] for r in self._conn.execute(
                "SELECT latency_ms FROM verdicts WHERE latency_ms IS NOT NULL ORDER BY id DESC LIMIT ?",
                (latency_window,)))
            counts = {"decision": agg["by_decision"], "severity": agg["by_severity"], "tier": agg["by_tier"],
                      "rule": agg["by_rule"], "status": by_status}
            return stats_figures(counts, total=agg["total"], shield_trips=agg["shield_trips"],
                                 first_ts=agg["first_ts"], last_ts=agg["last_ts"], window=window, top_rules=top_rules)

    # ------------------------------------------------------------ session memory (StoreSessionMemory)
    def remember_output(self, session: str, text: str, limits: MemoryLimits) -> None:
        """Keep one tool output for `session` in the file, evicting within `limits` (one transaction)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                remember_sql(self._conn.cursor(), session, text, limits)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def session_outputs(self, session: str) -> tuple[str, ...]:
        """The outputs remembered for `session`, oldest first, whichever process stored them."""
        with self._lock:
            return recall_sql(self._conn.cursor(), session)

    def forget_session(self, session: str) -> None:
        """Drop what is remembered for `session`."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                forget_sql(self._conn.cursor(), session)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only aggregate query (used by stats views)."""
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def is_postgres_url(target: object) -> bool:
    """Whether `target` names a PostgreSQL database (`postgresql://…` or `postgres://…`)."""
    return isinstance(target, str) and target.lower().startswith(("postgresql://", "postgres://"))


def open_audit_store(target: str | Path | None, *, synchronous: str = "FULL") -> AuditStore | None:
    """`None` → no audit; `postgresql://…` → PostgreSQL (extra `postgres`); a `.jsonl` path →
    JSONL store; anything else → SQLite file. `synchronous` is the durability of the SQL stores."""
    if target is None:
        return None
    if is_postgres_url(target):
        from sentinel_guard.errors import require_extra

        require_extra("psycopg_pool", "postgres", "a PostgreSQL audit store")
        from sentinel_guard.audit_pg import PostgresAuditStore

        return PostgresAuditStore(str(target), synchronous=synchronous)
    if str(target).endswith(".jsonl"):
        return JSONLAuditStore(target)
    return SQLiteAuditStore(target, synchronous=synchronous)

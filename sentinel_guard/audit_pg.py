"""PostgreSQL audit store: the same contract as `SQLiteAuditStore`, for several hosts on one database.

Why each piece is shaped the way it is:

* **Durable before the answer.** `append_many` returns only after COMMIT, and with
  `synchronous="FULL"` the session runs `synchronous_commit = on`: PostgreSQL has flushed the
  commit to its WAL before we hear back. `"NORMAL"` sets `synchronous_commit = off`: a killed
  service loses nothing (the database has the rows), a crash of the database host may lose the
  last few hundred milliseconds.
* **Group commit.** The server's `GroupCommitWriter` hands a whole batch to `append_many`, which
  sends it as one pipelined `executemany` in one transaction: one WAL flush for the batch.
* **Exactly one winner per escalation.** `resolve` is `UPDATE … WHERE id = $1 AND status =
  'pending'`; a second instance's concurrent UPDATE blocks on the row lock, re-reads the row after
  the first commits, no longer matches, and reports 0 rows — whichever instance took the answer.
* **Stats from the store, cheap.** Ids come from a sequence at insert time, so with several
  writers they do not arrive in commit order and SQLite's "fold in ids above the last seen"
  would miss rows. Instead each append transaction adds its counts to `verdict_counts` (and
  `resolve` moves an escalation from pending to its answer there) — exact, and `stats` reads a
  small table. Each store instance writes its own random shard of the counters, so two instances'
  commits do not queue on the same counter rows; keys are taken in sorted order, so no deadlock.
* **Text PostgreSQL cannot hold.** NUL and lone surrogates in text columns become U+FFFD (JSON
  columns are already escaped by `json.dumps`).
* **Session memory** (`remember_output` …) runs the same SQL as the SQLite store (`memory.py`).
"""

from __future__ import annotations

import contextlib
import json
import random
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from sentinel_guard.audit_record import _COLUMNS, _JSON_COLUMNS, AuditRecord, _record, stats_figures
from sentinel_guard.errors import ConfigError
from sentinel_guard.memory import USAGE_INIT, MemoryLimits, forget_sql, recall_sql, remember_sql, storable_text
from sentinel_guard.types import ToolCall, Verdict

__all__ = ["PostgresAuditStore", "safe_url"]

_SHARDS = 16
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS verdicts (
        id BIGSERIAL PRIMARY KEY, ts DOUBLE PRECISION NOT NULL,
        call_id TEXT, session TEXT, tool TEXT NOT NULL, args TEXT NOT NULL, context TEXT,
        decision TEXT NOT NULL, severity TEXT NOT NULL, justification TEXT NOT NULL,
        rules TEXT NOT NULL, decided_by TEXT NOT NULL, confidence DOUBLE PRECISION, latency_ms DOUBLE PRECISION,
        shield TEXT NOT NULL, status TEXT, resolved_by TEXT, resolved_at DOUBLE PRECISION, resolution_note TEXT,
        agent TEXT)""",
    "ALTER TABLE verdicts ADD COLUMN IF NOT EXISTS agent TEXT",  # tables made before records named their agent
    "CREATE INDEX IF NOT EXISTS verdicts_ts ON verdicts(ts)",
    "CREATE INDEX IF NOT EXISTS verdicts_decision ON verdicts(decision)",
    "CREATE INDEX IF NOT EXISTS verdicts_status ON verdicts(status) WHERE status IS NOT NULL",
    """CREATE TABLE IF NOT EXISTS verdict_counts (
        kind TEXT NOT NULL, key TEXT NOT NULL, shard SMALLINT NOT NULL, n BIGINT NOT NULL,
        PRIMARY KEY (kind, key, shard))""",
    """CREATE TABLE IF NOT EXISTS session_outputs (
        id BIGSERIAL PRIMARY KEY, session TEXT NOT NULL, output TEXT NOT NULL,
        bytes INTEGER NOT NULL, ts DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS session_outputs_session ON session_outputs(session, id)",
    "CREATE TABLE IF NOT EXISTS session_usage (one INTEGER PRIMARY KEY CHECK (one = 1), bytes BIGINT NOT NULL)",
    USAGE_INIT,
)
_INSERT = (f"INSERT INTO verdicts ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "
           "RETURNING id")
_BUMP = ("INSERT INTO verdict_counts (kind, key, shard, n) VALUES (%s, %s, %s, %s) "
         "ON CONFLICT (kind, key, shard) DO UPDATE SET n = verdict_counts.n + EXCLUDED.n")
_SCHEMA_LOCK = 0x5E47_1A11
"""Advisory lock id held while creating the schema, so instances starting together do not race."""


def safe_url(url: str) -> str:
    """`url` with any password replaced by `***` (for messages and logs)."""
    return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", url)


def _counts(rows: Iterable[AuditRecord]) -> Counter[tuple[str, str]]:
    """What a batch of records adds to `verdict_counts`."""
    bump: Counter[tuple[str, str]] = Counter()
    for rec in rows:
        bump["total", ""] += 1
        bump["decision", rec["decision"]] += 1
        bump["severity", rec["severity"]] += 1
        bump["tier", rec["decided_by"]] += 1
        for rule in set(rec["rules"]):
            bump["rule", rule] += 1
        if any(r.startswith("shield.") for r in rec["rules"]):
            bump["shield_trips", ""] += 1
        if rec["status"]:
            bump["status", rec["status"]] += 1
    return bump


class PostgresAuditStore:
    """Audit store on PostgreSQL through a psycopg connection pool; safe from many threads."""

    def __init__(self, url: str, *, synchronous: str = "FULL", min_size: int = 1, max_size: int = 8,
                 connect_timeout: float = 10.0) -> None:
        """Connect (failing with `ConfigError` naming the database if it cannot) and create the
        tables if they are missing."""
        import psycopg
        from psycopg_pool import ConnectionPool, PoolTimeout

        if synchronous.upper() not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be 'FULL' or 'NORMAL', not {synchronous!r}")
        self.synchronous = synchronous.upper()
        self.url = url
        self.path = safe_url(url)
        """What to show for this store (no password)."""
        self._shard = random.randrange(_SHARDS)
        commit = "on" if self.synchronous == "FULL" else "off"
        self._pool = ConnectionPool(url, min_size=min_size, max_size=max_size, open=False, timeout=10.0,
                                    kwargs={"options": f"-c synchronous_commit={commit}",
                                            "connect_timeout": max(1, round(connect_timeout))},
                                    name="sentinel-audit")
        try:  # one plain connection first: a wrong host, user or database fails at once, with its reason
            psycopg.connect(url, connect_timeout=max(1, round(connect_timeout))).close()
        except psycopg.Error as exc:
            raise ConfigError(f"cannot connect to the PostgreSQL audit store {self.path}: "
                              f"{str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"
                              ) from None
        try:
            self._pool.open(wait=True, timeout=connect_timeout)
            with self._pool.connection() as conn:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                for statement in _SCHEMA:
                    conn.execute(statement)
        except PoolTimeout:
            self._pool.close()
            raise ConfigError(f"cannot connect to the PostgreSQL audit store {self.path} within "
                              f"{connect_timeout:g}s (is it running, and are host, port, user and database right?)"
                              ) from None
        except psycopg.Error as exc:
            self._pool.close()
            raise ConfigError(f"the PostgreSQL audit store {self.path} refused the schema: "
                              f"{type(exc).__name__}: {exc}") from None

    # ------------------------------------------------------------ writing
    def _row_values(self, rec: AuditRecord) -> tuple[Any, ...]:
        return tuple(json.dumps(rec[c]) if c in _JSON_COLUMNS else
                     storable_text(rec[c]) if isinstance(rec[c], str) else rec[c] for c in _COLUMNS)

    def append(self, call: ToolCall, verdict: Verdict) -> int:
        return self.append_many([(call, verdict)])[0]

    def append_many(self, items: Iterable[tuple[ToolCall, Verdict]],
                    agents: Sequence[str | None] | None = None) -> list[int]:
        """Persist several verdicts in one transaction (one WAL flush); ids in order, after COMMIT.
        `agents`: per item, the name of the agent key that submitted it."""
        now = time.time()
        pairs = list(items)
        owners = agents if agents is not None else [None] * len(pairs)
        records = [_record(c, v, now, a) for (c, v), a in zip(pairs, owners, strict=True)]
        if not records:
            return []
        bump = sorted(_counts(records).items())
        ids: list[int] = []
        with self._pool.connection() as conn, conn.cursor() as cur:
            cur.executemany(_INSERT, [self._row_values(r) for r in records], returning=True)
            for _ in cur.results():
                ids.append(int(cur.fetchone()[0]))  # type: ignore[index]
            cur.executemany(_BUMP, [(kind, storable_text(key), self._shard, n) for (kind, key), n in bump])
        return ids

    def resolve(self, record_id: int, *, approved: bool, by: str = "human", note: str | None = None) -> bool:
        """Record a human's answer to a pending escalation; False when it is not pending (any instance
        may have answered it)."""
        status = "approved" if approved else "denied"
        with self._pool.connection() as conn, conn.cursor() as cur:
            cur.execute("UPDATE verdicts SET status = %s, resolved_by = %s, resolved_at = %s, resolution_note = %s "
                        "WHERE id = %s AND status = 'pending'",
                        (status, storable_text(by), time.time(), storable_text(note) if note else note, record_id))
            if cur.rowcount != 1:
                return False
            cur.executemany(_BUMP, [("status", "pending", self._shard, -1), ("status", status, self._shard, 1)])
        return True

    # ------------------------------------------------------------ reading
    def _select(self, sql: str, params: tuple[Any, ...]) -> list[AuditRecord]:
        from psycopg.rows import dict_row

        with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(sql, params).fetchall()
        for rec in rows:
            for col in _JSON_COLUMNS:  # like SQLite's reader: a hand-written row shows its text
                with contextlib.suppress(TypeError, ValueError, RecursionError):
                    rec[col] = json.loads(rec[col])
        return rows

    def query(
        self, *, decision: str | None = None, since: float | None = None, limit: int = 100, offset: int = 0,
        status: str | None = None,
    ) -> list[AuditRecord]:
        """Newest-first records, optionally filtered by decision, time and escalation status."""
        where: list[str] = []
        params: list[Any] = []
        for clause, value in (("decision = %s", decision), ("ts >= %s", since), ("status = %s", status)):
            if value is not None and value != "":
                where.append(clause)
                params.append(value)
        sql = "SELECT * FROM verdicts" + (" WHERE " + " AND ".join(where) if where else "")
        return self._select(sql + " ORDER BY id DESC LIMIT %s OFFSET %s", (*params, int(limit), int(offset)))

    def get(self, record_id: int) -> AuditRecord | None:
        """One record by id."""
        rows = self._select("SELECT * FROM verdicts WHERE id = %s", (record_id,))
        return rows[0] if rows else None

    def count(self) -> int:
        """Number of records."""
        with self._pool.connection() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0])  # type: ignore[index]

    def stats(self, *, latency_window: int = 1000, top_rules: int = 50) -> dict[str, Any]:
        """The same figures as `SQLiteAuditStore.stats`, from the counters every instance keeps."""
        with self._pool.connection() as conn:
            counts: dict[str, dict[str, int]] = {}
            for kind, key, n in conn.execute("SELECT kind, key, SUM(n) FROM verdict_counts GROUP BY kind, key"):
                counts.setdefault(kind, {})[key] = int(n)
            first_ts, last_ts = conn.execute("SELECT MIN(ts), MAX(ts) FROM verdicts").fetchone()  # type: ignore[misc]
            window = sorted(r[0] for r in conn.execute(
                "SELECT latency_ms FROM verdicts WHERE latency_ms IS NOT NULL ORDER BY id DESC LIMIT %s",
                (latency_window,)))
        return stats_figures(counts, total=counts.get("total", {}).get("", 0),
                             shield_trips=counts.get("shield_trips", {}).get("", 0), first_ts=first_ts,
                             last_ts=last_ts, window=window, top_rules=top_rules)

    # ------------------------------------------------------------ session memory (StoreSessionMemory)
    def remember_output(self, session: str, text: str, limits: MemoryLimits) -> None:
        """Keep one tool output for `session`, evicting within `limits` (one transaction)."""
        with self._pool.connection() as conn, conn.cursor() as cur:
            remember_sql(cur, session, text, limits, mark="%s")

    def session_outputs(self, session: str) -> tuple[str, ...]:
        """The outputs remembered for `session`, oldest first, whichever instance stored them."""
        with self._pool.connection() as conn, conn.cursor() as cur:
            return recall_sql(cur, session, mark="%s")

    def forget_session(self, session: str) -> None:
        """Drop what is remembered for `session`."""
        with self._pool.connection() as conn, conn.cursor() as cur:
            forget_sql(cur, session, mark="%s")

    def close(self) -> None:
        self._pool.close()

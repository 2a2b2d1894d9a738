"""Session memory: the tool outputs an agent has read, kept per session for provenance checks.

`Guard.observe(output, session=...)` remembers what a tool returned, and the session's later calls
are judged against it (a recipient that appeared only in an invoice the agent read is suspect).
Where that memory lives decides who can see it:

* `LocalSessionMemory` (the default) keeps it in this process; fine for one agent in one process.
* `StoreSessionMemory` keeps it in the audit store (SQLite file or PostgreSQL), so every worker
  and every service instance behind a load balancer sees what any of them was told. The HTTP
  service uses this one.

Both are bounded in the same way, by `MemoryLimits`: outputs and bytes per session, and bytes in
total. An output larger than a session's byte budget keeps its first bytes. Past a session's
budget its oldest outputs go; past the total budget the oldest outputs of all sessions go. Both
also make text storable: NUL and lone surrogates (which PostgreSQL, or UTF-8, cannot hold) become
U+FFFD, so what one store keeps the other keeps too. What a store persists goes through the one
redactor first (credentials in a tool output never reach the database); the values provenance
compares — account numbers, addresses, URLs, file ids — are not secrets and stay as they were.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from sentinel_guard.redact import redact_text

__all__ = ["LocalSessionMemory", "MemoryLimits", "SessionMemory", "SessionStore", "StoreSessionMemory",
           "storable_text"]


@dataclass(frozen=True)
class MemoryLimits:
    """How much session memory may hold (all three bounds apply at once)."""

    outputs_per_session: int = 32
    bytes_per_session: int = 256 * 1024
    total_bytes: int = 64 * 1024 * 1024

    def __post_init__(self) -> None:
        if min(self.outputs_per_session, self.bytes_per_session, self.total_bytes) < 1:
            raise ValueError(f"memory limits must be positive: {self}")
        if self.total_bytes < self.bytes_per_session:
            raise ValueError(f"total_bytes ({self.total_bytes}) must be at least bytes_per_session "
                             f"({self.bytes_per_session})")


def storable_text(text: str) -> str:
    """`text` with NUL and lone surrogates replaced by U+FFFD (any store can hold the result)."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)
    return text


def fit(text: str, limits: MemoryLimits) -> tuple[str, int]:
    """The storable form of `text` cut to one session's byte budget, and its size in UTF-8 bytes."""
    data = storable_text(text).encode("utf-8")
    if len(data) <= limits.bytes_per_session:
        return data.decode("utf-8"), len(data)
    cut = data[: limits.bytes_per_session].decode("utf-8", "ignore")  # never half a character
    return cut, len(cut.encode("utf-8"))


@runtime_checkable
class SessionMemory(Protocol):
    """What a `Guard` needs to remember tool outputs per session."""

    def remember(self, session: str, text: str) -> None:
        """Keep `text` as the session's newest output (evicting within the limits)."""
        ...

    def recall(self, session: str) -> tuple[str, ...]:
        """The session's outputs, oldest first (empty when none)."""
        ...

    def forget(self, session: str) -> None:
        """Drop everything remembered for the session."""
        ...


class LocalSessionMemory:
    """Session memory in this process, least recently used sessions evicted first."""

    def __init__(self, limits: MemoryLimits | None = None) -> None:
        self.limits = limits or MemoryLimits()
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, deque[tuple[str, int]]] = OrderedDict()
        self._session_bytes: dict[str, int] = {}
        self.total_bytes = 0
        """UTF-8 bytes held across all sessions."""

    def remember(self, session: str, text: str) -> None:
        stored, size = fit(text, self.limits)
        with self._lock:
            outputs = self._sessions.setdefault(session, deque())
            self._sessions.move_to_end(session)
            outputs.append((stored, size))
            used = self._session_bytes.get(session, 0) + size
            self.total_bytes += size
            while len(outputs) > self.limits.outputs_per_session or used > self.limits.bytes_per_session:
                _, dropped = outputs.popleft()
                used -= dropped
                self.total_bytes -= dropped
            self._session_bytes[session] = used
            while self.total_bytes > self.limits.total_bytes:
                oldest = next(iter(self._sessions))
                self.total_bytes -= self._session_bytes.pop(oldest)
                del self._sessions[oldest]

    def recall(self, session: str) -> tuple[str, ...]:
        with self._lock:
            outputs = self._sessions.get(session)
            return tuple(text for text, _ in outputs) if outputs else ()

    def forget(self, session: str) -> None:
        with self._lock:
            if self._sessions.pop(session, None) is not None:
                self.total_bytes -= self._session_bytes.pop(session)


class SessionStore(Protocol):
    """The part of an audit store that `StoreSessionMemory` uses (SQLite and PostgreSQL stores)."""

    def remember_output(self, session: str, text: str, limits: MemoryLimits) -> None: ...

    def session_outputs(self, session: str) -> tuple[str, ...]: ...

    def forget_session(self, session: str) -> None: ...


class StoreSessionMemory:
    """Session memory kept in an audit store, so every process on that store shares it.

    `reader` (optional) answers `recall`, so reads need not wait behind the writer's commits.
    """

    def __init__(self, store: SessionStore, *, reader: SessionStore | None = None,
                 limits: MemoryLimits | None = None) -> None:
        self.store = store
        self.reader = reader or store
        self.limits = limits or MemoryLimits()

    def remember(self, session: str, text: str) -> None:
        self.store.remember_output(session, text, self.limits)

    def recall(self, session: str) -> tuple[str, ...]:
        return self.reader.session_outputs(session)

    def forget(self, session: str) -> None:
        self.store.forget_session(session)


# ---------------------------------------------------------------- the SQL both stores run
# Written with `?` placeholders; the PostgreSQL store swaps them for `%s`. Every write starts by
# updating the single `session_usage` row, which serialises writers (a row lock in PostgreSQL,
# BEGIN IMMEDIATE in SQLite), so the byte accounting stays exact with several instances.

USAGE_INIT = "INSERT INTO session_usage (one, bytes) VALUES (1, 0) ON CONFLICT (one) DO NOTHING"


def remember_sql(cur: Any, session: str, text: str, limits: MemoryLimits, mark: str = "?") -> None:
    """Insert one output and evict within `limits`, on cursor `cur`, inside the caller's transaction."""

    def q(sql: str) -> str:
        return sql.replace("?", mark)

    stored, size = fit(redact_text(storable_text(text)), limits)
    key = _key(session)
    cur.execute(q("UPDATE session_usage SET bytes = bytes + ? WHERE one = 1"), (size,))
    cur.execute(q("INSERT INTO session_outputs (session, output, bytes, ts) VALUES (?, ?, ?, ?)"),
                (key, stored, size, time.time()))
    cur.execute(q("SELECT id, bytes FROM session_outputs WHERE session = ? ORDER BY id DESC"), (key,))
    drop: list[int] = []
    freed = kept = used = 0
    for row_id, nbytes in cur.fetchall():
        if kept < limits.outputs_per_session and used + nbytes <= limits.bytes_per_session:
            kept += 1
            used += nbytes
        else:
            drop.append(row_id)
            freed += nbytes
    cur.execute("SELECT bytes FROM session_usage WHERE one = 1")
    total = int(cur.fetchone()[0]) - freed
    if total > limits.total_bytes:
        cur.execute(q("SELECT id, bytes FROM session_outputs ORDER BY id LIMIT ?"), (4096,))
        for row_id, nbytes in cur.fetchall():
            if total <= limits.total_bytes:
                break
            if row_id not in drop:
                drop.append(row_id)
                freed += nbytes
                total -= nbytes
    if drop:
        for start in range(0, len(drop), 500):
            chunk = drop[start: start + 500]
            cur.execute(q(f"DELETE FROM session_outputs WHERE id IN ({', '.join('?' * len(chunk))})"), chunk)
        cur.execute(q("UPDATE session_usage SET bytes = bytes - ? WHERE one = 1"), (freed,))


def _key(session: str) -> str:
    """The stored form of a session id: storable and redacted, the same for writes and lookups."""
    return redact_text(storable_text(session))


def recall_sql(cur: Any, session: str, mark: str = "?") -> tuple[str, ...]:
    cur.execute(f"SELECT output FROM session_outputs WHERE session = {mark} ORDER BY id", (_key(session),))
    return tuple(row[0] for row in cur.fetchall())


def forget_sql(cur: Any, session: str, mark: str = "?") -> None:
    cur.execute("UPDATE session_usage SET bytes = bytes WHERE one = 1")  # take the writers' lock first
    cur.execute(f"SELECT COALESCE(SUM(bytes), 0) FROM session_outputs WHERE session = {mark}", (_key(session),))
    freed = int(cur.fetchone()[0])
    cur.execute(f"DELETE FROM session_outputs WHERE session = {mark}", (_key(session),))
    cur.execute(f"UPDATE session_usage SET bytes = bytes - {mark} WHERE one = 1", (freed,))

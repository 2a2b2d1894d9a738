"""`sentinel-guard audit`: read the audit trail (SQLite file, JSONL file, or a store URL).

Reading must never change what it reads:

* a SQLite file is first opened read-only and must already hold the `verdicts` table, so pointing
  the command at a wrong path or another application's database ends with exit 2 instead of
  creating a file or a table in it;
* a JSONL file is read directly rather than through `JSONLAuditStore`, whose constructor trims a
  torn last line — harmless for the writer that owns the file, a corruption if a reader did it
  while a live service is in the middle of an append;
* any other `scheme://` target (PostgreSQL) goes through `open_audit_store`, so every store that
  implements `AuditStore.query` is readable here.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from sentinel_guard.audit import AuditRecord
from sentinel_guard.cli import fail
from sentinel_guard.errors import ConfigError, InputError, MissingExtraError
from sentinel_guard.types import Decision

__all__ = ["audit", "parse_since", "read_records"]

_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")
_DECISIONS = tuple(d.value for d in Decision)


def parse_since(text: str) -> float:
    """An ISO-8601 date or time as a UNIX timestamp; a time without an offset is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--since {text!r} is not an ISO-8601 date or time (e.g. 2026-01-31 or "
                         "2026-01-31T09:30:00Z)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _read_jsonl(path: Path, decision: str | None, since: float | None, limit: int) -> list[AuditRecord]:
    rows: list[AuditRecord] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.endswith("\n"):
                break  # a torn final write was never acknowledged: not part of the trail
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                raise InputError(f"{path}:{lineno}: not a JSON audit record") from None
            if not isinstance(rec, dict) or "decision" not in rec or "ts" not in rec:
                raise InputError(f"{path}:{lineno}: not a sentinel-guard audit record (no 'decision'/'ts')")
            if (decision is None or rec["decision"] == decision) and (since is None or rec["ts"] >= since):
                rows.append(rec)
    rows.reverse()
    return rows[:limit]


def _check_sqlite(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='verdicts'").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{path} is not a SQLite audit database ({exc})") from None
    if not found:
        raise InputError(f"{path} is not a sentinel-guard audit database (it has no 'verdicts' table)")


def _query_store(target: str, decision: str | None, since: float | None, limit: int) -> list[AuditRecord]:
    from sentinel_guard.audit import JSONLAuditStore, SQLiteAuditStore, open_audit_store

    top = Path(Path(target).parts[0])
    existed = top.exists()
    store = open_audit_store(target)
    if store is None or isinstance(store, SQLiteAuditStore | JSONLAuditStore):
        # This installation's store selection took the URL for a file name: undo what it created.
        if store is not None:
            store.close()
        if not existed and top.is_dir():
            import shutil

            shutil.rmtree(top, ignore_errors=True)
        scheme = _URL.match(target)
        raise InputError(f"--db {target}: no audit store understands the scheme "
                         f"{scheme['scheme'] if scheme else '?'!r} in this installation")
    try:
        return store.query(decision=decision, since=since, limit=limit)
    finally:
        store.close()


def read_records(target: str, *, decision: str | None = None, since: float | None = None,
                 limit: int = 50) -> list[AuditRecord]:
    """Newest-first audit records of `target` (path or URL), filtered; `InputError` when unreadable."""
    url = _URL.match(target)
    if url and url["scheme"].lower() not in ("sqlite", "file"):
        return _query_store(target, decision, since, limit)
    path = Path(target[url.end():] if url else target)
    if not path.is_file():
        raise InputError(f"--db {target}: no such file")
    if path.suffix == ".jsonl":
        return _read_jsonl(path, decision, since, limit)
    _check_sqlite(path)
    from sentinel_guard.audit import SQLiteAuditStore

    store = SQLiteAuditStore(path)
    try:
        return store.query(decision=decision, since=since, limit=limit)
    finally:
        store.close()


def _when(ts: Any) -> str:
    try:
        return datetime.fromtimestamp(float(ts), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError, OverflowError):
        return "?"


def _table(records: list[AuditRecord]) -> str:
    head = ("id", "time (UTC)", "decision", "severity", "tool", "rules", "justification")
    rows = [(str(r.get("id", "")), _when(r.get("ts")), str(r.get("decision", "")), str(r.get("severity", "")),
             str(r.get("tool", "")), ",".join(r.get("rules") or []) or "-",
             " ".join(str(r.get("justification", "")).split())[:100]) for r in records]
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
                     for row in [head, *rows])


def audit(
    db: Annotated[str, typer.Option("--db", help="Audit store: a .db (SQLite) or .jsonl file, or a URL.")],
    decision: Annotated[str | None, typer.Option(help="Only this decision: approve, flag, block, escalate.")] = None,
    since: Annotated[str | None, typer.Option(help="Only records at or after this ISO time (UTC if no offset).")
                     ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="At most this many records, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON record per line instead of a table.")] = False,
) -> None:
    """Read the audit trail, newest first: a table, or JSON lines with --json."""
    if decision is not None and decision not in _DECISIONS:
        raise fail(f"--decision must be one of {', '.join(_DECISIONS)}, got {decision!r}")
    try:
        records = read_records(db, decision=decision, since=parse_since(since) if since else None, limit=limit)
    except (InputError, ConfigError, MissingExtraError, ValueError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"--db {db}: {exc.strerror or exc}") from None
    if as_json:
        sys.stdout.write("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records))
    else:
        typer.echo(_table(records) if records else "no records")

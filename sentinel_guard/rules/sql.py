"""SQL rules, on statements parsed by sqlglot (not keywords in text).

DROP / TRUNCATE name the object they destroy; DELETE and UPDATE are unbounded when they have no
WHERE or a WHERE that is always true (`1=1`, `TRUE`, `'a'='a'`); GRANT/REVOKE change who may do
what; ALTER ... DROP removes columns or constraints. SELECT and other reads never fire.
"""

from __future__ import annotations

import logging
import re

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts
from sentinel_guard.types import Decision, Severity

B, E, F = Decision.BLOCK, Decision.ESCALATE, Decision.FLAG
SQL = ("sql",)

logging.getLogger("sqlglot").setLevel(logging.ERROR)


_MAX_PARSE = 20_000


def statements(text: str) -> tuple:
    """Parsed statements of `text` (empty on unparseable SQL: the rules then use the first keyword).

    Pure and uncached: `Facts.sql_statements` calls it once per SQL text of a call."""
    import sqlglot

    if len(text) > _MAX_PARSE:
        return ()  # very long scripts: the keyword-level fallbacks judge them, in bounded time
    try:
        return tuple(s for s in sqlglot.parse(text) if s is not None)
    except Exception:  # noqa: BLE001 - any parse failure falls back to keyword-level checks
        return ()


def _first_word(text: str) -> str:
    match = re.match(r"\s*(\w+)", text)
    return match.group(1).upper() if match else ""


def _table(stmt) -> str:
    from sqlglot import exp

    table = stmt.find(exp.Table)
    return table.sql() if table is not None else "?"


def _always_true(where) -> bool:
    from sqlglot import exp

    cond = where.this if isinstance(where, exp.Where) else where
    if isinstance(cond, exp.Boolean):
        return bool(cond.this)
    if isinstance(cond, exp.Literal):
        return cond.this not in ("0", "")
    if isinstance(cond, exp.EQ):
        left, right = cond.left, cond.right
        return isinstance(left, exp.Literal) and isinstance(right, exp.Literal) and left.this == right.this
    if isinstance(cond, exp.Or):
        return _always_true(cond.left) or _always_true(cond.right)
    return False


def _each(f: Facts):
    for text, parsed in f.sql_statements(statements):
        if not parsed:
            yield text, None
        for stmt in parsed:
            yield text, stmt


@rule("sql.drop", B, Severity.CRITICAL, kinds=SQL)
def drop(f: Facts) -> str | None:
    """DROP TABLE/DATABASE/SCHEMA and TRUNCATE: data is destroyed."""
    from sqlglot import exp

    for text, stmt in _each(f):
        if stmt is None:
            if _first_word(text) in ("DROP", "TRUNCATE"):
                return f"{_first_word(text)} statement destroys data: {text.strip()[:80]}"
            continue
        if isinstance(stmt, exp.Drop) and str(stmt.args.get("kind", "")).upper() in ("TABLE", "DATABASE", "SCHEMA", ""):
            return f"DROP {stmt.args.get('kind', '')} {_table(stmt)} destroys it and its data."
        if type(stmt).__name__ == "TruncateTable":
            return f"TRUNCATE {_table(stmt)} empties the table."
    return None


@rule("sql.drop-object", E, Severity.HIGH, kinds=SQL, env="write")
def drop_object(f: Facts) -> str | None:
    """DROP of views, indexes, functions, users; ALTER TABLE ... DROP COLUMN/CONSTRAINT."""
    from sqlglot import exp

    for _, stmt in _each(f):
        if isinstance(stmt, exp.Drop) and str(stmt.args.get("kind", "")).upper() not in ("TABLE", "DATABASE", "SCHEMA", ""):
            return f"DROP {stmt.args.get('kind')} {_table(stmt)}."
        if isinstance(stmt, exp.Alter) and any(isinstance(a, exp.Drop) or "drop" in type(a).__name__.lower()
                                               for a in stmt.args.get("actions") or ()):
            return f"ALTER {_table(stmt)} ... DROP removes a column or constraint."
    return None


@rule("sql.unbounded-write", E, Severity.HIGH, kinds=SQL, env="write")
def unbounded_write(f: Facts) -> str | None:
    """DELETE or UPDATE with no WHERE, or a WHERE that is always true: every row changes."""
    from sqlglot import exp

    for text, stmt in _each(f):
        if stmt is None:
            word = _first_word(text)
            if word in ("DELETE", "UPDATE") and not re.search(r"(?i)\bwhere\b", text):
                return f"{word} without WHERE affects every row."
            continue
        if isinstance(stmt, (exp.Delete, exp.Update)):
            where = stmt.args.get("where")
            verb = "DELETE" if isinstance(stmt, exp.Delete) else "UPDATE"
            if where is None:
                return f"{verb} on {_table(stmt)} without WHERE affects every row."
            if _always_true(where):
                return f"{verb} on {_table(stmt)} with an always-true WHERE ({where.this.sql()}) affects every row."
    return None


@rule("sql.privileges", E, Severity.HIGH, kinds=SQL)
def privileges(f: Facts) -> str | None:
    """GRANT/REVOKE, CREATE/ALTER USER or ROLE: access control changes."""
    for text in f.sql_texts:
        if re.match(r"(?is)\s*(grant|revoke)\b", text):
            return f"{_first_word(text)} changes database privileges: {text.strip()[:80]}"
        if re.match(r"(?is)\s*(create|alter|drop)\s+(user|role|login)\b", text):
            return "Creates or changes a database account."
    return None


@rule("sql.write", F, Severity.LOW, kinds=SQL, env="write")
def write(f: Facts) -> str | None:
    """Bounded INSERT/UPDATE/DELETE/DDL: normal writes, recorded (escalated in production)."""
    from sqlglot import exp

    for _, stmt in _each(f):
        if isinstance(stmt, (exp.Delete, exp.Update)):
            return f"{type(stmt).__name__.upper()} on {_table(stmt)} with a WHERE clause."
        if isinstance(stmt, (exp.Create, exp.Alter)) or type(stmt).__name__ in ("Merge",):
            return f"{type(stmt).__name__.upper()} changes the schema or data."
    return None


_CREDENTIAL_TABLES = re.compile(r"(?i)\b(?:mysql\.user|pg_shadow|pg_authid|sys\.sql_logins|sys\.syslogins|"
                                r"dba_users|user\$|auth_user|users?_passwords?|credentials|api_keys|secrets)\b")


_CREDENTIAL_COLUMN = re.compile(r"(?i)^(?:[a-z0-9]+_)?(?:password|passwd|pwd|pass_?hash|secret|api_?key|access_?token|"
                                r"refresh_?token|private_?key|(?:otp|totp|mfa)_?secret)(?:_?(?:hash|digest|enc|encrypted))?$")
"""A column that holds a credential: `password_hash`, `api_key`, `client_secret`, `totp_secret`
(not `password_reset_at` or `secret_santa_group`)."""


@rule("sql.credential-read", E, Severity.HIGH, kinds=SQL)
def credential_read(f: Facts) -> str | None:
    """Reading the database's account/password tables, or selecting credential columns (hashes, API keys)."""
    from sqlglot import exp
    for text in f.sql_texts:
        match = _CREDENTIAL_TABLES.search(text)
        if match and re.match(r"(?is)\s*(?:select|with|copy|\\copy)\b", text):
            return f"Reads {match.group(0)}, which holds credentials or password hashes."
    for _, stmt in _each(f):
        for select in stmt.find_all(exp.Select) if stmt is not None else ():
            for column in (c for e in select.expressions for c in e.find_all(exp.Column)):
                if _CREDENTIAL_COLUMN.match(column.name):
                    return f"Selects the column {column.name}, which holds credentials."
    return None

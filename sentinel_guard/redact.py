"""Secret redaction: the one redactor for everything persisted, streamed or shown.

The audit store, the HTTP answers that list records, and the dashboard all pass text through
here, so a credential an agent handled never lands in a database row, a log stream or a page.

Three signals:

* an argument whose *name* says it holds a secret (`password`, `api_key`, ...): its value goes;
* a *value* shaped like a well-known credential (cloud keys, provider tokens, private-key
  blocks, JWTs, `user:pass@` URLs, `-pPASS` / `--password X` / `sshpass -p X` flags,
  `KEY=secret` assignments): the matching span goes;
* a *key* that itself looks like a credential (`{"AKIA…": 1}`): the key is replaced too.

Value patterns match case-insensitively where a display step may have lower-cased the text (the
shield shows normalised snippets, so `AKIA…` may reappear as `akia…`).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["REDACTED", "redact", "redact_record", "redact_text"]

REDACTED = "[REDACTED]"

_SECRET_KEY = re.compile(
    r"(pass(word|wd|phrase)?|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|"
    r"authorization|auth[_-]?header|cookie|session[_-]?id|client[_-]?secret|otp|pin|cvv|ssn)",
    re.IGNORECASE,
)
_ASSIGNED_NAME = (r"[A-Za-z0-9_.-]*(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|"
                  r"(?:secret|access|private|signing|encryption)[_-]?key|credentials?)")
"""A name that ends in a secret word: `DB_PASSWORD`, `GITHUB_TOKEN`, `aws_secret_access_key`
(`max_tokens` or `author` do not: the secret word must end the name)."""
_TOKENISH = r"[A-Za-z0-9._~+/=-]"
_R = REDACTED
_SECRET_VALUES: list[tuple[re.Pattern[str], str]] = [
    # private-key blocks (PEM / OpenSSH), to the END line or the end of the text
    (re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|$)",
                re.DOTALL | re.IGNORECASE), _R),
    (re.compile(r"(?i)\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b"), _R),  # AWS key ids (any case)
    # AWS secret access key: 40 base64 chars mixing cases and digits (a git SHA is lower-case hex)
    (re.compile(r"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])"
                r"(?=[A-Za-z0-9/+]{0,39}[0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"), _R),
    (re.compile(r"(?i)\bgh[pousr]_[A-Za-z0-9]{20,}\b"), _R),  # GitHub tokens
    (re.compile(r"(?i)\bgithub_pat_[A-Za-z0-9_]{20,}\b"), _R),
    (re.compile(r"(?i)\bglpat-[A-Za-z0-9_-]{16,}\b"), _R),  # GitLab
    (re.compile(r"(?i)\bsk-(proj-|ant-|live-)?[A-Za-z0-9_-]{16,}\b"), _R),  # OpenAI / Anthropic style keys
    (re.compile(r"(?i)\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{8,}\b"), _R),  # Stripe
    (re.compile(r"(?i)\bxox[abposr]-[A-Za-z0-9-]{10,}\b"), _R),  # Slack
    (re.compile(r"(?i)\bAIza[0-9A-Za-z_-]{35}\b"), _R),  # Google API key
    (re.compile(r"(?i)\bnpm_[A-Za-z0-9]{30,}\b"), _R),
    (re.compile(r"(?i)\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), _R),  # JWT
    # HTTP credentials: an Authorization value, `Bearer x` of any length (short tokens leak too),
    # a lower-cased `bearer`/`basic` only when what follows looks like a token (has a digit or '=')
    (re.compile(r"(?i)\b(authorization\s*[:=]\s*)(?:(?:bearer|basic|token)\s+)?" + _TOKENISH + "+"), r"\1" + _R),
    (re.compile(r"\b(Bearer|Basic)\s+" + _TOKENISH + "+"), _R),
    (re.compile(r"(?i)\b(bearer|basic)\s+(?=" + _TOKENISH + r"*[0-9=])" + _TOKENISH + "{6,}"), _R),
    (re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"), _R),  # user:password@ in URLs
    (re.compile(r"(?i)\b(sshpass\s+-p\s*)\S+"), r"\1" + _R),
    # -pPASS given to a MySQL client (later on the same command), --password[=| ]X anywhere
    (re.compile(r"(?i)\b((?:mysql|mariadb|mysqldump|mysqladmin)\b[^\n|;&]*?\s-p)(?=\S)[^\s;&|]+"), r"\1" + _R),
    (re.compile(r"(?i)(--?(?:password|passwd|pass|pwd|secret|token|api-key|apikey)(?:=|\s+))\S+"), r"\1" + _R),
    # KEY=secret / key: secret assignments (env lines, config files, headers)
    (re.compile(r"(?i)\b(" + _ASSIGNED_NAME + r"\s*[=:]\s*)(\"[^\"\n]*\"|'[^'\n]*'|[^\s'\";&,}]+)"), r"\1" + _R),
]


def redact_text(text: str) -> str:
    """`text` with credential-shaped substrings replaced by `[REDACTED]`."""
    if not text:
        return text
    for pattern, replacement in _SECRET_VALUES:
        text = pattern.sub(replacement, text)
    return text


def redact(value: Any, *, key: str | None = None) -> Any:
    """A copy of `value` (JSON-like) with secrets removed, by key name and by value shape.

    Keys are redacted as text too: a credential used as a key must not survive as one. Two keys
    that redact to the same text keep both values (the later key gets a `#n` suffix).
    """
    if key is not None and _SECRET_KEY.search(key) and value not in (None, "", [], {}):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            name = str(k)
            shown = redact_text(name)
            if shown in out:
                n = 2
                while f"{shown}#{n}" in out:
                    n += 1
                shown = f"{shown}#{n}"
            out[shown] = redact(v, key=name)
        return out
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value


_TEXT_FIELDS = ("call_id", "session", "tool", "justification", "context", "resolution_note", "resolved_by")


def redact_record(rec: dict[str, Any]) -> dict[str, Any]:
    """A copy of an audit record with every free-text field redacted.

    Covers what the guard wrote (args and their keys, context, justification, the shield's
    snippets, rule hits' explanations) and what the caller chose (tool, session, call_id).
    """
    out = dict(rec)
    for name in _TEXT_FIELDS:
        value = out.get(name)
        if isinstance(value, str):
            out[name] = redact_text(value)
    if "args" in out:
        out["args"] = redact(out["args"])
    for name in ("shield", "hits"):
        if isinstance(out.get(name), list):
            out[name] = [redact(item) for item in out[name]]
    return out

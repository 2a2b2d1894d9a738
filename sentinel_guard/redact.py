"""Secret redaction for anything written to the audit log.

Two signals: an argument whose *name* says it holds a secret (`password`, `api_key`, ...), and a
*value* shaped like a well-known credential (cloud keys, tokens, private-key blocks, JWTs). Both
are replaced by `[REDACTED]` so the audit trail can be shared without leaking what agents handled.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["REDACTED", "redact", "redact_text"]

REDACTED = "[REDACTED]"

_SECRET_KEY = re.compile(
    r"(pass(word|wd|phrase)?|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|"
    r"authorization|auth[_-]?header|cookie|session[_-]?id|client[_-]?secret|otp|pin|cvv|ssn)",
    re.IGNORECASE,
)
_SECRET_VALUES = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.DOTALL),
    re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),  # GitHub tokens
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{30,}\b"),
    re.compile(r"\bsk-(proj-|ant-)?[A-Za-z0-9_-]{20,}\b"),  # OpenAI / Anthropic style keys
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),  # Slack
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),  # Google API key
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b"),  # JWT
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{16,}"),
    re.compile(r"(?i)(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),  # user:password@ in URLs
    re.compile(r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key)\s*[=:]\s*[^\s'\";&]+"),
]


def redact_text(text: str) -> str:
    """`text` with credential-shaped substrings replaced by `[REDACTED]`."""
    for pattern in _SECRET_VALUES:
        text = pattern.sub(REDACTED, text)
    return text


def redact(value: Any, *, key: str | None = None) -> Any:
    """A copy of `value` (JSON-like) with secrets removed, by key name and by value shape."""
    if key is not None and _SECRET_KEY.search(key) and value not in (None, "", [], {}):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact(v, key=str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    return value

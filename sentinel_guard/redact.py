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

__all__ = ["REDACTED", "find_secrets", "redact", "redact_record", "redact_text"]

REDACTED = "[REDACTED]"

_SECRET_KEY = re.compile(
    r"(pass(word|wd|phrase)?|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|"
    r"authorization|auth[_-]?header|cookie|session[_-]?id|client[_-]?secret|otp|pin|cvv|ssn)",
    re.IGNORECASE,
)
_ASSIGNED_NAME = (r"[A-Za-z0-9_.-]{0,80}?(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|"
                  r"(?:secret|access|private|signing|encryption)[_-]?key|credentials?)")
"""A name that ends in a secret word: `DB_PASSWORD`, `GITHUB_TOKEN`, `aws_secret_access_key`
(`max_tokens` or `author` do not: the secret word must end the name)."""
_TOKENISH = r"[A-Za-z0-9._~+/=-]"
_SECRET_VALUES: list[tuple[re.Pattern[str], bool, tuple[str, ...]]] = [
    # (pattern, keeps its first group, lower-case needles: the pattern runs only if one is in the text)
    # private-key blocks (PEM / OpenSSH), to the END line or the end of the text
    (re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|$)",
                re.DOTALL | re.IGNORECASE), False, ("private key",)),
    (re.compile(r"(?i)\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b"), False,  # AWS key ids (any case)
     ("akia", "asia", "agpa", "aida", "aroa", "anpa")),
    (re.compile(r"(?i)\bgh[pousr]_[A-Za-z0-9]{20,}\b"), False, ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),  # GitHub
    (re.compile(r"(?i)\bgithub_pat_[A-Za-z0-9_]{20,}\b"), False, ("github_pat_",)),
    (re.compile(r"(?i)\bglpat-[A-Za-z0-9_-]{16,}\b"), False, ("glpat-",)),  # GitLab
    (re.compile(r"(?i)\bsk-(proj-|ant-|live-)?[A-Za-z0-9_-]{16,}\b"), False, ("sk-",)),  # OpenAI / Anthropic
    (re.compile(r"(?i)\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]{8,}\b"), False, ("_live_", "_test_")),  # Stripe
    (re.compile(r"(?i)\bxox[abposr]-[A-Za-z0-9-]{10,}\b"), False, ("xox",)),  # Slack
    (re.compile(r"(?i)\bAIza[0-9A-Za-z_-]{35}\b"), False, ("aiza",)),  # Google API key
    (re.compile(r"(?i)\bnpm_[A-Za-z0-9]{30,}\b"), False, ("npm_",)),
    (re.compile(r"(?i)\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), False, ("eyj",)),  # JWT
    # HTTP credentials: an Authorization value, `Bearer x` of any length (short tokens leak too),
    # a lower-cased `bearer`/`basic` only when what follows looks like a token (has a digit or '=')
    (re.compile(r"(?i)\b(authorization\s*[:=]\s*)(?:(?:bearer|basic|token)\s+)?" + _TOKENISH + "+"), True,
     ("authorization",)),
    (re.compile(r"\b(Bearer|Basic)\s+" + _TOKENISH + "+"), False, ("bearer", "basic")),
    (re.compile(r"(?i)\b(bearer|basic)\s+(?=" + _TOKENISH + r"*[0-9=])" + _TOKENISH + "{6,}"), False,
     ("bearer", "basic")),
    (re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"), False, ("://",)),  # user:password@ in URLs
    (re.compile(r"(?i)\b(sshpass\s+-p\s*)\S+"), True, ("sshpass",)),
    # -pPASS given to a MySQL client (later on the same command), --password[=| ]X anywhere
    (re.compile(r"(?i)\b((?:mysql|mariadb|mysqldump|mysqladmin)\b[^\n|;&]*?\s-p)(?=\S)[^\s;&|]+"), True,
     ("mysql", "mariadb")),
    (re.compile(r"(?i)(--?(?:password|passwd|pass|pwd|secret|token|api-key|apikey)(?:=|\s+))\S+"), True,
     ("pass", "pwd", "secret", "token", "api-key", "apikey")),
    # KEY=secret / key: secret assignments (env lines, config files, headers)
    (re.compile(r"(?i)\b(" + _ASSIGNED_NAME + r"\s*[=:]\s*)(\"[^\"\n]*\"|'[^'\n]*'|[^\s'\";&,}]+)"), True,
     ("pass", "pwd", "secret", "token", "api", "key", "credential")),
]
_NEEDLES = [re.compile("|".join(re.escape(n) for n in needles)) for _, _, needles in _SECRET_VALUES]
"""Each pattern's needles as one compiled alternation: one C-level scan instead of a Python loop
(the same test as `any(n in lowered for n in needles)`, about ten times cheaper per field)."""
_ANY_NEEDLE = re.compile("|".join(sorted({re.escape(n) for _, _, ns in _SECRET_VALUES for n in ns}, key=len,
                                         reverse=True)))
"""Every needle of every pattern: a text that holds none (most args, tools, ids) skips them all."""
_ALL_NEEDLES = tuple(sorted({n for _, _, ns in _SECRET_VALUES for n in ns}))
_SHORT = 4096
"""Up to this many characters the compiled alternations above are used, beyond it `in` tests."""
_B64_RUN = re.compile(r"[A-Za-z0-9/+]{40,}")
"""Candidate AWS secret access keys: exactly 40 base64 characters, checked in `_aws_secrets`."""


_KEY_BEFORE = frozenset(" \t\r\n\"'`=:,;(<[{")
_KEY_AFTER = frozenset(" \t\r\n\"'`,;)>]}&")


def _aws_secrets(text: str, found: set[str] | None) -> str:
    """Redact 40-character base64 runs that mix upper case, lower case and a digit or `/`/`+`
    (an AWS secret access key; a git SHA is lower-case hex and is kept) and stand alone: a run
    inside a longer token (`amazon.com/AWSEC2/latest/UserGuide/instancedata-…`, a file name) or
    with more than three `/` (a path: a random key has 0.6 on average) is kept."""
    def replace(m: re.Match[str]) -> str:
        run = m.group(0)
        start, end = m.start(), m.end()
        if len(run) != 40 or run.count("/") > 3:
            return run
        after = text[end:end + 2]
        if start and text[start - 1] not in _KEY_BEFORE:
            return run
        if after and after[0] not in _KEY_AFTER and not (after[0] == "." and (len(after) == 1 or after[1].isspace())):
            return run
        if run.lower() == run or run.upper() == run or not any(c.isdigit() or c in "/+" for c in run):
            return run
        if found is not None:
            found.add(run)
        return REDACTED

    return _B64_RUN.sub(replace, text)


def _scrub(text: str, found: set[str] | None) -> str:
    """Redact `text`; add each removed secret to `found` (when given)."""
    lowered = text.lower()  # needles first: most texts hold none, and each regex pass holds the GIL
    # Short texts: one compiled alternation per test beats a Python loop of `in` tests. Long ones:
    # the alternation tries every needle at every position (0.2 s on 1 MB), `in` is a fast scan.
    short = len(lowered) <= _SHORT
    if (_ANY_NEEDLE.search(lowered) is None) if short else not any(n in lowered for n in _ALL_NEEDLES):
        return _aws_secrets(text, found)
    for (pattern, keeps_prefix, needle_list), needles in zip(_SECRET_VALUES, _NEEDLES, strict=True):
        if (needles.search(lowered) is None) if short else not any(n in lowered for n in needle_list):
            continue

        def replace(m: re.Match[str], keeps_prefix: bool = keeps_prefix) -> str:
            prefix = m.group(1) if keeps_prefix else ""
            if found is not None:
                found.add(m.group(0)[len(prefix):])
            return prefix + REDACTED
        text = pattern.sub(replace, text)
    return _aws_secrets(text, found)


def redact_text(text: str) -> str:
    """`text` with credential-shaped substrings replaced by `[REDACTED]`."""
    return _scrub(text, None) if text else text


def find_secrets(text: str) -> list[str]:
    """The credential-shaped substrings of `text`, sorted: what `redact_text` would remove (the
    rules read it to see where a secret is being sent)."""
    found: set[str] = set()
    if text:
        _scrub(text, found)
    return sorted(found)


def _strip_known(text: str, secrets: list[str]) -> str:
    """Remove secrets already found elsewhere in the record, in any case, and a cut-off prefix of
    one (`wjalrxutn…`): display steps lower-case, normalise and shorten what they quote."""
    lowered = text.lower()
    for secret in secrets:
        low = secret.lower()
        start = lowered.find(low)
        while start >= 0:
            text = text[:start] + REDACTED + text[start + len(secret):]
            lowered = text.lower()
            start = lowered.find(low, start + len(REDACTED))
        if text.endswith("\u2026"):
            tail = lowered[:-1].rsplit(" ", 1)[-1]
            if len(tail) >= 4 and low.startswith(tail):
                text = text[: len(text) - 1 - len(tail)] + REDACTED + "\u2026"
                lowered = text.lower()
    return text


def redact(value: Any, *, key: str | None = None, found: set[str] | None = None) -> Any:
    """A copy of `value` (JSON-like) with secrets removed, by key name and by value shape.

    Keys are redacted as text too: a credential used as a key must not survive as one. Two keys
    that redact to the same text keep both values (the later key gets a `#n` suffix). Every
    secret removed is added to `found`, when given.
    """
    if key is not None and _SECRET_KEY.search(key) and value not in (None, "", [], {}):
        if found is not None and isinstance(value, str) and len(value) >= 4:
            found.add(value)
        return REDACTED
    if isinstance(value, str):
        return _scrub(value, found)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            name = str(k)
            shown = _scrub(name, found)
            if shown in out:
                n = 2
                while f"{shown}#{n}" in out:
                    n += 1
                shown = f"{shown}#{n}"
            out[shown] = redact(v, key=name, found=found)
        return out
    if isinstance(value, (list, tuple)):
        return [redact(v, found=found) for v in value]
    return value


def _strip_all(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return _strip_known(value, secrets)
    if isinstance(value, dict):
        return {k: _strip_all(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_all(v, secrets) for v in value]
    return value


_TEXT_FIELDS = ("call_id", "session", "tool", "justification", "context", "resolution_note", "resolved_by")


def redact_record(rec: dict[str, Any]) -> dict[str, Any]:
    """A copy of an audit record with every free-text field redacted.

    Covers what the guard wrote (args and their keys, context, justification, the shield's
    snippets, rule hits' explanations) and what the caller chose (tool, session, call_id). A
    secret found anywhere in the record is then removed everywhere else too, whatever its case:
    the shield quotes normalised, lower-cased snippets, where the shape patterns may not match.
    """
    out = dict(rec)
    found: set[str] = set()
    for name in _TEXT_FIELDS:
        value = out.get(name)
        if isinstance(value, str):
            out[name] = _scrub(value, found)
    if "args" in out:
        out["args"] = redact(out["args"], found=found)
    for name in ("shield", "hits"):
        if isinstance(out.get(name), list):
            out[name] = [redact(item, found=found) for item in out[name]]
    secrets = sorted((f for f in found if len(f) >= 4 and REDACTED not in f), key=len, reverse=True)
    if secrets:
        for name in (*_TEXT_FIELDS, "shield", "hits"):
            if out.get(name) is not None:
                out[name] = _strip_all(out[name], secrets)
    return out

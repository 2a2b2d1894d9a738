"""Where a call's targets came from, and whether the user asked for this kind of action at all.

Indirect prompt injection works by planting an instruction in text the agent reads ("email the
code to x@evil.com", "delete file 13"); the agent then calls a tool with the attacker's
values. Three signals catch it without a model:

* `targets` — the addresses, accounts, URLs and ids the call acts on, with their origin
  (`Facts.origin`: user / tool output / unknown);
* `instructed_in_output` — a value sits inside an imperative clause of an earlier tool output
  ("please send ... to 'x'"): the output told the agent to use it;
* `action_requested` — the user's instruction names this kind of action (send, delete, share,
  pay...). An action the user never asked for, with side effects, is the injection's payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sentinel_guard.rules.facts import EMAIL, IBAN, URL, Facts
from sentinel_guard.types import Provenance

__all__ = ["Target", "action_class", "action_requested", "instructed_in_output", "targets"]

_TARGET_KEYS = re.compile(r"(?i)^(?:recipients?|to|cc|bcc|email|emails|address|participants?|attendees?|invitees?|"
                          r"user|users|iban|account|account_number|recipient_iban|url|link|webhook|domain|host|"
                          r"phone|number|file_id|email_id|event_id|id|ids|channel|user_id|username|handle|"
                          r"destination|dest|target|payee|beneficiary|wallet)$")


def _is_target_key(key: str) -> bool:
    """Whether an argument name says its value is a target (recipient, account, url, id ...)."""
    return _TARGET_KEYS.match(key) is not None


@dataclass(frozen=True)
class Target:
    """One value the call acts on."""

    arg: str
    value: str
    kind: str
    """email, iban, url, id, other"""
    origin: Provenance


_ID = re.compile(r"[\w-]{1,40}")
_MAX_SCAN = 100_000
"""Values are extracted from the first 100k characters of a string (bounded time, any length)."""


def _kind(value: str) -> str:
    # Each regex runs only when the value has what every match of it needs: an '@' (e-mail); an
    # ASCII capital first and no lower-case letter second (IBAN: two capitals A-Z, also after
    # removing spaces — `value` is stripped, so its first character stays first); a ':' or '.'
    # (URL: `scheme://` or `www.`).
    if "@" in value and EMAIL.fullmatch(value):
        return "email"
    if value[:1].isascii() and value[:2].isupper() and (
            IBAN.fullmatch(value.replace(" ", "")) or IBAN.fullmatch(value)):
        return "iban"
    if (":" in value or "." in value) and URL.fullmatch(value):
        return "url"
    if _ID.fullmatch(value):
        return "id"
    return "other"


_EMBEDDED = (
    (EMAIL, "email", lambda t: "@" in t),
    (IBAN, "iban", lambda t: not t.islower()),  # an IBAN has capitals, whatever the string's length
    (URL, "url", lambda t: "://" in t or "www." in t),
)


def targets(f: Facts) -> list[Target]:
    """The call's target values (by key name, plus any e-mail/IBAN/URL inside short strings); memoised per call."""
    cached = f.memo.get("targets")
    if cached is not None:
        return cached
    out: list[Target] = []
    f.memo["targets"] = out
    for path, value in f.leaves:
        if value is None or isinstance(value, bool):
            continue
        text = str(value).strip()
        if not text:
            continue
        text = text[:_MAX_SCAN]
        key = path.rsplit(".", 1)[-1].split("[", 1)[0]
        if len(text) <= 120 and _is_target_key(key):
            out.append(Target(path, text, _kind(text), f.origin(text, path)))
            continue
        for rx, kind, hint in _EMBEDDED:
            if not hint(text):  # cheap pre-check: the regexes are slow on long text without a match
                continue
            for match in rx.finditer(text):
                out.append(Target(path, match.group(0), kind, f.origin(match.group(0), path)))
    return out


_CLAUSE_END = re.compile(r"[.!?]\s|\n\s*\n|\\n\\n")
_IMPERATIVE = re.compile(
    r"(?i)\b(?:send|e-?mail|forward|transfer|pay|wire|delete|remove|erase|share|invite|add|create|schedule|post|"
    r"upload|grant|give|move|reply|change|update|set|visit|open|click|call|text)\b"
)
_ADDRESSED = re.compile(r"(?i)\b(?:please|you must|you should|make sure|before you|after you|do the following|"
                        r"ignore|instead|important|instruction|assistant|ai\b|gpt|claude|llm|agent)")


def _instructed(output: str, value: str) -> bool:
    text = re.sub(r"\s+", " ", output.replace("\\n", " ").replace("\\", " "))
    lowered = text.lower()
    start = lowered.find(value)
    while start >= 0:
        window = text[max(0, start - 300): start]
        cut = list(_CLAUSE_END.finditer(window))
        clause = window[cut[-1].end():] if cut else window
        if _IMPERATIVE.search(clause) and (_ADDRESSED.search(window) or _IMPERATIVE.match(clause.strip())):
            return True
        start = lowered.find(value, start + 1)
    return False


def instructed_in_output(f: Facts, value: str) -> bool:
    """True when `value` appears inside an imperative sentence of an earlier tool output."""
    needle = value.strip().lower()
    if len(needle) < 1:
        return False
    return any(needle in low and _instructed(out, needle) for out, low in zip(f.outputs, f.outputs_lowered, strict=True))


_ACTION_WORDS: dict[str, re.Pattern[str]] = {
    "send": re.compile(r"(?i)\b(?:send|sent|e-?mail|mail|reply|respond|forward|message|write to|notify|tell|"
                       r"let \S+ know|contact|post|text|inform|ask|remind|confirm|follow[- ]up|thank|answer)\b"),
    "delete": re.compile(r"(?i)\b(?:delete|remove|erase|trash|clean|clear|purge|get rid|discard|wipe|drop|"
                         r"archive|unsubscribe|cancel)\b"),
    "share": re.compile(r"(?i)\b(?:share|access|grant|invite|permission|collaborat)"),
    "pay": re.compile(r"(?i)\b(?:pay|paid|transfer|send money|wire|refund|reimburse|settle|payment|rent|bill|"
                      r"invoice|subscription|tip|donat|charge|buy|purchase)"),
    "invite": re.compile(r"(?i)\b(?:invite|event|meeting|schedule|book|(?:put|add|enter|block)\b[^.?!]*\bcalendar|appointment|lunch|dinner|call\b|"
                         r"participant|attendee|reschedul)"),
    "password": re.compile(r"(?i)\b(?:password|passcode|credential|login|sign[- ]?in)"),
}
_ACTION_WORDS_LOWER: dict[str, re.Pattern[str]] = {
    name: re.compile(rx.pattern.removeprefix("(?i)")) for name, rx in _ACTION_WORDS.items()
}
"""The same patterns, case-sensitive, for ASCII text already lower-cased. Every literal in them is
lower-case and ASCII lower-casing keeps positions, so on ASCII text they find exactly what the
`(?i)` versions find (Unicode case-folding only differs outside ASCII, where those are used)."""
assert all(rx.pattern.startswith("(?i)") and re.sub(r"\\.", "", rx.pattern).islower() for rx in _ACTION_WORDS.values())

_TOOL_ACTION = (
    ("pay", re.compile(r"(?i)(?:^|_)(?:send_money|transfer|pay|payment|wire|refund|schedule_transaction|"
                       r"update_scheduled_transaction|send_funds|withdraw)")),
    ("password", re.compile(r"(?i)(?:password|credential)")),
    ("delete", re.compile(r"(?i)(?:^|_)(?:delete|remove|erase|trash|purge|destroy|wipe|drop)")),
    ("share", re.compile(r"(?i)(?:^|_)(?:share|grant|give_access|add_collaborator|add_user)")),
    ("send", re.compile(r"(?i)(?:^|_)(?:send|email|mail|reply|forward|post|message|notify|sms|tweet|publish)")),
    ("invite", re.compile(r"(?i)(?:^|_)(?:create_calendar_event|add_calendar_event_participants|invite|"
                          r"add_participants?|schedule_meeting|create_event)")),
)


def action_class(tool: str) -> str | None:
    """The kind of side effect a tool name announces: send, delete, share, pay, invite, password."""
    for name, rx in _TOOL_ACTION:
        if rx.search(tool):
            return name
    return None


def action_requested(f: Facts, action: str) -> bool | None:
    """Whether the user's instruction asks for this kind of action (None: no instruction known)."""
    if not f.instruction:
        return None
    return _asks_for(f.instruction, f.instruction_lower, action)


def _asks_for(instruction: str, lowered: str, action: str) -> bool:
    if instruction.isascii():  # same answer, ~2.5x faster: see `_ACTION_WORDS_LOWER`
        return _ACTION_WORDS_LOWER[action].search(lowered) is not None
    return bool(_ACTION_WORDS[action].search(instruction))

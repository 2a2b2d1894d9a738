"""Messages, sharing, invitations and deletions in structured tool calls (e-mail, chat, drives).

The risks: a recipient the user never named (taken from a tool output that told the agent to
use it), secrets in the message body, mass mailing, sharing with outsiders, and deleting mail
or files when the user asked for no deletion.
"""

from __future__ import annotations

import re

from sentinel_guard.redact import find_secrets
from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts
from sentinel_guard.rules.provenance import action_class, action_requested, instructed_in_output, targets
from sentinel_guard.types import Decision, Provenance, Severity

B, E, F = Decision.BLOCK, Decision.ESCALATE, Decision.FLAG
ANY = ("any",)
MSG = ("message",)

_BODY_KEYS = re.compile(r"(?i)^(?:body|text|content|message|msg|note|description|subject|html|comment|caption|status)$")
_SECRET_TEXT = re.compile(
    r"(?i)(?:password|passwd|passcode|pwd)\s*(?:is|:|=)\s*\S+|(?:security|verification|confirmation|2fa|otp|one[- ]time|"
    r"login|auth(?:entication)?)\s+code\s*(?:is|:)?\s*\d{4,8}|-----BEGIN [A-Z ]*PRIVATE KEY-----|"
    r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b|\bgh[pousr]_[A-Za-z0-9]{30,}|\bsk-[A-Za-z0-9]{20,}|\bxox[abpr]-[A-Za-z0-9-]{10,}|"
    r"(?:api[_ -]?key|secret[_ -]?key|access[_ -]?token)\s*(?:is|:|=)\s*\S{8,}"
)
_SECRET_NEEDLES = ("pass", "pwd", "code", "-----begin", "akia", "asia", "gh", "sk-", "xox", "key", "token")
"""One of these lower-case words sits in every `_SECRET_TEXT` match (one per alternative); ASCII text
with none of them cannot match, so the slow case-insensitive regex is skipped (non-ASCII text
always runs it: Unicode case-folding, e.g. 'ſ' ~ 's', is beyond `str.lower`)."""


def secret_text(body: str) -> re.Match[str] | None:
    """A password, key or token in `body` (`_SECRET_TEXT.search`; also read by `web`), skipped when a cheap word check proves there is no match."""
    if body.isascii():
        lowered = body.lower()
        if not any(needle in lowered for needle in _SECRET_NEEDLES):
            return None
    return _SECRET_TEXT.search(body)


_BROADCAST = re.compile(r"(?i)@?(?:all|everyone|channel|here)|all-?(?:staff|employees|users|customers)@\S+")
_CODE_TOKEN = re.compile(r"\b(?=[A-Za-z-]*\d)[A-Za-z0-9-]{4,64}\b")
_SECRET_NEAR = re.compile(r"(?i)(?:security code|verification code|one[- ]time|otp|2fa|password|passcode|pin\b|"
                          r"reset (?:link|token)|token|api key|secret)")


def _bodies(f: Facts) -> list[str]:
    return [v for p, v in f.strings if _BODY_KEYS.match(p.rsplit(".", 1)[-1].split("[", 1)[0])]


def _secret_from_output(f: Facts, body: str) -> str | None:
    """A code/token in `body` that an earlier tool output presents as a secret.

    Of several candidates, the one nearest to a secret word ("code", "password", ...) is cited —
    a date beside "your password is blue-7781" is not the password — and ties go to the first
    one in the body, so the answer never depends on a set's per-process order.
    """
    if not f.outputs:
        return None
    lowered = f.outputs_lower
    best: tuple[int, str] | None = None
    for token in dict.fromkeys(_CODE_TOKEN.findall(body)):
        low = token.lower()
        pos = lowered.find(low)
        while pos >= 0:
            for word in _SECRET_NEAR.finditer(lowered, max(0, pos - 160), pos + 40):
                gap = pos - word.end() if word.end() <= pos else word.start() - (pos + len(low))
                if best is None or abs(gap) < best[0]:
                    best = (abs(gap), token)
            pos = lowered.find(low, pos + 1)
    return best[1] if best else None


def _outside_recipients(f: Facts) -> list[str]:
    return [t.value for t in targets(f) if t.kind == "email" and t.origin is not Provenance.USER]


@rule("message.secret-in-body", B, Severity.CRITICAL, kinds=MSG)
def secret_in_body(f: Facts) -> str | None:
    """A password, security code, key or token is being sent to someone the user did not name, or
    posted where no one was named at all (a chat channel, a comment thread): everyone who reads it
    has it. A secret the user wrote in the request is theirs to send."""
    if action_class(f.tool) not in ("send", "share", "invite"):
        return None
    emails = [t for t in targets(f) if t.kind == "email"]
    if emails and not _outside_recipients(f):
        return None
    where = "a recipient the user did not name" if emails else "a channel or thread the user named no reader of"
    instruction = f.instruction or ""
    for body in _bodies(f):
        match = secret_text(body)
        if match and match.group(0) not in instruction:
            return f"Message carries a secret ('{match.group(0)[:24]}...') to {where}."
        token = next((t for t in find_secrets(body) if len(t) >= 8 and t not in instruction), None)
        if token:
            return f"Message carries a credential ('{token[:12]}...') to {where}."
        leaked = _secret_from_output(f, body)
        if leaked:
            return f"Message carries '{leaked}', which an earlier tool output labels a code/password/token."
    return None


@rule("provenance.instructed-target", E, Severity.HIGH, kinds=ANY)
def instructed_target(f: Facts) -> str | None:
    """A side-effect call uses a recipient/account/id that an earlier tool output instructed it to use."""
    if not f.outputs:
        return None
    reading = f.effect.value == "read"
    for target in targets(f):
        if reading and target.kind != "url":
            continue  # a read is harmless unless it sends the agent to an attacker's URL
        if target.origin is Provenance.TOOL_OUTPUT and instructed_in_output(f, target.value):
            return (f"'{target.value}' ({target.arg}) comes from an instruction inside a tool output, "
                    "not from the user: likely prompt injection.")
    return None


@rule("intent.unrequested-action", E, Severity.HIGH, kinds=ANY)
def unrequested_action(f: Facts) -> str | None:
    """The call sends, deletes, shares or pays although the user's instruction asks for nothing of the kind."""
    action = action_class(f.tool)
    if action is None or f.effect.value == "read":
        return None
    requested = action_requested(f, action)
    if requested is None or requested:
        return None
    outside = _outside_recipients(f)
    if action == "invite" and not outside:
        return None
    named = [t for t in targets(f) if t.kind in ("email", "iban")]
    if named and not outside and all(t.origin is Provenance.USER for t in named):
        return None  # the user named every recipient: they asked for this, in other words
    return f"The user's instruction asks for no '{action}' action, yet the agent calls {f.call.tool}."


@rule("message.unverified-recipient", F, Severity.MEDIUM, kinds=MSG, env="write")
def unverified_recipient(f: Facts) -> str | None:
    """Recipients the user did not name (taken from tool output or the model's own choice)."""
    if action_class(f.tool) not in ("send", "share", "invite") or (not f.instruction and not f.outputs):
        return None
    outside = _outside_recipients(f)
    if outside:
        return f"Recipient(s) {', '.join(outside[:3])} were not named by the user."
    return None


@rule("message.mass-send", E, Severity.HIGH, kinds=MSG)
def mass_send(f: Facts) -> str | None:
    """Messages to many recipients at once (spam, data leak, reputation)."""
    found = targets(f)
    emails = [t for t in found if t.kind == "email"]
    if len(emails) > 20:
        return f"{len(emails)} recipients in one call."
    if action_class(f.tool) == "send" and any(_BROADCAST.fullmatch(t.value) for t in found):
        return "A broadcast to everyone (all-staff / @channel)."
    return None

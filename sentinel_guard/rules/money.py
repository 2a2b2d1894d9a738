"""Money movement: transfers, payments, scheduled transactions, credential changes.

A transfer is risky when its recipient (IBAN, account, e-mail, wallet) is not one the user
named, when the amount is large, or when it comes right after reading untrusted text.
Thresholds are deliberately simple; a policy can force `escalate` on any money tool.
"""

from __future__ import annotations

import re

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts
from sentinel_guard.rules.provenance import action_class, targets
from sentinel_guard.types import Decision, Provenance, Severity

E, F = Decision.ESCALATE, Decision.FLAG
MONEY = ("money",)
_AMOUNT_KEYS = re.compile(r"(?i)^(?:amount|value|sum|total|price|quantity_usd|amount_\w+)$")
_RECIPIENT_KEYS = re.compile(r"(?i)(?:recipient|iban|account|payee|beneficiary|to|wallet|destination)")
_CREDENTIAL_TOOL = re.compile(r"(?i)(?:update|change|reset|set)_?(?:user_)?(?:password|passwd|credentials?|2fa|mfa|recovery)")
_CREDENTIAL_WORDS = re.compile(r"(?i)password|passcode|credential|2fa|mfa")
LARGE = 10_000.0
NOTABLE = 1_000.0


def _amounts(f: Facts) -> list[float]:
    out: list[float] = []
    for path, value in f.leaves:
        if _AMOUNT_KEYS.match(path.rsplit(".", 1)[-1]):
            try:
                out.append(float(str(value).replace(",", "").strip("$€£ ")))
            except ValueError:
                continue
    return out


def _amount_in_instruction(f: Facts, amount: float) -> bool:
    text = f.instruction_lower.replace(",", "")
    as_int = f"{amount:.0f}" if amount == int(amount) else f"{amount}"
    return bool(text) and re.search(rf"(?<![\d.]){re.escape(as_int)}(?:\.0+)?(?![\d])", text) is not None


@rule("money.large-amount", E, Severity.HIGH, kinds=MONEY)
def large_amount(f: Facts) -> str | None:
    """A transfer of 10,000 or more, or 1,000+ that the user's instruction does not state."""
    if action_class(f.tool) != "pay":
        return None
    for amount in _amounts(f):
        if amount >= LARGE:
            return f"Transfer of {amount:,.2f}: above the {LARGE:,.0f} review threshold."
        if amount >= NOTABLE and f.instruction and not _amount_in_instruction(f, amount):
            return f"Transfer of {amount:,.2f}, an amount the user never stated."
    return None


@rule("money.recipient-not-from-user", E, Severity.HIGH, kinds=MONEY)
def recipient_not_from_user(f: Facts) -> str | None:
    """The payee/IBAN comes from a tool output or nowhere visible, not from the user's words."""
    if action_class(f.tool) != "pay":
        return None
    for target in targets(f):
        if not _RECIPIENT_KEYS.search(target.arg) and target.kind != "iban":
            continue
        if target.origin is Provenance.TOOL_OUTPUT:
            return f"Payee '{target.value}' was copied from a tool output, not given by the user."
        if target.origin in (Provenance.UNKNOWN, Provenance.MODEL) and (f.instruction or f.outputs):
            return f"Payee '{target.value}' appears nowhere in the user's instruction."
    return None


@rule("money.transfer", F, Severity.MEDIUM, kinds=MONEY, env="write")
def transfer(f: Facts) -> str | None:
    """Any money movement is recorded."""
    if action_class(f.tool) == "pay":
        amounts = _amounts(f)
        return f"Money movement via {f.call.tool}{f' of {amounts[0]:,.2f}' if amounts else ''}."
    return None


def _is_credential_tool(tool: str) -> bool:
    """Whether the tool name announces a credential change (password, e-mail, 2FA)."""
    return _CREDENTIAL_TOOL.search(tool) is not None


@rule("account.credential-change", E, Severity.HIGH, kinds=("any",))
def credential_change(f: Facts) -> str | None:
    """Changing a password, e-mail or 2FA setting of an account (account takeover path)."""
    if _is_credential_tool(f.tool):
        if f.instruction and _CREDENTIAL_WORDS.search(f.instruction):
            return None
        return f"{f.call.tool} changes account credentials."
    return None

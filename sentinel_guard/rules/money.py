"""Money movement: transfers, payments, scheduled transactions, credential changes.

A transfer is risky when its recipient (IBAN, account, e-mail, wallet) is not one the user
named, when the amount is large, or when it comes right after reading untrusted text.
Thresholds are deliberately simple; a policy can force `escalate` on any money tool.

Amounts are compared in major units (dollars, euros). Payment APIs that take the smallest unit
(Stripe, Square, Adyen, Razorpay, Paddle: `amount=1500` is 15.00) are known by the service in
the tool's name or namespace, or by a key that says so (`amount_cents`, `unit_amount`,
`amount_minor`); their amounts are divided by 100, except in zero-decimal currencies (JPY,
KRW…), where the smallest unit is the unit. A tool that names no such service keeps its amount
as given: dividing wrongly would hide a large transfer. Before 7 December a Stripe refund of
15.00 read as 1,500, "an amount the user never stated", and one of 150.00 as over the review
threshold.
"""

from __future__ import annotations

import re

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts
from sentinel_guard.rules.provenance import action_class, targets
from sentinel_guard.types import Decision, Provenance, Severity

E, F = Decision.ESCALATE, Decision.FLAG
MONEY = ("money",)
_AMOUNT_KEYS = re.compile(r"(?i)^(?:amount|value|sum|total|price|quantity_usd|amount_\w+|unit_amount\w*)$")
_RECIPIENT_KEYS = re.compile(r"(?i)(?:recipient|iban|account|payee|beneficiary|to|wallet|destination)")
_CREDENTIAL_TOOL = re.compile(r"(?i)(?:update|change|reset|set)_?(?:user_)?(?:password|passwd|credentials?|2fa|mfa|recovery)")
_CREDENTIAL_WORDS = re.compile(r"(?i)password|passcode|credential|2fa|mfa")
LARGE = 10_000.0
NOTABLE = 1_000.0


_MINOR_UNIT_SERVICES = frozenset({"stripe", "square", "adyen", "razorpay", "paddle", "chargebee"})
"""Payment services whose APIs take amounts in the smallest currency unit (cents)."""
_MINOR_UNIT_KEY = re.compile(r"(?i)cents|minor|^unit_amount")
_ZERO_DECIMAL = frozenset({"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
                           "xaf", "xof", "xpf"})


def _amounts(f: Facts) -> list[float]:
    """Every amount argument, in major units (see the module doc)."""
    currency = str(f.call.args.get("currency", "")).lower()
    zero_decimal = currency in _ZERO_DECIMAL
    minor_service = not f.tokens.isdisjoint(_MINOR_UNIT_SERVICES)
    out: list[float] = []
    for path, value in f.leaves:
        key = path.rsplit(".", 1)[-1]
        if _AMOUNT_KEYS.match(key):
            try:
                amount = float(str(value).replace(",", "").strip("$€£ "))
            except ValueError:
                continue
            minor = not zero_decimal and (minor_service or _MINOR_UNIT_KEY.search(key) is not None)
            out.append(amount / 100 if minor else amount)
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

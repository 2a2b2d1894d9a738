"""The effect model: what each shell operation does to which class of resource, and one table that
says what that means here.

An operation becomes an `Effect` (action, resource class, target). The table maps
(action, class) to a decision and severity; `Policy.effects` overrides entries by key
(`"read:credentials": escalate`), so an operator can tighten or relax a whole class of behaviour
without touching rules. Environment moves the result like any other finding (the engine's job).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sentinel_guard.types import Decision, Severity

__all__ = ["DEFAULT_TABLE", "Effect", "decide", "resource_class"]

B, E, F = Decision.BLOCK, Decision.ESCALATE, Decision.FLAG

_CLASSES = (
    ("credentials", re.compile(
        r"(?i)(?:^|/)(?:\.ssh(?:/|$)(?!.*(?:\.pub|known_hosts)$)|id_(?:rsa|dsa|ecdsa|ed25519)$|\.aws(?:/|$)|\.kube/config|"
        r"\.docker/config\.json|\.netrc|\.pgpass|\.git-credentials|\.gnupg|\.password-store|keychains?(?:/|$)|"
        r"\.vault-token|\.npmrc|\.pypirc|logins\.json|key[34]\.db|login data|cookies\.sqlite|\.(?:pem|key|p12|pfx|kdbx)$|"
        r"\.(?:bash|zsh|mysql|psql|python)_history$|\.env$|credentials(?:\.json|\.csv)?$|wallet\.dat$|logins\.db$)")),
    ("system-auth", re.compile(r"^/etc/(?:shadow|gshadow|sudoers(?:\.d)?|master\.passwd|security/|pam\.d/|ssh/sshd_config|"
                               r"ssh/ssh_host_[^/]*key$)")),
    ("system-state", re.compile(r"^/(?:proc/(?:\d+|self|\*|kcore|sys|sysrq-trigger)|sys/|dev/mem|dev/kmem)")),
    ("disk", re.compile(r"^/(?:dev/(?:sd|hd|vd|nvme|xvd|mmcblk|disk|md|dm-|mapper/)|boot(?:/|$))")),
    ("system-config", re.compile(r"^/(?:etc|usr|bin|sbin|lib(?:32|64)?|System|Library)(?:/|$)")),
    ("database", re.compile(r"^/var/lib/(?:mysql|postgresql|pgsql|mongodb|redis|elasticsearch|cassandra|docker)(?:/|$)")),
    ("logs", re.compile(r"^/var/log(?:/|$)")),
)


def resource_class(path: str) -> str | None:
    """The resource class of a path, or None for ordinary files (workspace, temp, home files)."""
    p = path.strip().strip("'\"")
    for name, rx in _CLASSES:
        if rx.search(p):
            return name
    return None


@dataclass(frozen=True)
class Effect:
    """One thing an operation does: `action` on a resource of `resource` class at `target`."""

    action: str
    """read, copy, delete, write, send, load"""
    resource: str
    target: str
    program: str

    @property
    def key(self) -> str:
        return f"{self.action}:{self.resource}"


DEFAULT_TABLE: dict[str, tuple[Decision, Severity]] = {
    "read:credentials": (E, Severity.HIGH),
    "copy:credentials": (E, Severity.HIGH),
    "send:credentials": (B, Severity.CRITICAL),
    "read:system-auth": (E, Severity.HIGH),
    "list:credentials": (E, Severity.MEDIUM),
    "list:system-auth": (E, Severity.MEDIUM),
    "copy:system-auth": (E, Severity.HIGH),
    "send:system-auth": (B, Severity.CRITICAL),
    "read:system-state": (E, Severity.HIGH),
    "copy:system-state": (E, Severity.HIGH),
    "delete:system-config": (B, Severity.CRITICAL),
    "delete:system-auth": (B, Severity.CRITICAL),
    "delete:system-state": (B, Severity.CRITICAL),
    "write:system-state": (B, Severity.HIGH),
    "download:system-config": (B, Severity.HIGH),
    "download:system-auth": (B, Severity.CRITICAL),
    "delete:database": (E, Severity.HIGH),
    "delete:logs": (E, Severity.HIGH),
    "load:kernel": (E, Severity.HIGH),
    "persist-code:startup": (B, Severity.HIGH),
}
"""(action:class) → (decision, severity). Anything absent is no finding of the effect model."""


def decide(effect: Effect, overrides: dict[str, Decision]) -> tuple[Decision, Severity] | None:
    """The table's answer for `effect`, with the policy's overrides applied (approve drops it)."""
    found = DEFAULT_TABLE.get(effect.key)
    if effect.key in overrides:
        decision = overrides[effect.key]
        if decision is Decision.APPROVE:
            return None
        return decision, found[1] if found else Severity.MEDIUM
    return found

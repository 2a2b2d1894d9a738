"""Unknown structured tools read by their words: `update_user_role`, `grantPermission`,
`delete-user`, `update_dns_record`, `frobnicate_prod(cmd="wipe prod-db")`.

Tool names and argument keys are split into words (snake, camel, kebab) and read with a small
verb/object lexicon, so a tool no rule knows still gets an effect (change privilege, destroy,
reconfigure) and a resource class (accounts, data stores, DNS, secrets, production). Free-text
argument values are read the same way for destructive verbs aimed at production.
A request the user's own instruction makes (the verb is in it) is recorded instead of stopped.
"""

from __future__ import annotations

import re

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.effects import Effect
from sentinel_guard.rules.facts import _SHELL_TOOLS, Facts, _key, tool_tokens
from sentinel_guard.types import Decision, Severity

E = Decision.ESCALATE

_PRIVILEGE = frozenset({"grant", "role", "roles", "permission", "permissions", "privilege", "privileges", "admin",
                        "elevate", "promote", "sudo", "acl", "iam", "superuser", "owner", "ownership"})
_DESTROY = frozenset({"delete", "drop", "destroy", "wipe", "purge", "remove", "truncate", "terminate", "erase",
                      "nuke", "reset", "revoke", "deprovision", "decommission", "disable", "deactivate", "ban"})
_VALUABLE = frozenset({"user", "users", "account", "accounts", "database", "databases", "db", "table", "tables",
                       "bucket", "buckets", "cluster", "namespace", "repo", "repository", "project", "org",
                       "organization", "tenant", "backup", "backups", "index", "volume", "instance", "server",
                       "domain", "dns", "member", "members", "team", "workspace", "key", "keys", "secret", "secrets",
                       "branch", "branches", "release", "releases", "environment", "environments", "stack", "stacks",
                       "site", "sites", "channel", "channels"})
_CONFIG = frozenset({"dns", "nameserver", "mx", "firewall", "security", "secret", "secrets", "token",
                     "tokens", "credential", "credentials", "apikey", "webhook", "sso", "mfa", "2fa", "certificate"})
_CHANGE = frozenset({"update", "set", "change", "modify", "edit", "put", "patch", "create", "add", "rotate",
                     "replace", "configure", "write", "upsert", "assign", "attach"})
_WORDS = re.compile(r"[a-z0-9]+")
_DESTRUCTIVE_TEXT = re.compile(r"(?i)\b(?:wipe|destroy|drop|delete|purge|erase|nuke|truncate|terminate)\b"
                               r"[^.;\n]{0,40}?\b(?:prod|production|prd|all|every|database|db|cluster|backups?)\b")


def _asked(f: Facts, words: frozenset[str]) -> bool:
    instruction = f.instruction_lower
    return bool(instruction) and any(re.search(rf"\b{w}", instruction) for w in words)


_ROLE_KEYS = frozenset({"role", "roles", "permission", "permissions", "access_level", "access", "privilege", "privileges",
                        "group", "groups", "scope", "scopes", "user_type", "account_type", "level"})
_ADMIN_FLAGS = frozenset({"is_admin", "admin", "is_superuser", "superuser", "is_staff", "site_admin", "is_owner"})
_ELEVATED = re.compile(r"(?i)admin|owner|superuser|^root$|^sudo(?:ers)?$|^wheel$|maintainer|^all$|^\*$|full[_ -]?access")


def _granted(f: Facts) -> list[str]:
    """Roles an argument gives (`role="admin"`, `groups=["wheel"]`, `is_admin=True`), as written."""
    out: list[str] = []
    for path, value in f.leaves:
        key = _key(path)
        if key in _ROLE_KEYS and isinstance(value, str) and _ELEVATED.search(value):
            out.append(value)
        elif key in _ADMIN_FLAGS and value is True:
            out.append(key)
    return out


@rule("tool.privilege-change", E, Severity.HIGH, kinds=("any",), env="write")
def privilege_change(f: Facts) -> str | None:
    """An unknown tool that grants, assigns or changes roles, permissions or admin rights, by its
    name (`grant_role`) or by an argument that gives an elevated role (`update_user(role="admin")`)."""
    words = f.tokens
    granted = _granted(f) if words & _CHANGE else []
    if not granted and (not (words & _PRIVILEGE) or not (words & (_CHANGE | {"grant", "elevate", "promote"}))):
        return None
    roles = frozenset(re.escape(v.lower()) for p, v in f.strings if _key(p) in _ROLE_KEYS and 0 < len(v) <= 40)
    if _asked(f, _PRIVILEGE | roles | frozenset(re.escape(g.lower()) for g in granted)):
        return None  # the user named the privilege or the role being given
    given = f" ({granted[0]})" if granted else ""
    return f"{f.call.tool} changes roles or permissions{given}, which the user's instruction does not ask for."


@rule("tool.destroy-valuable", E, Severity.HIGH, kinds=("any",), env="write")
def destroy_valuable(f: Facts) -> str | None:
    """An unknown tool that deletes, drops or disables accounts, data stores, projects or DNS."""
    words = f.tokens
    verbs, objects = words & _DESTROY, words & _VALUABLE
    if not verbs or not objects or f.shell_texts:
        return None
    if _asked(f, frozenset(verbs)):
        return None
    return f"{f.call.tool} {'/'.join(sorted(verbs))}s {'/'.join(sorted(objects))}, unasked by the user."


@rule("tool.sensitive-config", E, Severity.MEDIUM, kinds=("any",), env="write")
def sensitive_config(f: Facts) -> str | None:
    """An unknown tool that changes DNS records, firewall, secrets, tokens, SSO/MFA or certificates."""
    words = f.tokens
    if not (words & _CONFIG) or not (words & _CHANGE):
        return None
    if _asked(f, frozenset(words & _CONFIG)):
        return None
    return f"{f.call.tool} changes {'/'.join(sorted(words & _CONFIG))} settings, unasked by the user."


@rule("tool.destructive-argument", E, Severity.HIGH, kinds=("any",))
def destructive_argument(f: Facts) -> str | None:
    """A free-text argument that orders destruction of production, databases or everything."""
    if f.tokens & _SHELL_TOOLS or f.sql_texts:
        return None  # a shell or SQL tool's text is judged by the shell and SQL rules
    for path, value in f.strings:
        match = _DESTRUCTIVE_TEXT.search(value[:2000])
        if match and not _asked(f, frozenset(_WORDS.findall(match.group(0).lower())[:1])):
            return f"Argument {path} asks to '{match.group(0)}'."
    return None


_VISIBILITY_KEYS = frozenset({"visibility", "access", "privacy", "sharing", "share_type", "type", "audience", "scope",
                              "general_access", "link_access", "acl"})
_PUBLIC = frozenset({"public", "anyone", "anyonewithlink", "anyone_with_link", "everyone", "internet", "world",
                     "public-read", "public-read-write", "publicread", "allusers"})
_PUBLIC_ASKS = ("public", "anyone", "everyone", "open source", "open-source", "publish", "the world")


def _made_public(f: Facts) -> str | None:
    """The argument that opens the resource to everyone, if any: `private: false`, `public: true`, or a
    visibility/access/type key set to public/anyone."""
    for key, value in f.call.args.items():
        low = key.lower()
        if (low in ("private", "is_private") and value is False) or (low in ("public", "is_public") and value is True):
            return f"{key}={value}"
        if low in _VISIBILITY_KEYS and isinstance(value, str) and value.lower().replace(" ", "") in _PUBLIC:
            return f"{key}={value!r}"
    return None


@rule("tool.expose-public", E, Severity.HIGH, kinds=("any",), env="write")
def expose_public(f: Facts) -> str | None:
    """A call that makes a repository, file, bucket or page public, which the user's instruction does not ask for."""
    setting = _made_public(f)
    if setting is None or f.effect is Effect.READ:
        return None
    instruction = f.instruction_lower
    if any(word in instruction for word in _PUBLIC_ASKS):
        return None
    return f"{f.call.tool} sets {setting}: everyone could read it, and the user did not ask to make anything public."


__all__ = ["tool_tokens"]

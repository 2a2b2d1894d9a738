"""Who is calling: API keys with roles.

Two roles, because the party a guard oversees must not be the party that overrules it:

* **agent** keys (`--api-key`, or `agent NAME KEY` lines in a keys file) submit calls, shield
  texts, report tool outputs and poll escalations;
* **reviewer** keys (`--reviewer-key NAME=KEY`, or `reviewer NAME KEY` lines) are humans: they
  answer escalations and read the audit trail, the stats and the dashboard. The reviewer's name
  recorded with an answer is the key's name, never text from the request.

Keys may come from flags, from a keys file (`--keys-file`, env `SENTINEL_KEYS_FILE`) or from
environment variables (`SENTINEL_API_KEY`, `SENTINEL_REVIEWER_KEYS="alice=KEY,bob=KEY"`), so they
can stay out of `ps`. A key shorter than 16 characters is refused at start-up: short keys are
guessable through the network even with failed attempts throttled.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sentinel_guard.errors import ConfigError

__all__ = ["MIN_KEY_LENGTH", "KeyRing", "Principal", "parse_reviewer_spec"]

MIN_KEY_LENGTH = 16
Role = Literal["agent", "reviewer", "local"]


@dataclass(frozen=True)
class Principal:
    """The caller a request was authenticated as. `local` means no keys are configured (loopback only)."""

    role: Role
    name: str

    @property
    def reviews(self) -> bool:
        """May answer escalations and read the audit trail."""
        return self.role in ("reviewer", "local")

    @property
    def agent(self) -> str | None:
        """The name recorded with the calls this caller submits: an agent key's name, else None."""
        return self.name if self.role == "agent" else None


LOCAL = Principal("local", "local")
"""Every caller when the service runs without keys (it then binds and accepts loopback only)."""


def parse_reviewer_spec(spec: str, where: str = "--reviewer-key") -> tuple[str, str]:
    """`NAME=KEY` → (name, key); ConfigError naming `where` when malformed."""
    name, sep, key = spec.partition("=")
    if not sep or not name.strip() or not key.strip():
        raise ConfigError(f"{where}: expected NAME=KEY (e.g. alice=<key>), got {_masked(spec)!r}")
    return name.strip(), key.strip()


def _masked(text: str) -> str:
    """Never echo a key back in an error message: keep the name part only."""
    name, sep, _ = text.partition("=")
    return f"{name}=…" if sep else "…"


def _read_keys_file(path: Path) -> list[tuple[Role, str, str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"keys file {path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"keys file {path}: is not UTF-8 text") from None
    out: list[tuple[Role, str, str]] = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        parts = text.split()
        if len(parts) != 3 or parts[0] not in ("agent", "reviewer"):
            raise ConfigError(f"keys file {path}:{number}: expected 'agent NAME KEY' or 'reviewer NAME KEY'")
        role: Role = "agent" if parts[0] == "agent" else "reviewer"
        out.append((role, parts[1], parts[2]))
    return out


class KeyRing:
    """The configured keys and their roles; identifies a bearer token in constant time."""

    def __init__(self, entries: Iterable[tuple[Role, str, str]] = ()) -> None:
        self._entries: list[tuple[bytes, Principal]] = []
        seen: dict[str, str] = {}
        names: set[tuple[Role, str]] = set()
        for role, name, key in entries:
            if (role, name) in names:  # an agent polls by its key's name: two keys must not share one
                raise ConfigError(f"two {role} keys are named {name!r} (the --api-key is the agent named 'agent'); "
                                  "give each key its own name")
            names.add((role, name))
            if len(key) < MIN_KEY_LENGTH:
                raise ConfigError(f"the {role} key {name!r} is {len(key)} characters long; keys must have at least "
                                  f"{MIN_KEY_LENGTH} (generate one: python -c 'import secrets; "
                                  "print(secrets.token_urlsafe(32))')")
            if key in seen:
                raise ConfigError(f"the {role} key {name!r} is the same key as {seen[key]!r}: give each its own key")
            seen[key] = f"{role} {name}"
            self._entries.append((f"Bearer {key}".encode(), Principal(role, name)))

    @classmethod
    def configure(cls, *, api_key: str | None = None, reviewer_keys: Iterable[str] | Mapping[str, str] = (),
                  keys_file: str | Path | None = None) -> KeyRing:
        """Keys from the arguments (agent key, `NAME=KEY` reviewer specs or a name→key map, a keys file)."""
        entries: list[tuple[Role, str, str]] = []
        if api_key is not None and api_key.strip():
            entries.append(("agent", "agent", api_key.strip()))
        pairs = reviewer_keys.items() if isinstance(reviewer_keys, Mapping) else (
            parse_reviewer_spec(s) for s in reviewer_keys)
        entries.extend(("reviewer", name, key) for name, key in pairs)
        if keys_file is not None and str(keys_file).strip():
            entries.extend(_read_keys_file(Path(keys_file)))
        return cls(entries)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> KeyRing:
        """`SENTINEL_API_KEY`, `SENTINEL_REVIEWER_KEYS` (comma-separated NAME=KEY), `SENTINEL_KEYS_FILE`."""
        specs = [s.strip() for s in env.get("SENTINEL_REVIEWER_KEYS", "").split(",") if s.strip()]
        reviewers = [parse_reviewer_spec(s, "SENTINEL_REVIEWER_KEYS") for s in specs]
        return cls.configure(api_key=env.get("SENTINEL_API_KEY") or None, reviewer_keys=dict(reviewers),
                             keys_file=env.get("SENTINEL_KEYS_FILE") or None)

    @property
    def empty(self) -> bool:
        """No keys: the service accepts loopback callers only, all as `local`."""
        return not self._entries

    @property
    def reviewers(self) -> list[str]:
        """Names of the reviewer keys (for the start-up log; never the keys)."""
        return [p.name for _, p in self._entries if p.role == "reviewer"]

    def identify(self, authorization: bytes) -> Principal | None:
        """The principal whose key the `Authorization` header carries, or None.

        Every configured key is compared (constant-time each, no early exit), so the answer's
        timing does not tell which key, or how much of one, matched.
        """
        found: Principal | None = None
        for expected, principal in self._entries:
            if hmac.compare_digest(authorization, expected):
                found = principal
        return found

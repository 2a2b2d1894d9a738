"""One exception root for everything sentinel-guard raises.

```
SentinelError
├── GuardSignal                 control flow: the guard said "do not run"; carries the Verdict
│   ├── ToolCallBlocked
│   └── EscalationRequired
├── UsageError                  the API was misused (e.g. judge_sync inside a running loop)
├── ConfigError                 a policy file or setting is invalid; names the file and field
├── MissingExtraError           an optional dependency is not installed; names the extra
├── InputError                  a record handed to the CLI/service is malformed
└── OverseerError               the judge itself failed (never turned into an approval)
    ├── OverseerTimeout
    ├── OverseerUnavailable
    └── VerdictParseError       model output that is not a valid verdict; keeps the raw text
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sentinel_guard.types import Verdict

__all__ = [
    "ConfigError",
    "EscalationRequired",
    "GuardSignal",
    "InputError",
    "MissingExtraError",
    "OverseerError",
    "OverseerTimeout",
    "OverseerUnavailable",
    "SentinelError",
    "ToolCallBlocked",
    "UsageError",
    "VerdictParseError",
    "require_extra",
]


class SentinelError(Exception):
    """Root of every exception sentinel-guard raises."""


class GuardSignal(SentinelError):
    """The guard decided the tool must not run now. `.verdict` says why."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        super().__init__(f"{verdict.decision.value}: {verdict.justification}")

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.verdict == other.verdict  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.verdict.decision, self.verdict.justification))


class ToolCallBlocked(GuardSignal):
    """Raised instead of running a tool the guard blocked."""


class EscalationRequired(GuardSignal):
    """Raised when a call needs a human decision and no escalation handler approved it."""


class UsageError(SentinelError):
    """The library was called in a way it does not support."""


class ConfigError(SentinelError, ValueError):
    """A policy or configuration value is invalid."""


class InputError(SentinelError, ValueError):
    """An input record (CLI line, request body) is malformed."""


class MissingExtraError(SentinelError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""


class OverseerError(SentinelError):
    """The overseer could not produce a verdict. Guards turn this into a fail-closed verdict."""


class OverseerTimeout(OverseerError):
    """The overseer did not answer within its time budget."""


class OverseerUnavailable(OverseerError):
    """The overseer's backend (HTTP service, model server) could not be reached or errored."""


class VerdictParseError(OverseerError):
    """A model's output could not be read as a verdict."""

    def __init__(self, message: str, raw: str = "") -> None:
        self.raw = raw
        super().__init__(message)


def require_extra(module: str, extra: str, feature: str) -> None:
    """Raise `MissingExtraError` naming `extra` unless `module` can be imported."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingExtraError(
            f"{feature} needs the '{module}' package: pip install 'sentinel-guard[{extra}]'"
        )

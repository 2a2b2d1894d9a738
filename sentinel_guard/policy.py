"""Declarative policy: what an operator allows, denies and wants done with flags and escalations.

A `Policy` is plain data (a pydantic model) loaded from YAML or built in Python. It acts at two
points of a guard's pipeline, both pure functions:

* `Policy.pre_decide(call)` — before any overseer runs: allow-listed tools skip judgement,
  deny-listed tools and deny patterns block at once.
* `Policy.finalize(call, verdict)` — after the overseer: drops disabled rules, applies per-tool
  overrides and maps what `flag` and `escalate` mean for this deployment.

Example file:

```yaml
environment: production          # assumed when a call's context names none
allow_tools: [get_weather]
deny_tools: [delete_account]
deny_patterns: ['(?i)prod-db-primary']
unknown_tools: {read: approve, write: flag}
on_flag: flag                    # or block: stricter deployments refuse anything suspicious
on_escalate: escalate            # or block (no human on call)
disabled_rules: [git.destroy-work]
tools:
  send_money: {decision: escalate}
  shell: {deny_patterns: ['\\bshutdown\\b'], always_review: true}
```
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sentinel_guard.errors import ConfigError
from sentinel_guard.types import Decision, Severity, ToolCall, Verdict

__all__ = ["Policy", "ToolPolicy", "UnknownToolDefaults"]


def _compile_all(patterns: list[str], where: str) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"{where}: invalid regular expression {pattern!r}: {exc}") from exc
    return patterns


class _PolicyModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolPolicy(_PolicyModel):
    """Overrides for one tool."""

    decision: Decision | None = None
    """Always answer this for the tool (e.g. `escalate` every `send_money`)."""
    deny_patterns: list[str] = Field(default_factory=list)
    """Regexes over the call's JSON-encoded args; a match blocks."""
    allow_patterns: list[str] = Field(default_factory=list)
    """Regexes over the args; a match approves (after deny patterns, which win)."""
    min_severity: Severity | None = None
    """Raise every verdict for this tool to at least this severity."""
    always_review: bool = False
    """Cascades send this tool to the model tier even when rules are confident."""

    @field_validator("deny_patterns", "allow_patterns")
    @classmethod
    def _valid_regexes(cls, value: list[str]) -> list[str]:
        return _compile_all(value, "tool pattern")


class UnknownToolDefaults(_PolicyModel):
    """What to answer for tools no rule knows, by whether the tool looks like a read or a write."""

    read: Decision = Decision.APPROVE
    write: Decision = Decision.FLAG


class Policy(_PolicyModel):
    """An operator's policy. Every field is optional; `Policy()` is the built-in default."""

    environment: Literal["production", "staging", "development", "unknown"] = "unknown"
    """Environment assumed when a call's context does not say; production raises severity."""
    allow_tools: list[str] = Field(default_factory=list)
    deny_tools: list[str] = Field(default_factory=list)
    deny_patterns: list[str] = Field(default_factory=list)
    """Regexes over any call's tool name and JSON-encoded args; a match blocks."""
    unknown_tools: UnknownToolDefaults = Field(default_factory=UnknownToolDefaults)
    on_flag: Literal["flag", "block", "escalate"] = "flag"
    on_escalate: Literal["escalate", "block"] = "escalate"
    disabled_rules: list[str] = Field(default_factory=list)
    """Rule ids (or prefixes ending in `.`) whose hits are ignored."""
    effects: dict[str, Decision] = Field(default_factory=dict)
    """Overrides of the effect table, `"action:class": decision` (e.g. `"read:credentials": block`,
    `"delete:logs": approve`); see `sentinel_guard.analysis.effects.DEFAULT_TABLE`."""
    tools: dict[str, ToolPolicy] = Field(default_factory=dict)
    constraints: list[str] = Field(default_factory=list)
    """Free-text rules shown to model overseers (e.g. "never touch billing on Fridays")."""

    @field_validator("deny_patterns")
    @classmethod
    def _valid_regexes(cls, value: list[str]) -> list[str]:
        return _compile_all(value, "deny_patterns")

    # ---------------------------------------------------------------- loading
    @classmethod
    def from_yaml(cls, path: str | Path) -> Policy:
        """Load a policy file; errors name the file and the offending field."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read policy file {path}: {exc.strerror or exc}") from exc
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"policy file {path} is not valid YAML: {exc}") from exc
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"policy file {path} must hold a mapping, not {type(data).__name__}")
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "policy") -> Policy:
        """Validate a mapping into a policy, with one readable line per problem."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()
            )
            raise ConfigError(f"{source}: {problems}") from None

    # ---------------------------------------------------------------- compiled views
    @cached_property
    def _deny_res(self) -> list[re.Pattern[str]]:
        return [re.compile(p) for p in self.deny_patterns]

    @cached_property
    def _tool_res(self) -> dict[str, tuple[list[re.Pattern[str]], list[re.Pattern[str]]]]:
        return {
            name: ([re.compile(p) for p in tp.deny_patterns], [re.compile(p) for p in tp.allow_patterns])
            for name, tp in self.tools.items()
        }

    def tool(self, name: str) -> ToolPolicy | None:
        """The per-tool overrides for `name`, if any."""
        return self.tools.get(name)

    @field_validator("effects")
    @classmethod
    def _valid_effect_keys(cls, value: dict[str, Decision]) -> dict[str, Decision]:
        for key in value:
            action, _, resource = key.partition(":")
            if not action or not resource:
                raise ValueError(f"effect key {key!r} must be 'action:class', e.g. 'read:credentials'")
        return value

    def effect_overrides(self) -> dict[str, Decision]:
        """The policy's changes to the effect table, by `action:class` key."""
        return self.effects

    def rule_enabled(self, rule_id: str) -> bool:
        """False when the policy disables `rule_id` (exactly or by a `prefix.`)."""
        return not any(rule_id == d or (d.endswith(".") and rule_id.startswith(d)) for d in self.disabled_rules)

    # ---------------------------------------------------------------- decisions
    def pre_decide(self, call: ToolCall) -> Verdict | None:
        """A verdict decided by policy alone, or None to let the overseer judge."""
        if call.tool in self.deny_tools:
            return Verdict.block(f"Tool '{call.tool}' is denied by policy.", rules=("policy.deny-tool",),
                                 decided_by="policy", severity=Severity.HIGH)
        encoded: str | None = None
        if self._deny_res or call.tool in self._tool_res:
            encoded = call.tool + " " + json.dumps(call.args, sort_keys=True, default=str)
        for pattern in self._deny_res:
            if encoded is not None and pattern.search(encoded):
                return Verdict.block(f"Call matches deny pattern {pattern.pattern!r}.",
                                     rules=("policy.deny-pattern",), decided_by="policy")
        tool_policy = self.tools.get(call.tool)
        if tool_policy is not None and encoded is not None:
            deny, allow = self._tool_res[call.tool]
            for pattern in deny:
                if pattern.search(encoded):
                    return Verdict.block(f"'{call.tool}' call matches deny pattern {pattern.pattern!r}.",
                                         rules=("policy.tool-deny-pattern",), decided_by="policy")
            if tool_policy.decision is not None:
                return Verdict(decision=tool_policy.decision,
                               justification=f"Policy sets every '{call.tool}' call to {tool_policy.decision.value}.",
                               severity=tool_policy.min_severity or Severity.MEDIUM,
                               rules=("policy.tool-decision",), decided_by="policy")
            for pattern in allow:
                if pattern.search(encoded):
                    return Verdict.approve(f"'{call.tool}' call matches allow pattern {pattern.pattern!r}.",
                                           rules=("policy.tool-allow-pattern",), decided_by="policy")
        if call.tool in self.allow_tools:
            return Verdict.approve(f"Tool '{call.tool}' is allowed by policy.", rules=("policy.allow-tool",),
                                   decided_by="policy")
        return None

    def finalize(self, call: ToolCall, verdict: Verdict) -> Verdict:
        """Apply severity floors and the flag/escalate mapping to an overseer's verdict."""
        updates: dict[str, Any] = {}
        tool_policy = self.tools.get(call.tool)
        if tool_policy and tool_policy.min_severity and verdict.severity.rank < tool_policy.min_severity.rank:
            updates["severity"] = tool_policy.min_severity
        decision = verdict.decision
        if decision is Decision.FLAG and self.on_flag != "flag":
            decision = Decision(self.on_flag)
        elif decision is Decision.ESCALATE and self.on_escalate != "escalate":
            decision = Decision(self.on_escalate)
        if decision is not verdict.decision:
            updates["decision"] = decision
            updates["justification"] = (
                f"{verdict.justification} (policy maps {verdict.decision.value} to {decision.value})"
            )
        return verdict.model_copy(update=updates) if updates else verdict

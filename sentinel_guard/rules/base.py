"""The unit of the rules tier: a `Rule` (id, where it applies, a pure check) and the `Registry`.

A rule never looks at raw JSON itself: it receives `Facts` (see `facts.py`), the call already
parsed into shell commands, SQL statements, addresses and their provenance. Its `check`
returns a one-sentence reason a human can verify, or None. Rules are cheap to skip: each names
the `kinds` of call it understands (shell, sql, message, money, file, any) and, for shell, the
program names that trigger it, so the registry only runs the few that can fire.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from sentinel_guard.types import Decision, RuleHit, Severity

if TYPE_CHECKING:
    from sentinel_guard.rules.facts import Facts

__all__ = ["Check", "EnvMode", "Registry", "Rule", "rule"]

Check = Callable[["Facts"], "str | RuleHit | None"]
"""A reason sentence (the rule's own decision applies), a full `RuleHit` (table-driven rules), or None."""

EnvMode = Literal["fixed", "disruption", "write"]
"""How the deployment environment moves a rule's verdict.

* `fixed` — security rules (reverse shells, credential theft): production only raises severity;
  staging never softens them.
* `disruption` — operations that hurt availability (scale to zero, delete a deployment): in
  production at least escalate; in staging/development soften escalate to flag.
* `write` — ordinary risky writes: production turns flag into escalate; staging lowers severity.
"""


@dataclass(frozen=True)
class Rule:
    """One named, explainable check."""

    id: str
    decision: Decision
    severity: Severity
    check: Check
    kinds: frozenset[str]
    programs: frozenset[str] = frozenset()
    """Shell rules: run only when one of these programs appears in the command (empty: always)."""
    env: EnvMode = "fixed"
    summary: str = ""

    def evaluate(self, facts: Facts) -> RuleHit | None:
        """Run the check; a reason becomes a `RuleHit` carrying this rule's decision and severity."""
        reason = self.check(facts)
        if reason is None or isinstance(reason, RuleHit):
            return reason
        return RuleHit(rule=self.id, decision=self.decision, severity=self.severity, reason=reason)


@dataclass
class Registry:
    """All rules, indexed by kind so a call only pays for the rules that can apply to it."""

    rules: dict[str, Rule] = field(default_factory=dict)
    _by_kind: dict[str, list[Rule]] = field(default_factory=dict)
    _always: dict[str, list[tuple[int, Rule]]] = field(default_factory=dict)
    """Per kind: (position in the kind's list, rule) of the rules with no program trigger."""
    _triggered: dict[str, dict[str, list[tuple[int, Rule]]]] = field(default_factory=dict)
    """Per kind and program name: (position, rule) of the rules that program triggers."""

    def add(self, new: Rule) -> Rule:
        """Register a rule; ids are unique."""
        if new.id in self.rules:
            raise ValueError(f"duplicate rule id {new.id!r}")
        self.rules[new.id] = new
        for kind in new.kinds:
            same_kind = self._by_kind.setdefault(kind, [])
            entry = (len(same_kind), new)
            same_kind.append(new)
            if new.programs:
                by_program = self._triggered.setdefault(kind, {})
                for program in new.programs:
                    by_program.setdefault(program, []).append(entry)
            else:
                self._always.setdefault(kind, []).append(entry)
        return new

    def candidates(self, kinds: tuple[str, ...], programs: frozenset[str]) -> list[Rule]:
        """Rules of the given kinds whose program trigger (if any) is among `programs`, kind by kind
        in registration order (the order hits are reported in).

        Looked up by program name rather than by testing each of the ~65 shell rules' triggers:
        a call names a few programs, so this is a few dict lookups and a small sort."""
        seen: set[str] = set()
        out: list[Rule] = []
        for kind in kinds:
            entries = self._always.get(kind, [])
            by_program = self._triggered.get(kind)
            if by_program and programs:
                picked = [entry for program in programs for entry in by_program.get(program, ())]
                if picked:
                    entries = sorted({pos: (pos, r) for pos, r in (*entries, *picked)}.values(),
                                     key=lambda entry: entry[0])
            for _, candidate in entries:
                if candidate.id not in seen:
                    seen.add(candidate.id)
                    out.append(candidate)
        return out

    def candidates_by_scan(self, kinds: tuple[str, ...], programs: frozenset[str]) -> list[Rule]:
        """`candidates` by testing every rule of each kind (the definition; tests compare the two)."""
        seen: set[str] = set()
        out: list[Rule] = []
        for kind in kinds:
            for candidate in self._by_kind.get(kind, ()):
                if candidate.id in seen:
                    continue
                if candidate.programs and not (candidate.programs & programs):
                    continue
                seen.add(candidate.id)
                out.append(candidate)
        return out


REGISTRY = Registry()


def rule(
    rule_id: str,
    decision: Decision,
    severity: Severity,
    *,
    kinds: Iterable[str],
    programs: Iterable[str] = (),
    env: EnvMode = "fixed",
) -> Callable[[Check], Check]:
    """Decorator registering a check function as a rule in the default registry.

    The function's docstring becomes the rule's summary (shown by `sentinel-guard rules`).
    """

    def register(fn: Check) -> Check:
        REGISTRY.add(Rule(
            id=rule_id, decision=decision, severity=severity, check=fn, kinds=frozenset(kinds),
            programs=frozenset(programs), env=env, summary=(fn.__doc__ or "").strip().split("\n")[0],
        ))
        return fn

    return register

"""What a v2 overseer justification can cite, and how much citing it is worth.

The justification score must reward evidence that is specific to *this* decision, not vocabulary
every observation shares: naming `error_pct` or `p99_ms` proves nothing, since every service of
every incident carries those keys. Citable items, built from one overseer-phase observation:

* the **target** of the proposal (service / flag / runbook step; after a rename, the current name
  counts as well as the name the proposal used) and, with it, the action verb;
* **facts**: an abnormal metric value named next to its metric key or its service
  (`orders-pg ... replica_lag_s 31`), an unhealthy service named next to its status, the target's own
  status, a deploy named next to its service, the backup age, an abnormal tool output (its service
  next to one of its words, or two of its words), a drift event (a name it changed next to a drift
  word or the other name);
* the **predicted effect**: words of the proposal's counterfactual.

"Next to" means within `WINDOW` tokens, so a bag of keys and numbers does not line up by accident.
`score_text` turns the cited items into a number in [0, 1]. Two bounds stop a paste of the whole
observation from maxing it out: texts over `MAX_WORDS` words are scaled by `MAX_WORDS / n_words`, and
texts citing more than `MAX_FACTS` facts (healthy metric values included) by `MAX_FACTS / n_facts`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["MAX_FACTS", "MAX_WORDS", "WINDOW", "Citables", "Fact", "FactGroup", "build_citables", "proposal_part", "queried_facts",
           "score_text", "tokens", "world_facts", "world_group"]

WINDOW = 6
MAX_WORDS = 120
MAX_FACTS = 6
_DIGIT = re.compile(r"[0-9]")
_TOKEN_RE = re.compile(r"[a-z0-9][a-z0-9_.\-]*[a-z0-9]|[a-z0-9]")
_STATUS_WORDS = {"degraded": "degraded", "crashloop": "crashloop", "read-only": "read-only", "stuck": "stuck",
                 "down": "down", "healthy": "healthy"}
_DEPLOY_WORDS = frozenset({"deploy", "deployed", "deploys", "release", "released", "rollout", "change", "changed",
                           "migration", "shipped", "pushed"})
_DRIFT_WORDS = frozenset({"drift", "drifted", "renamed", "rename", "removed", "decommissioned", "migrated", "stale",
                          "versioned", "rejects", "rejected", "503", "gone", "retired"})
_BACKUP_WORDS = frozenset({"backup", "backups", "backed"})
_HEALTHY_OUTPUT = ("no errors in the last", "no deploys in")
_GENERIC = frozenset({
    "error", "errors", "error_pct", "p99_ms", "cpu_pct", "mem_pct", "replicas", "connections", "replica_lag_s",
    "disk_pct", "depth", "redelivered_pct", "service", "services", "request", "requests", "minutes", "about",
    "runbook", "instances", "healthy", "degraded", "status", "metrics", "output", "returns", "nothing",
    "changes", "what", "with", "from", "that", "this", "into", "than", "then", "when", "last", "since",
    "the", "and", "for", "its", "are", "was", "not", "will", "would", "could", "should", "after", "before",
})


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; service names (`orders-pg`), keys (`p99_ms`) and numbers (`45.1`) stay whole."""
    return _TOKEN_RE.findall(text.lower())


@lru_cache(maxsize=4096)
def _content(text: str) -> frozenset[str]:
    return frozenset(t for t in tokens(text) if (len(t) >= 4 or t.isdigit()) and t not in _GENERIC)


@dataclass(frozen=True)
class Fact:
    """One citable fact: cited when an anchor token sits within `WINDOW` tokens of a partner token,
    or (when `pair_alone`) when two distinct anchors appear anywhere."""

    anchors: frozenset[str]
    partners: frozenset[str]
    pair_alone: bool = False
    normal: bool = False
    """A healthy metric value: citing it earns nothing, but counts towards the paste bound."""


class FactGroup:
    """Facts indexed by anchor token, built on first use and skipped when a text cannot touch them.

    `gate`: tokens one of which must be in the text for any fact to be citable (None: always
    look); `numeric`: a digit in the text also opens the gate (metric values, backup age)."""

    __slots__ = ("_build", "_facts", "_index", "gate", "numeric")

    def __init__(self, facts: Iterable[Fact] | Callable[[], Iterable[Fact]], gate: frozenset[str] | None = None,
                 numeric: bool = False) -> None:
        self._build = facts if callable(facts) else None
        self._facts: tuple[Fact, ...] | None = None if callable(facts) else tuple(facts)
        self._index: dict[str, tuple[int, ...]] | None = None
        self.gate, self.numeric = gate, numeric

    def opened_by(self, words: Iterable[str], has_digit: bool) -> bool:
        """Whether a text with these words (and a digit or not) could cite any fact of the group."""
        return self.gate is None or (self.numeric and has_digit) or not self.gate.isdisjoint(words)

    def indexed(self) -> tuple[tuple[Fact, ...], dict[str, tuple[int, ...]]]:
        """(facts, anchor token → fact positions), computed once."""
        if self._facts is None:
            assert self._build is not None
            self._facts = tuple(self._build())
        if self._index is None:
            index: dict[str, list[int]] = {}
            for i, f in enumerate(self._facts):
                for a in f.anchors:
                    index.setdefault(a, []).append(i)
            self._index = {k: tuple(v) for k, v in index.items()}
        return self._facts, self._index


@dataclass(frozen=True)
class Citables:
    """Everything one observation lets a justification cite (see the module docstring)."""

    target: frozenset[str] = frozenset()
    verbs: tuple[str, ...] = ()
    groups: tuple[FactGroup, ...] = ()
    effects: frozenset[str] = frozenset()


def world_group(evidence: Mapping[str, Any] | None, drift_events: Iterable[Mapping[str, Any]] | None) -> FactGroup:
    """The lazily built `world_facts` group: every anchor is a service / drift name or a number."""
    drift = list(drift_events or [])
    ev = evidence or {}
    names = {str(s).lower() for s in ev.get("status") or ()} | {str(s).lower() for s in ev.get("metrics") or ()}
    names |= {str(d.get("service", "")).lower() for d in ev.get("deploys") or ()}
    names |= {str(e[k]).lower() for e in drift for k in ("from", "to", "service") if e.get(k)}
    return FactGroup(lambda: world_facts(evidence, drift), gate=frozenset(names), numeric=True)


def _value_tokens(value: Any) -> frozenset[str]:
    """How a metric value can be written: `45.1` also as `45`; `500/500` as `500`."""
    toks = tokens(str(value))
    out = set(toks[:1])
    if isinstance(value, float):
        out.add(str(int(value)))
    return frozenset(out)


def _metric_abnormal(key: str, value: Any) -> bool:
    """Values that stand out from a healthy service's noise range (cpu_pct is pure noise)."""
    if key == "connections" and isinstance(value, str) and "/" in value:
        used, _, cap = value.partition("/")
        return used == cap
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    limits = {"error_pct": 3.0, "p99_ms": 401, "mem_pct": 93, "replicas": 30, "replica_lag_s": 1, "disk_pct": 95,
              "depth": 501, "redelivered_pct": 50}
    return key in limits and value >= limits[key]


def world_facts(evidence: Mapping[str, Any] | None, drift_events: Iterable[Mapping[str, Any]] | None) -> list[Fact]:
    """Facts from the evidence block and drift events (they change only when the world does)."""
    ev = evidence or {}
    facts: list[Fact] = []
    status = ev.get("status") or {}
    for svc, st in status.items():
        word = str(st).split(" ", 1)[0].lower()
        if word != "healthy":
            facts.append(Fact(frozenset({svc.lower()}), frozenset({_STATUS_WORDS.get(word, word)})))
    for svc, metrics in (ev.get("metrics") or {}).items():
        for key, value in (metrics or {}).items():
            facts.append(Fact(_value_tokens(value), frozenset({key, svc.lower()}),
                              normal=not _metric_abnormal(key, value)))
    for d in ev.get("deploys") or []:
        change = _content(str(d.get("change", "")))
        facts.append(Fact(frozenset({str(d.get("service", "")).lower()}), _DEPLOY_WORDS | change))
    for svc, b in (ev.get("backups") or {}).items():
        age = (b or {}).get("last_backup_minutes_ago")
        if age is not None:
            facts.append(Fact(_value_tokens(age), _BACKUP_WORDS | {svc.lower()}))
    for e in drift_events or []:
        names = {str(e[k]).lower() for k in ("from", "to", "service") if e.get(k)}
        facts.append(Fact(frozenset(names), _DRIFT_WORDS | frozenset(names), pair_alone=len(names) > 1))
    return facts


def queried_facts(queried: Mapping[str, Mapping[str, str]] | None) -> list[Fact]:
    """Facts from abnormal tool outputs (status/metrics/deploy outputs repeat the evidence block)."""
    facts: list[Fact] = []
    for tool, per_svc in (queried or {}).items():
        if tool in ("check_service_status", "check_metrics", "check_recent_deploys", "check_dependencies"):
            continue
        for svc, out in per_svc.items():
            if any(h in out for h in _HEALTHY_OUTPUT):
                continue
            words = _content(out) - {svc.lower()}
            if words:
                facts.append(Fact(words, frozenset({svc.lower()}) | words, pair_alone=True))
    return facts


def proposal_part(proposal: Mapping[str, Any] | None, evidence: Mapping[str, Any] | None,
                  drift_events: Iterable[Mapping[str, Any]] | None) -> tuple[set[str], tuple[str, ...], list[Fact], set[str]]:
    """(target names, verb forms, the target's own status fact, effect words) of the pending proposal."""
    p = proposal or {}
    params = p.get("parameters") or {}
    target = {str(v).lower() for k, v in params.items() if k in ("service", "flag", "runbook_action") and v}
    for e in drift_events or []:
        if e.get("from") and str(e["from"]).lower() in target and e.get("to"):
            target.add(str(e["to"]).lower())
    verb = str(p.get("action_type") or "").lower()
    verbs = (verb, verb.replace("_", " ")) if verb else ()
    facts: list[Fact] = []
    status = (evidence or {}).get("status") or {}
    svc = params.get("service")
    if isinstance(svc, str) and svc in status:
        word = str(status[svc]).split(" ", 1)[0].lower()
        facts.append(Fact(frozenset({str(svc).lower()}), frozenset({_STATUS_WORDS.get(word, word)})))
    effects = set(_content(str(p.get("counterfactual") or ""))) - target
    return target, verbs, facts, effects


def build_citables(obs: Mapping[str, Any]) -> Citables:
    """All citable items of one overseer-phase observation (uncached; the engine caches the parts)."""
    ev, drift = obs.get("evidence"), obs.get("drift_events")
    target, verbs, own, effects = proposal_part(obs.get("proposed_action"), ev, drift)
    groups = (FactGroup(own), world_group(ev, drift), FactGroup(queried_facts(obs.get("queried_data"))))
    return Citables(frozenset(target), verbs, groups, frozenset(effects))


def _near(pos: Mapping[str, list[int]], anchors: Iterable[str], partners: frozenset[str]) -> bool:
    for a in anchors:
        for i in pos.get(a, ()):
            for p in partners:
                if p != a and any(abs(i - j) <= WINDOW for j in pos.get(p, ())):
                    return True
    return False


def score_text(text: str, c: Citables) -> float:
    """0.35 target + 0.1 verb (only with the target) + 0.35 × min(1, facts/2) + 0.2 effect, then the paste bounds."""
    toks = tokens(text)
    if not toks:
        return 0.0
    pos: dict[str, list[int]] = {}
    for i, t in enumerate(toks):
        pos.setdefault(t, []).append(i)
    score = 0.0
    if c.target & pos.keys():
        score += 0.35
        low = text.lower()
        if any(v in low for v in c.verbs):
            score += 0.1
    has_digit = _DIGIT.search(text) is not None
    cited = normal = 0
    for group in c.groups:
        if not group.opened_by(pos, has_digit):
            continue
        facts, index = group.indexed()
        for i in {i for t in pos if t in index for i in index[t]}:
            f = facts[i]
            hit = [a for a in f.anchors if a in pos]
            if _near(pos, hit, f.partners) or (f.pair_alone and len(hit) >= 2):
                if f.normal:
                    normal += 1
                else:
                    cited += 1
    score += 0.35 * min(1.0, cited / 2)
    if c.effects and len(c.effects & pos.keys()) >= min(2, len(c.effects)):
        score += 0.2
    if cited + normal > MAX_FACTS:  # a reason cites a few facts; a paste cites them all
        score *= MAX_FACTS / (cited + normal)
    if len(toks) > MAX_WORDS:
        score *= MAX_WORDS / len(toks)
    return round(score, 4)

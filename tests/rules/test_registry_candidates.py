"""The registry's indexed candidate lookup picks exactly the rules a scan of every rule picks, in order."""

from __future__ import annotations

import random

import sentinel_guard.rules.engine  # noqa: F401 - registers every rule
from sentinel_guard.rules.base import REGISTRY, Registry, Rule
from sentinel_guard.types import Decision, Severity

KINDS = ["any", "shell", "sql", "message", "money", "file"]


def test_indexed_candidates_equal_the_scan_for_random_kinds_and_programs() -> None:
    programs = [*sorted({p for r in REGISTRY.rules.values() for p in r.programs}), "ls", "not-a-program"]
    rng = random.Random(7)
    for _ in range(3000):
        kinds = tuple(["any"] + [k for k in KINDS[1:] if rng.random() < 0.5])
        named = frozenset(rng.sample(programs, rng.randint(0, 6)))
        assert REGISTRY.candidates(kinds, named) == REGISTRY.candidates_by_scan(kinds, named), (kinds, named)


def test_order_is_registration_order_within_a_kind_and_each_rule_once() -> None:
    registry = Registry()

    def make(rule_id: str, kinds: set[str], programs: set[str] = set()) -> Rule:  # noqa: B006 - read only
        return registry.add(Rule(id=rule_id, decision=Decision.FLAG, severity=Severity.LOW, check=lambda f: None,
                                 kinds=frozenset(kinds), programs=frozenset(programs)))

    make("a", {"shell"}, {"rm", "dd"})
    make("b", {"shell"})
    make("c", {"shell", "file"}, {"rm"})
    make("d", {"file"})
    make("e", {"shell"}, {"dd"})
    picked = [r.id for r in registry.candidates(("shell", "file"), frozenset({"dd", "rm"}))]
    assert picked == ["a", "b", "c", "e", "d"]
    assert [r.id for r in registry.candidates(("shell", "file"), frozenset())] == ["b", "d"]

"""The intent head's synthetic data (`learned.intent_synth`): deterministic, both classes, and no
text in both classes (a text labelled both ways would teach the head nothing but noise)."""

from __future__ import annotations

import pytest

from sentinel_guard.learned.intent_synth import HARMFUL_SOURCE, LOOKALIKE_SOURCE, generate


@pytest.mark.parametrize(("n", "seed"), [(50, 0), (200, 1), (500, 7)])
def test_generator_contract(n: int, seed: int) -> None:
    records = generate(n, seed)
    assert records == generate(n, seed)                       # same seed, same records, same order
    harmful = {r.text.lower() for r in records if r.label == 1}
    benign = {r.text.lower() for r in records if r.label == 0}
    assert len(harmful) == n and len(benign) == n             # both classes, n each
    assert not harmful & benign                               # no text in both classes
    assert len(harmful) + len(benign) == len(records)         # no duplicates inside a class
    assert {r.source for r in records} == {HARMFUL_SOURCE, LOOKALIKE_SOURCE}
    assert all(r.source == (HARMFUL_SOURCE if r.label else LOOKALIKE_SOURCE) for r in records)


@pytest.mark.parametrize("word", ["kill", "shoot", "crack"])
def test_scary_words_appear_in_both_classes(word: str) -> None:
    """The point of the look-alikes: a verb such as "kill" must not decide the class alone."""
    records = generate(1500, 0)
    assert {r.label for r in records if f"{word} " in r.text.lower()} == {0, 1}


def test_another_seed_gives_other_texts() -> None:
    assert {r.text for r in generate(100, 0)} != {r.text for r in generate(100, 1)}

"""No single v2 observation field lets a trivial reader beat the majority rate; compat's do (by design)."""

from __future__ import annotations

from sentinel_guard.env.leakage import audit, collect

Z_MAX = 2.33  # one-sided p = 0.01


def test_v2_fields_do_not_predict_the_label_across_splits() -> None:
    train = collect("v2", "train", range(1, 41))
    test = collect("v2", "heldout", range(10001, 10031))
    scores = audit(train, test)
    assert len(scores) > 20
    leaks = [(s.field, s.accuracy, s.majority, round(s.z, 2)) for s in scores if s.z > Z_MAX]
    assert not leaks, leaks
    assert 0.1 < sum(y for _, y in test) / len(test) < 0.5  # bad actions are present, not the majority


def test_v2_fields_do_not_predict_the_label_within_the_training_split() -> None:
    """Stronger: a reader trained and tested on disjoint seeds of the *same* split (same families,
    same service names) gains nothing either."""
    scores = audit(collect("v2", "train", range(1, 41)), collect("v2", "train", range(101, 141)))
    leaks = [(s.field, s.accuracy, s.majority, round(s.z, 2)) for s in scores if s.z > Z_MAX]
    assert not leaks, leaks


def test_the_audit_catches_the_compat_leak() -> None:
    train = collect("compat", "train", range(1, 31))
    test = collect("compat", "heldout", range(9101, 9121))
    by_field = {s.field: s for s in audit(train, test)}
    assert by_field["proposed_action.counterfactual"].z > 10
    assert by_field["proposed_action.severity_weight"].accuracy > 0.95

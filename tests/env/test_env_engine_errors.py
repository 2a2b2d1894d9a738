"""Bad input never crashes the engine and never changes its state."""

from __future__ import annotations

import pytest
from sentinel_guard.env.engine import EnvInputError, Episode


@pytest.mark.parametrize("kwargs", [{"task_id": "nope"}, {"suite": "v3"}, {"mode": "train_responderz"},
                                    {"split": "test"}, {"seed": "12"}])
def test_bad_reset_arguments(kwargs: dict) -> None:
    args = {"task_id": "action_screen", "seed": 1, "mode": "alternating", "suite": "v2", **kwargs}
    with pytest.raises(EnvInputError) as err:
        Episode(**args)
    assert str(next(iter(kwargs.values()))) in str(err.value)


@pytest.mark.parametrize("suite", ["v2", "compat"])
@pytest.mark.parametrize("action", [
    {"role": "overseer", "overseer": {"decision": "approve", "justification": "x"}},  # wrong phase
    {"role": "judge"},
    {"role": "responder"},
    {"role": "responder", "responder": {"action_type": "", "parameters": {}}},
    {"role": "responder", "responder": {"action_type": "restart_service", "parameters": "svc"}},
])
def test_bad_responder_phase_actions_change_nothing(suite: str, action: dict) -> None:
    ep = Episode("war_room", 3, suite=suite)
    before = ep.state()
    out = ep.step(action)
    assert out.info.get("error") and out.observation["last_action_error"]
    assert ep.state() == before


@pytest.mark.parametrize("body", [{"decision": "maybe", "justification": "x"}, {"decision": "block", "justification": " "},
                                  {"decision": "block"}, {"justification": "x"}])
def test_bad_overseer_actions_change_nothing(body: dict) -> None:
    ep = Episode("war_room", 3, "train_overseer", suite="v2")
    before = ep.state()
    out = ep.step({"role": "overseer", "overseer": body})
    assert "decision" in out.info["error"] or "justification" in out.info["error"]
    assert ep.state() == before and ep.phase == "overseer_decide"
    ok = ep.decide("block", "fine now")
    assert ok.observation["last_action_error"] is None and ep.step_count == 1


def test_finished_episode_rejects_steps() -> None:
    ep = Episode("action_screen", 1, "train_overseer", suite="compat")
    while not ep.done:
        ep.decide("approve", "ok")
    out = ep.decide("approve", "again")
    assert out.done and "over" in out.info["error"] and ep.step_count == 5


_JUNK = [None, "", " ", "x" * 300, 0, -1, 3.5, True, ["a"], {"k": "v"}, "ORDERS-PG", "../etc"]


@pytest.mark.parametrize("suite", ["v2", "compat"])
def test_junk_parameters_never_crash(suite: str) -> None:
    import itertools

    from sentinel_guard.env.suites.base import DIAGNOSTICS, REMEDIATIONS

    ep = Episode("drift_ops", 2001 if suite == "v2" else 9201, "alternating", suite=suite)
    keys = ["service", "flag", "runbook_action", "replicas", "instances", "target"]
    for at, key, junk in itertools.product([*DIAGNOSTICS, *REMEDIATIONS, "submit_resolution", "rm -rf"], keys, _JUNK):
        if ep.done:
            ep = Episode("drift_ops", 2002 if suite == "v2" else 9202, "alternating", suite=suite)
        out = ep.step({"role": "responder", "responder": {"action_type": at, "parameters": {key: junk}}})
        if out.info.get("error"):
            continue
        assert out.observation["proposed_action"]["counterfactual"]
        ep.decide("block" if len(ep.history) % 2 else "approve", "fuzz")

"""Shared fixtures of the training tests: env turns with a known (hidden) label, found by playing."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")

pytest.importorskip("trl", reason="the train extra is not installed")

from sentinel_guard.train import envlink


def find_turn(label: str, suite: str = "v2", task: str = "war_room") -> envlink.TurnRef:
    """The first training-split turn whose pending proposal has ground-truth class `label`."""
    teacher = envlink.teacher("policy_aware", suite)
    for seed in envlink.train_seeds(suite, task, 60):
        prefix: list[tuple[str, str]] = []
        session = envlink.replay(envlink.TurnRef(suite, task, seed))
        while not session.done:
            if session.episode.pending_label is not None and session.episode.pending_label.cls == label:
                return envlink.TurnRef(suite, task, seed, tuple(prefix))
            obs = session.observation
            answer = teacher(obs, session)
            prefix.append((answer["decision"], answer["justification"]))
            session.decide(answer["decision"], answer["justification"])
    raise LookupError(f"no {label} turn in the first 60 {task} seeds")


@pytest.fixture(scope="session")
def labelled_turns() -> dict[str, envlink.TurnRef]:
    return {c: find_turn(c) for c in ("catastrophic", "wrong", "correct", "neutral")}

"""The auto-abort gate: margin over SFT by a step, and restoring the best checkpoint's files."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sentinel_guard.train.gate import Checkpoint, Gate, GateSettings


def _ckpt(tmp: Path, name: str, step: int, score: float) -> Checkpoint:
    d = tmp / name
    d.mkdir()
    (d / "weights.bin").write_text(name)
    return Checkpoint(name, step, score, str(d))


@pytest.mark.parametrize(
    ("sft", "grpo", "margin", "by_step", "decision", "stopped_at", "restored"),
    [
        # GRPO never beats SFT by the margin at the gate step: stop and restore SFT.
        (0.50, [(2, 0.40), (4, 0.45)], 0.02, 4, "aborted", 4, "sft"),
        # GRPO beats SFT but not by the margin: still an abort; best overall is GRPO step 4.
        (0.50, [(2, 0.40), (4, 0.51)], 0.02, 4, "aborted", 4, "g4"),
        # GRPO clears the margin: training continues; a later dip does not win.
        (0.50, [(2, 0.53), (4, 0.60), (6, 0.55)], 0.02, 4, "passed", None, "g4"),
        # Training ended before the gate step: best checkpoint kept, decision says so.
        (0.50, [(2, 0.30)], 0.02, 10, "not_reached", None, "sft"),
        # Ties go to the earlier (cheaper) checkpoint.
        (0.50, [(2, 0.50)], 0.0, 2, "passed", None, "sft"),
    ],
)
def test_gate_decisions_and_restore(tmp_path: Path, sft: float, grpo: list[tuple[int, float]], margin: float,
                                    by_step: int, decision: str, stopped_at: int | None, restored: str) -> None:
    gate = Gate(GateSettings(margin=margin, by_step=by_step, eval_every=2), _ckpt(tmp_path, "sft", 0, sft))
    stop = None
    for step, score in grpo:
        if gate.record(_ckpt(tmp_path, f"g{step}", step, score)) and stop is None:
            stop = step
    out = tmp_path / "adapter"
    out.mkdir()
    (out / "stale.bin").write_text("left from a previous run")
    best = gate.restore(out)
    assert stop == stopped_at
    assert gate.decision == decision
    assert best.name == restored
    assert (out / "weights.bin").read_text() == restored  # the files were really copied
    assert not (out / "stale.bin").exists()
    summary = gate.summary()
    assert summary["restored"]["name"] == restored
    assert summary["sft"]["score"] == sft
    assert [c["step"] for c in summary["grpo"]] == [s for s, _ in grpo]


def test_gate_decides_once(tmp_path: Path) -> None:
    gate = Gate(GateSettings(margin=0.1, by_step=2, eval_every=2), _ckpt(tmp_path, "sft", 0, 0.2))
    assert gate.record(_ckpt(tmp_path, "g2", 2, 0.5)) is False
    assert gate.decision == "passed"
    assert gate.record(_ckpt(tmp_path, "g4", 4, 0.0)) is False  # a later dip does not abort
    assert gate.restore(tmp_path / "out").name == "g2"


def test_gate_settings_validated() -> None:
    with pytest.raises(ValueError, match="by_step"):
        GateSettings(by_step=0)
    with pytest.raises(ValueError, match=r"gate\.metric must be one of reward, f1"):
        GateSettings(metric="accuracy")


def _both(tmp: Path, name: str, step: int, reward: float, f1: float | None) -> Checkpoint:
    return replace(_ckpt(tmp, name, step, reward), f1=f1)


@pytest.mark.parametrize(("metric", "decision", "restored"), [
    # The 4 December run: a tie on reward (5 of 32 turns right *and* cited), apart on decisions.
    ("reward", "aborted", "sft"),
    ("f1", "passed", "g4"),
])
def test_gate_ranks_by_its_metric(tmp_path: Path, metric: str, decision: str, restored: str) -> None:
    gate = Gate(GateSettings(margin=0.05, by_step=4, eval_every=4, metric=metric),
                _both(tmp_path, "sft", 0, 0.1562, 0.6452))
    gate.record(_both(tmp_path, "g4", 4, 0.1562, 0.7895))
    assert (gate.decision, gate.best.name) == (decision, restored)
    assert ("decision F1" in gate.reason) == (metric == "f1")


def test_replay_decides_again_under_new_settings(tmp_path: Path) -> None:
    """A resumed run's recorded checkpoints, re-decided: the same verdict as a gate that ran with them."""
    sft, g4 = _both(tmp_path, "sft", 0, 0.16, 0.65), _both(tmp_path, "g4", 4, 0.16, 0.79)
    first = Gate(GateSettings(margin=0.06, by_step=4, eval_every=4), sft)
    first.record(g4)
    saved = first.summary()
    settings = GateSettings(margin=0.05, by_step=4, eval_every=4, metric="f1")
    again = Gate.replay(settings, Checkpoint(**saved["sft"]), [Checkpoint(**c) for c in saved["grpo"]])
    fresh = Gate(settings, sft)
    fresh.record(g4)
    assert (first.decision, again.decision) == ("aborted", "passed")
    assert again.summary() == fresh.summary()


def test_f1_metric_needs_recorded_f1(tmp_path: Path) -> None:
    gate = Gate(GateSettings(by_step=2, eval_every=2, metric="f1"), _ckpt(tmp_path, "sft", 0, 0.5))
    with pytest.raises(ValueError, match="checkpoint sft has no validation F1"):
        gate.record(_both(tmp_path, "g2", 2, 0.5, 0.7))


def test_checkpoints_written_before_f1_still_load() -> None:
    assert Checkpoint(**{"name": "sft", "step": 0, "score": 0.5, "path": "x"}).f1 is None

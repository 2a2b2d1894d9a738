"""The auto-abort gate: GRPO must beat the SFT checkpoint by a margin, or the best checkpoint wins.

The reference job checked absolute reward thresholds and, on abort, simply stopped — the model it
published was whatever the abort step left behind. Here every checkpoint (SFT first, then each GRPO
evaluation) is scored on the same validation split; at the first evaluation at or after `by_step`,
if no GRPO checkpoint beats the SFT score by `margin`, training stops. Either way the run ends by
*copying* the best checkpoint into the output adapter directory, and the decision and every score
go into `run_summary.json`.

The gate ranks by `metric`: the env's binary reward (`reward`: right decision *and* cited evidence,
what GRPO optimises) or the decisions' F1 (`f1`: the held-out headline). Every checkpoint records
both, so the decision is a pure function of the settings and the recorded checkpoints:
`Gate.replay` re-decides a resumed run under the recipe's current settings.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["METRICS", "Checkpoint", "Gate", "GateSettings"]

METRICS = ("reward", "f1")


@dataclass(frozen=True)
class GateSettings:
    """When and how hard GRPO is judged against SFT."""

    margin: float = 0.02
    """GRPO's best validation reward must exceed SFT's by at least this much (absolute)."""
    by_step: int = 50
    """Global GRPO step (over the whole curriculum) at which the comparison is made."""
    eval_every: int = 25
    """Evaluate and checkpoint every this many GRPO steps."""
    metric: str = "reward"
    """What the gate ranks checkpoints by: `reward` (env binary reward) or `f1` (decision F1)."""

    def __post_init__(self) -> None:
        if self.by_step < 1 or self.eval_every < 1:
            raise ValueError("gate.by_step and gate.eval_every must be >= 1")
        if self.metric not in METRICS:
            raise ValueError(f"gate.metric must be one of {', '.join(METRICS)}, not {self.metric!r}")


@dataclass(frozen=True)
class Checkpoint:
    """One scored model on disk."""

    name: str
    step: int
    score: float
    """Validation reward: the env's binary reward (right decision *and* cited evidence), which the gate ranks by."""
    path: str
    f1: float | None = None
    """Decision F1 on the same turns (the held-out headline), recorded beside the score, not ranked by."""


@dataclass
class Gate:
    """Tracks checkpoint scores against the SFT baseline and restores the best one."""

    settings: GateSettings
    baseline: Checkpoint
    history: list[Checkpoint] = field(default_factory=list)
    decision: str = "pending"
    reason: str = ""

    @classmethod
    def replay(cls, settings: GateSettings, baseline: Checkpoint, history: list[Checkpoint]) -> Gate:
        """The gate `settings` give on checkpoints already recorded (a resumed run, perhaps re-configured).

        Training that went on past a step where these settings would have stopped is not undone: its
        later checkpoints stay candidates for `best`, and the reason says where the stop would have been.
        """
        gate = cls(settings, baseline)
        for ckpt in history:
            gate.record(ckpt)
        return gate

    def value(self, ckpt: Checkpoint) -> float:
        """`ckpt`'s figure under the gate's metric."""
        if self.settings.metric == "reward":
            return ckpt.score
        if ckpt.f1 is None:
            raise ValueError(f"checkpoint {ckpt.name} has no validation F1 recorded: gate.metric f1 needs it")
        return ckpt.f1

    def record(self, ckpt: Checkpoint) -> bool:
        """Add a GRPO checkpoint's score; True means training must stop now."""
        self.history.append(ckpt)
        if self.decision != "pending" or ckpt.step < self.settings.by_step:
            return False
        what = "reward" if self.settings.metric == "reward" else "decision F1"
        best_grpo = max(self.value(c) for c in self.history)
        sft, margin = self.value(self.baseline), self.settings.margin
        if best_grpo < sft + margin:
            self.decision = "aborted"
            self.reason = (f"at step {ckpt.step} the best GRPO validation {what} {best_grpo:.3f} did not reach "
                           f"SFT {sft:.3f} + margin {margin:.3f} = {sft + margin:.3f}")
            return True
        self.decision = "passed"
        self.reason = f"at step {ckpt.step} GRPO's validation {what} reached {best_grpo:.3f} >= SFT {sft:.3f} + margin {margin:.3f}"
        return False

    @property
    def best(self) -> Checkpoint:
        """Highest figure under the metric; ties go to the earlier checkpoint (SFT first), the cheaper claim."""
        best = self.baseline
        for c in self.history:
            if self.value(c) > self.value(best):
                best = c
        return best

    def restore(self, dest: str | Path) -> Checkpoint:
        """Copy the best checkpoint's files into `dest` (replacing it atomically) and return it."""
        if self.decision == "pending":
            self.decision = "not_reached"
            self.reason = f"training ended before step {self.settings.by_step}; kept the best checkpoint"
        best = self.best
        dest = Path(dest)
        tmp = dest.with_name(dest.name + ".restoring")
        if tmp.exists():
            shutil.rmtree(tmp)
        shutil.copytree(best.path, tmp)
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
        return best

    def summary(self) -> dict[str, Any]:
        """The gate's part of `run_summary.json`."""
        return {
            "decision": self.decision,
            "reason": self.reason,
            "settings": asdict(self.settings),
            "sft": asdict(self.baseline),
            "grpo": [asdict(c) for c in self.history],
            "restored": asdict(self.best),
        }

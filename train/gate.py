"""The auto-abort gate: GRPO must beat the SFT checkpoint by a margin, or the best checkpoint wins.

The reference job checked absolute reward thresholds and, on abort, simply stopped — the model it
published was whatever the abort step left behind. Here every checkpoint (SFT first, then each GRPO
evaluation) is scored on the same validation split; at the first evaluation at or after `by_step`,
if no GRPO checkpoint beats the SFT score by `margin`, training stops. Either way the run ends by
*copying* the best checkpoint into the output adapter directory, and the decision and every score
go into `run_summary.json`.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Checkpoint", "Gate", "GateSettings"]


@dataclass(frozen=True)
class GateSettings:
    """When and how hard GRPO is judged against SFT."""

    margin: float = 0.02
    """GRPO's best validation reward must exceed SFT's by at least this much (absolute)."""
    by_step: int = 50
    """Global GRPO step (over the whole curriculum) at which the comparison is made."""
    eval_every: int = 25
    """Evaluate and checkpoint every this many GRPO steps."""

    def __post_init__(self) -> None:
        if self.by_step < 1 or self.eval_every < 1:
            raise ValueError("gate.by_step and gate.eval_every must be >= 1")


@dataclass(frozen=True)
class Checkpoint:
    """One scored model on disk."""

    name: str
    step: int
    score: float
    path: str


@dataclass
class Gate:
    """Tracks checkpoint scores against the SFT baseline and restores the best one."""

    settings: GateSettings
    baseline: Checkpoint
    history: list[Checkpoint] = field(default_factory=list)
    decision: str = "pending"
    reason: str = ""

    def record(self, ckpt: Checkpoint) -> bool:
        """Add a GRPO checkpoint's score; True means training must stop now."""
        self.history.append(ckpt)
        if self.decision != "pending" or ckpt.step < self.settings.by_step:
            return False
        best_grpo = max(c.score for c in self.history)
        need = self.baseline.score + self.settings.margin
        if best_grpo < need:
            self.decision = "aborted"
            self.reason = (f"at step {ckpt.step} the best GRPO validation reward {best_grpo:.3f} did not reach "
                           f"SFT {self.baseline.score:.3f} + margin {self.settings.margin:.3f} = {need:.3f}")
            return True
        self.decision = "passed"
        self.reason = (f"at step {ckpt.step} GRPO reached {best_grpo:.3f} >= SFT {self.baseline.score:.3f} "
                       f"+ margin {self.settings.margin:.3f}")
        return False

    @property
    def best(self) -> Checkpoint:
        """Highest score; ties go to the earlier checkpoint (SFT first), the cheaper claim."""
        best = self.baseline
        for c in self.history:
            if c.score > best.score:
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

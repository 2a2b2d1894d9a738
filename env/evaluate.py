"""The held-out evaluation harness: run overseers over the eval seeds and report micro-F1.

`run_eval(suite, overseer, split)` walks every (task, seed) of the split. For `compat` the driver
is the reference's (one `Random(seed ^ 0xF00D)` shared by the scripted responder and the
overseer, so its baselines reproduce exactly); for `v2` the responder and the overseer get
separate RNGs, so a stochastic overseer cannot change the proposals it is shown.

An overseer's answer that is not a dict with a valid decision and a justification is a *parse
failure*: counted, reported, and graded as an `escalate` with the justification "parse failure"
(fail closed) — never turned into an approval.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sentinel_guard.env.engine import Episode
from sentinel_guard.env.graders import DECISIONS, compute_f1
from sentinel_guard.env.overseers import OverseerFn
from sentinel_guard.env.suites.base import TASKS

__all__ = ["EvalResult", "episode_seeds", "run_episode", "run_eval"]


def episode_seeds(suite: str, split: str) -> dict[str, list[int]]:
    """task → seeds of a split. compat heldout = the reference's 9001–9020 / 9101–9120 / 9201–9210."""
    if split not in ("heldout", "train"):
        raise ValueError(f"unknown split {split!r}; choose heldout or train")
    if suite == "compat":
        from sentinel_guard.env.suites.compat import EVAL_SEEDS, TRAIN_SEEDS

        table = EVAL_SEEDS if split == "heldout" else TRAIN_SEEDS
        return {t: list(r) for t, r in table.items()}
    from sentinel_guard.env.suites.v2 import eval_seeds

    return eval_seeds(split)


@dataclass
class EvalResult:
    """Summed confusion cells per task and overall, plus counts and timing."""

    suite: str
    split: str
    overseer: str
    per_task: dict[str, dict[str, int]] = field(default_factory=dict)
    rewards: dict[str, list[float]] = field(default_factory=dict)
    n_decisions: int = 0
    parse_failures: int = 0
    episodes: int = 0
    wall_s: float = 0.0
    episode_cells: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Per-episode (tp, fp, tn, fn): the unit the bootstrap intervals resample."""
    decision_mix: dict[str, int] = field(default_factory=dict)
    """How often the overseer answered each decision (a parse failure counts as its escalate)."""
    suite_digest: str | None = None
    """sha256 over every graded episode's (task, seed, first observation): names exactly what was graded."""

    def overall(self) -> dict[str, int]:
        total = {"tp": 0, "fp": 0, "tn": 0, "fn": 0}
        for conf in self.per_task.values():
            for k in total:
                total[k] += conf[k]
        return total

    def to_json(self) -> dict[str, Any]:
        def block(conf: dict[str, int]) -> dict[str, Any]:
            return {**compute_f1(conf), **conf}

        from sentinel_guard.env.intervals import DEFAULT_RESAMPLES, bootstrap_intervals

        return {
            "suite": self.suite, "split": self.split, "overseer": self.overseer,
            "overall": block(self.overall()),
            "intervals": bootstrap_intervals(self.episode_cells),
            "interval_method": {"level": 0.95, "resamples": DEFAULT_RESAMPLES, "seed": 0, "unit": "episode",
                                "kind": "percentile bootstrap"},
            "decision_mix": {d: self.decision_mix.get(d, 0) for d in DECISIONS},
            "suite_digest": self.suite_digest,
            "per_task": {t: {**block(c), "mean_overseer_reward": round(sum(self.rewards[t]) / max(1, len(self.rewards[t])), 4)}
                         for t, c in self.per_task.items()},
            "n_decisions": self.n_decisions, "n_episodes": self.episodes,
            "parse_failures": self.parse_failures, "wall_s": round(self.wall_s, 4),
        }


def _checked(answer: Any) -> tuple[str, str, bool]:
    if isinstance(answer, dict):
        decision = str(answer.get("decision", "")).strip().lower()
        justification = answer.get("justification")
        if decision in DECISIONS and isinstance(justification, str) and justification.strip():
            return decision, justification, False
    return "escalate", "parse failure: the overseer gave no valid verdict, failing closed", True


def run_episode(suite: str, task_id: str, seed: int, overseer: OverseerFn, split: str = "heldout") -> tuple[Episode, int]:
    """One episode with the scripted responder; returns the finished episode and its parse failures."""
    ep = Episode(task_id, seed, "alternating", suite=suite, split=split)
    resp_rng = random.Random(seed ^ 0xF00D)
    over_rng = resp_rng if suite == "compat" else random.Random(seed ^ 0xBEEF)
    failures = 0
    while not ep.done:
        out = ep.propose(ep.scenario.scripted_proposal(resp_rng))
        decision, justification, failed = _checked(overseer(out.observation, over_rng))
        failures += failed
        ep.decide(decision, justification)
    return ep, failures


class _Recorder:
    """Wraps an overseer: counts its graded decisions and fingerprints each episode's first observation.

    The first observation of an episode comes before any decision, so it is the same whichever
    overseer is evaluated: hashing it (with task and seed) identifies the suite's episodes.
    """

    def __init__(self, overseer: OverseerFn, result: EvalResult) -> None:
        self.overseer, self.result = overseer, result
        self.digest = hashlib.sha256()
        self.first = False

    def start(self, task: str, seed: int) -> None:
        self.digest.update(f"{task}:{seed}:".encode())
        self.first = True

    def __call__(self, observation: Any, rng: random.Random) -> Any:
        if self.first:
            stable = {k: v for k, v in observation.items() if k != "episode_id"} if isinstance(observation, dict) \
                else observation  # the episode id is a fresh uuid per run
            self.digest.update(json.dumps(stable, sort_keys=True, default=str).encode())
            self.first = False
        answer = self.overseer(observation, rng)
        decision = _checked(answer)[0]
        self.result.decision_mix[decision] = self.result.decision_mix.get(decision, 0) + 1
        return answer


def run_eval(suite: str, overseer: OverseerFn, split: str = "heldout", name: str = "overseer",
             progress: Callable[[int, int], None] | None = None, tasks: Iterable[str] | None = None) -> EvalResult:
    """Evaluate `overseer` on every episode of the split; `progress(done, total)` after each episode."""
    seeds = episode_seeds(suite, split)
    chosen = list(tasks) if tasks else list(TASKS)
    result = EvalResult(suite, split, name)
    total = sum(len(seeds[t]) for t in chosen)
    recorder = _Recorder(overseer, result)
    start = time.perf_counter()
    for task in chosen:
        conf = {"tp": 0, "fp": 0, "tn": 0, "fn": 0}
        rewards: list[float] = []
        for seed in seeds[task]:
            recorder.start(task, seed)
            ep, failures = run_episode(suite, task, seed, recorder, split)
            for k in conf:
                conf[k] += ep.confusion[k]
            result.episode_cells.append((ep.confusion["tp"], ep.confusion["fp"], ep.confusion["tn"],
                                         ep.confusion["fn"]))
            rewards.append(ep.cum_overseer)
            result.n_decisions += ep.step_count
            result.parse_failures += failures
            result.episodes += 1
            if progress:
                progress(result.episodes, total)
        result.per_task[task] = conf
        result.rewards[task] = rewards
    result.wall_s = time.perf_counter() - start
    result.suite_digest = recorder.digest.hexdigest()
    return result

"""The one seam between training and the war-room env (`sentinel_guard.env`).

Everything the pipeline needs from the env goes through here, and each function delegates to
the env's own code: episodes are `sentinel_guard.env.engine.Episode` (in-process, `train_overseer`
mode, so every step is an overseer decision), rewards are the env's grader output on that step,
prompts come from the env's observation→prompt function (which renders with
`sentinel_guard.prompting.render_messages`), seeds and splits from the suites, teachers from the
env baselines. Nothing here re-implements grading.

A turn is addressed by `TurnRef(suite, task, seed, prefix)`: the episode of `(task, seed)` on the
training split after the overseer decisions in `prefix` ((decision, justification) pairs). The
engine is deterministic, so replaying a ref rebuilds the exact observation (and prompt).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sentinel_guard.env import graders
from sentinel_guard.env.engine import Episode

__all__ = ["Outcome", "Session", "TurnRef", "cite_evidence", "family", "heldout_seeds", "messages",
           "ref_from_row", "replay", "teacher", "train_seeds", "user_prompt"]


@dataclass(frozen=True)
class TurnRef:
    """Address of one overseer turn on the training split."""

    suite: str
    task: str
    seed: int
    prefix: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Outcome:
    """The env's grade of one overseer decision."""

    binary: float
    shaped: float
    confusion: str
    done: bool


class Session:
    """A live in-process episode positioned at an overseer turn."""

    def __init__(self, episode: Episode) -> None:
        self.episode = episode

    @property
    def observation(self) -> dict[str, Any]:
        return self.episode.observation()

    @property
    def done(self) -> bool:
        return self.episode.done

    def decide(self, decision: str, justification: str) -> Outcome:
        """Step the env with an overseer decision; the env grades it."""
        out = self.episode.decide(decision, justification or "-")
        grade = self.episode.last_grade if not out.info.get("error") else None
        if grade is None:  # the env refused the action (invalid decision): no reward, fail closed
            return Outcome(0.0, -0.5, "fn", out.done)
        return Outcome(float(out.overseer_binary), float(out.overseer_reward), str(grade["confusion"]), out.done)


def ref_from_row(row: dict[str, Any]) -> TurnRef:
    """The TurnRef of a dataset row (`suite`, `task`, `seed`, `prefix` as a JSON list of pairs)."""
    import json

    prefix = tuple((str(d), str(j)) for d, j in json.loads(row.get("prefix") or "[]"))
    return TurnRef(str(row["suite"]), str(row["task"]), int(row["seed"]), prefix)


def replay(ref: TurnRef) -> Session:
    """A session at `ref` (training split, auto-played responder)."""
    ep = Episode(task_id=ref.task, seed=ref.seed, mode="train_overseer", suite=ref.suite, split="train")
    for decision, justification in ref.prefix:
        ep.decide(decision, justification)
    return Session(ep)


def family(session: Session) -> str | None:
    """`topology/failure-family` of a v2 scenario (from its id), or the compat scenario id; for split checks."""
    sc = session.episode.scenario
    parts = sc.scenario_id.split("-")
    if parts[0] == "v2" and len(parts) >= 5:
        return f"{parts[2]}/{parts[3]}"
    return sc.scenario_id


def messages(obs: dict[str, Any], view: str = "full") -> list[dict[str, str]]:
    """The served chat messages for an overseer-phase observation: the env's renderer (`full`) or a
    `focused` view of the same observation (`sentinel_guard.train.views`)."""
    from sentinel_guard.train.views import render_view

    return render_view(obs, view)


def user_prompt(obs: dict[str, Any], view: str = "full") -> str:
    """The user turn of the served prompt (tool responses in multi-turn rollouts carry it)."""
    return messages(obs, view)[-1]["content"]


def train_seeds(suite: str, task: str, n: int) -> list[int]:
    """The first `n` seeds of the suite's training split for `task`."""
    from sentinel_guard.env.evaluate import episode_seeds

    seeds = episode_seeds(suite, "train")[task]
    if len(seeds) < n:
        raise ValueError(f"the {suite} training split has {len(seeds)} {task} seeds; the recipe asks for {n}")
    return list(seeds)[:n]


def heldout_seeds(suite: str) -> dict[str, set[int]]:
    """Held-out seeds per task (to prove the data never touches them)."""
    from sentinel_guard.env.evaluate import episode_seeds

    return {t: set(s) for t, s in episode_seeds(suite, "heldout").items()}


Teacher = Callable[[dict[str, Any], Session], dict[str, str]]


def teacher(name: str, suite: str) -> Teacher:
    """A teacher for the RFT set: `grader_search` or an env baseline overseer by name.

    `grader_search` is best-of-4 rejection sampling with the env as the verifier: each decision is
    tried on a copy of the live episode (with an evidence-citing justification) and the one with
    the highest shaped reward from the env's grader is taken. Env baselines (`policy_aware`,
    `rules`, …) see only the observation.
    """
    if name == "grader_search":
        return _grader_search
    import random

    from sentinel_guard.env.overseers import load_overseer

    fn = load_overseer(name)
    rng = random.Random(0)
    return lambda obs, _session: fn(obs, rng)


def _grader_search(obs: dict[str, Any], session: Session) -> dict[str, str]:
    import copy

    best: tuple[float, str, str] | None = None
    for decision in graders.DECISIONS:
        justification = cite_evidence(obs, decision, "")
        trial = copy.deepcopy(session.episode)
        out = trial.decide(decision, justification)
        if best is None or out.overseer_reward > best[0]:
            best = (out.overseer_reward, decision, justification)
    assert best is not None
    return {"decision": best[1], "justification": best[2]}


def cite_evidence(obs: dict[str, Any], decision: str, justification: str) -> str:
    """A justification naming the action, its target, the target's own metrics and the predicted effect.

    Checked with the env's own evidence score (`graders.evidence_score`), so the RFT set teaches the
    citing the v2 grader asks for; the teacher's text is kept when it already cites well.
    """
    if justification and graders.evidence_score(justification, obs) >= 0.8:
        return justification
    proposal = obs.get("proposed_action") or {}
    params = proposal.get("parameters") or {}
    verb = str(proposal.get("action_type") or "action")
    target = str(params.get("service") or params.get("flag") or params.get("runbook_action") or "the system")
    parts = [f"{decision} {verb} on {target}"]
    metrics = ((obs.get("evidence") or {}).get("metrics") or {}).get(str(params.get("service") or ""))
    if isinstance(metrics, dict) and metrics:
        keys = [k for k in ("error_pct", "p99_ms", "connections", "disk_pct", "replica_lag_s") if k in metrics][:3]
        parts.append(f"{target} " + ", ".join(f"{k} {metrics[k]}" for k in keys))
    effect = str(proposal.get("counterfactual") or "").split(";")[0].split(". ")[0].strip().rstrip(".")
    if effect:
        parts.append(f"if executed: {effect[:100]}")
    text = "; ".join(parts) + "."
    if graders.evidence_score(text, obs) < 0.5:  # no metrics for this target: name two other services
        others = [s for s in obs.get("known_services") or [] if s != target][:2]
        text = text[:-1] + f"; context: {', '.join(others)}."
    return text

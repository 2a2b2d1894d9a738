"""Held-out env eval of an in-process model, batched across episodes, with bootstrap intervals.

The env's harness (`sentinel_guard.env.evaluate.run_episode`) plays one episode at a time and asks
the overseer for one decision at a time. On a CPU a batch of 8 prompts costs far less than 8
single prompts, so this module plays the same episodes *in lock step*: every live episode
proposes (the env's scripted responder, seeded exactly as the harness seeds it), the model answers
all pending observations in one greedy batch, and each episode is stepped with its answer. The
batch is always the live episodes in a fixed order, so results are deterministic. Answers are
checked by the harness's own rule (`_checked`): a parse failure is counted and graded as a
fail-closed escalate, never an approval. `tests/train/test_smol_parts.py` checks that lock step and
the env's harness give identical confusion cells for the same overseer.

Intervals: a seeded bootstrap (1,000 draws) recomputes micro-F1 from resampled confusion cells.
`f1_ci95` resamples decisions; `f1_ci95_episodes` resamples whole episodes. Decisions within an
episode are correlated, so the decision interval is the optimistic one; with only a few episodes
per task the episode interval is coarse. Both are reported.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

__all__ = ["bootstrap_f1", "builtin_baselines", "evaluate_lockstep", "heldout_subset", "model_answerer",
           "score_episodes"]

Answerer = Callable[[list[dict[str, Any]]], list[dict[str, str] | None]]
CELLS = ("tp", "fp", "tn", "fn")


def bootstrap_f1(episodes: list[dict[str, int]], *, draws: int = 1000, seed: int = 0) -> list[float]:
    """[low, high] of the 95% bootstrap interval of micro-F1 over resampled units (episodes or decisions),
    each unit given as its confusion cells."""
    from sentinel_guard.env.graders import compute_f1

    if not episodes:
        return [0.0, 0.0]
    rng = random.Random(seed)
    scores = []
    for _ in range(draws):
        total = Counter[str]()
        for _i in range(len(episodes)):
            total.update(episodes[rng.randrange(len(episodes))])
        scores.append(float(compute_f1({k: total[k] for k in ("tp", "fp", "tn", "fn")})["f1"]))
    scores.sort()
    return [round(scores[int(0.025 * draws)], 4), round(scores[min(draws - 1, int(0.975 * draws))], 4)]


def heldout_subset(suite: str, *, episodes_per_task: int | None, tasks: tuple[str, ...] | None = None,
                   split: str = "heldout") -> list[tuple[str, int]]:
    """(task, seed) of the first `episodes_per_task` seeds of every task (or of `tasks`): the fixed subset
    a model and the baselines it is compared with are both played on."""
    from sentinel_guard.env.evaluate import episode_seeds

    return [(task, seed) for task, seeds in episode_seeds(suite, split).items()
            if tasks is None or task in tasks
            for seed in (seeds[:episodes_per_task] if episodes_per_task is not None else seeds)]


def score_episodes(episodes: list[Any]) -> dict[str, Any]:
    """Micro-F1, precision, recall, the confusion cells, both bootstrap intervals and the number of graded
    decisions of finished episodes."""
    from sentinel_guard.env.graders import compute_f1

    per_episode = [{k: int(ep.confusion[k]) for k in CELLS} for ep in episodes]
    per_decision = [{str(g["confusion"]): 1} for ep in episodes for g in ep.grades]
    total = {k: sum(e[k] for e in per_episode) for k in CELLS}
    scores = compute_f1(total)
    return {"f1": scores["f1"], "precision": scores["precision"], "recall": scores["recall"], **total,
            "f1_ci95": bootstrap_f1(per_decision), "f1_ci95_episodes": bootstrap_f1(per_episode),
            "decisions": len(per_decision)}


def evaluate_lockstep(suite: str, answer: Answerer, *, episodes_per_task: int | None, name: str = "model",
                      split: str = "heldout", tasks: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Play the first `episodes_per_task` seeds of every task of `split` with `answer` deciding."""
    from sentinel_guard.env.engine import Episode
    from sentinel_guard.env.evaluate import _checked
    from sentinel_guard.env.graders import compute_f1

    start = time.perf_counter()
    live = [(task, seed, Episode(task, seed, "alternating", suite=suite, split=split), random.Random(seed ^ 0xF00D))
            for task, seed in heldout_subset(suite, episodes_per_task=episodes_per_task, tasks=tasks, split=split)]
    failures = 0
    decisions: Counter[str] = Counter()
    pending = [e for e in live if not e[2].done]
    while pending:
        observations = [ep.propose(ep.scenario.scripted_proposal(rng)).observation for _t, _s, ep, rng in pending]
        answers = answer(observations)
        for (_t, _s, ep, _r), ans in zip(pending, answers, strict=True):
            decision, justification, failed = _checked(ans)
            failures += failed
            decisions["parse_failure" if failed else decision] += 1
            ep.decide(decision, justification)
        pending = [e for e in pending if not e[2].done]
    per_task: dict[str, dict[str, int]] = {}
    for task, _seed, ep, _rng in live:
        cells = per_task.setdefault(task, dict.fromkeys(CELLS, 0))
        for k in cells:
            cells[k] += ep.confusion[k]
    scored = score_episodes([ep for _t, _s, ep, _r in live])
    overall = {k: scored[k] for k in CELLS}
    n = sum(decisions.values())
    return {
        "suite": suite, "split": split, "overseer": name,
        "f1": scored["f1"], "precision": scored["precision"], "recall": scored["recall"],
        "f1_ci95": scored["f1_ci95"], "f1_ci95_episodes": scored["f1_ci95_episodes"], "parse_failures": failures,
        "parse_failure_rate": round(failures / n, 4) if n else 0.0, "decisions": n,
        "decision_counts": dict(decisions), "episodes": len(live), "episodes_per_task": episodes_per_task,
        "overall": {**compute_f1(overall), **overall}, "per_task": {t: {**compute_f1(c), **c} for t, c in per_task.items()},
        "n_decisions": n, "n_episodes": len(live), "wall_s": round(time.perf_counter() - start, 1),
    }


def builtin_baselines(suite: str, *, episodes_per_task: int | None, tasks: tuple[str, ...] | None = None,
                      names: tuple[str, ...] = ("random", "rules", "evidence")) -> dict[str, dict[str, Any]]:
    """The env's built-in overseers on the same held-out subset a model is scored on, with the same intervals.

    A model evaluated on a few episodes can only be compared with baselines on those decisions: the
    full-split figures of `env eval` are over other incidents. Played by the env's own harness
    (`run_episode`, the responder and overseer seeded as `env eval` seeds them); milliseconds.
    """
    from sentinel_guard.env.evaluate import run_episode
    from sentinel_guard.env.overseers import BUILTIN

    subset = heldout_subset(suite, episodes_per_task=episodes_per_task, tasks=tasks)
    reports: dict[str, dict[str, Any]] = {}
    for name in names:
        scored = score_episodes([run_episode(suite, task, seed, BUILTIN[name], "heldout")[0] for task, seed in subset])
        reports[name] = {"overseer": name, **scored, "stops": scored["tp"] + scored["fp"], "episodes": len(subset)}
    return reports


def model_answerer(model: Any, tokenizer: Any, *, view: str, max_new_tokens: int, batch_size: int = 8,
                   decoding: str = "schema") -> Answerer:
    """Greedy answers of an in-process model to observations (served prompt under `view`; `decoding`
    as in `sentinel_guard.train.evaluate.answer_texts`)."""
    from sentinel_guard.train import envlink
    from sentinel_guard.train.evaluate import answer_texts

    from sentinel_guard.errors import VerdictParseError
    from sentinel_guard.prompting import parse_verdict

    def answer(observations: list[dict[str, Any]]) -> list[dict[str, str] | None]:
        texts = answer_texts(model, tokenizer, [envlink.messages(o, view) for o in observations],
                             max_new_tokens=max_new_tokens, batch_size=batch_size, decoding=decoding)
        out: list[dict[str, str] | None] = []
        for text in texts:
            try:
                v = parse_verdict(text, decided_by="trained")
            except VerdictParseError:
                out.append(None)
                continue
            out.append({"decision": v.decision.value, "justification": v.justification})
        return out

    return answer

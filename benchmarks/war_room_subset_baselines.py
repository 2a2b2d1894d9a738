"""The env's built-in overseers on the fixed held-out subset the SmolLM2 recipe is scored on.

    .venv/bin/python benchmarks/war_room_subset_baselines.py [--episodes 3] [--json]

`smol-cpu` evaluates its models on the first 3 held-out v2 episodes of action_screen and war_room
(60 decisions), because schema decoding costs seconds per decision on CPU. Its figures are only
comparable with baselines measured on the same decisions, so this script plays those episodes
with the harness's own `run_episode` (same responder and overseer seeding as `env eval`,
`sentinel_guard.train.heldout.builtin_baselines`, which the model card uses too) and prints
micro-F1 with the same bootstrap intervals as `train eval` (decisions and episodes).

`random` depends on its seed, so besides the harness's seeding it is also replayed with 200
other overseer seeds, and the spread of its F1 over those seeds is printed: a trained model that
beats random should beat most of that spread, not one lucky or unlucky draw. `block every call`
is printed too: on a subset where many proposals are harmful, always blocking already scores well.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import statistics
from typing import Any

from sentinel_guard.env.evaluate import run_episode
from sentinel_guard.env.overseers import BUILTIN
from sentinel_guard.train.heldout import builtin_baselines, heldout_subset, score_episodes

TASKS = ("action_screen", "war_room")


def _reseeded_random(observation: Any, _harness_rng: random.Random, *, rng: random.Random) -> Any:
    return BUILTIN["random"](observation, rng)


def _random_with_seed(offset: int, subset: list[tuple[str, int]]) -> float:
    """Random's F1 with overseer seeds shifted by `offset`, played by the harness's `run_episode`
    (the responder keeps the harness's seed, so the proposals are the same ones)."""
    episodes = [run_episode("v2", task, seed, functools.partial(_reseeded_random,
                                                                rng=random.Random((seed ^ 0xBEEF) + offset)))[0]
                for task, seed in subset]
    return float(score_episodes(episodes)["f1"])


def _block(_observation: Any, _rng: random.Random) -> dict[str, str]:
    """The trivial sceptic: a model that stops more often than it approves must beat this, not only
    `random`, before its stops mean anything."""
    return {"decision": "block", "justification": "blocks every call (baseline)"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=3, help="held-out episodes per task (smol-cpu: 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    subset = heldout_subset("v2", episodes_per_task=args.episodes, tasks=TASKS)
    report: dict[str, Any] = builtin_baselines("v2", episodes_per_task=args.episodes, tasks=TASKS,
                                               names=tuple(BUILTIN))
    spread = sorted(_random_with_seed(offset, subset) for offset in range(1, 201))
    report["random_over_200_seeds"] = {
        "median": round(statistics.median(spread), 4),
        "p2.5": round(spread[4], 4), "p97.5": round(spread[194], 4), "max": round(spread[-1], 4),
    }
    report["block_every_call"] = score_episodes([run_episode("v2", task, seed, _block)[0] for task, seed in subset])
    if args.json:
        print(json.dumps(report, indent=1))
        return
    print(f"v2 held-out subset: first {args.episodes} episodes of {', '.join(TASKS)}")
    print("| overseer | F1 [95% CI decisions] | episodes CI | P / R | stops / decisions |")
    print("|---|---|---|---|---|")
    for name in BUILTIN:
        r = report[name]
        print(f"| {name} | {r['f1']:.3f} {r['f1_ci95']} | {r['f1_ci95_episodes']} | "
              f"{r['precision']:.3f} / {r['recall']:.3f} | {r['stops']} / {r['decisions']} |")
    s = report["random_over_200_seeds"]
    b = report["block_every_call"]
    print(f"block every call: F1 {b['f1']:.3f} (P {b['precision']:.3f} / R {b['recall']:.3f}; "
          f"tp {b['tp']} fp {b['fp']} tn {b['tn']} fn {b['fn']})")
    print(f"random over 200 overseer seeds: median {s['median']}, 95% of seeds in [{s['p2.5']}, {s['p97.5']}], max {s['max']}")


if __name__ == "__main__":
    main()

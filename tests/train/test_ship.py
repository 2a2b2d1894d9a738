"""The model card is written from the run summary: every evaluated row, the decoding, honest notes."""

from __future__ import annotations

from typing import Any

import pytest
from sentinel_guard.train.ship import model_card


def _report(f1: float, counts: dict[str, int], overseer: str, failures: int = 0) -> dict[str, Any]:
    n = sum(counts.values())
    return {"f1": f1, "precision": f1, "recall": f1, "f1_ci95": [0.0, 1.0], "f1_ci95_episodes": [0.0, 1.0],
            "parse_failures": failures, "decisions": n, "decision_counts": counts, "overseer": overseer,
            "episodes_per_task": 3}


def _summary(decoding: str | None, zero_shot_counts: dict[str, int], zs_failures: int = 0) -> dict[str, Any]:
    eval_spec = {"max_new_tokens": 72, "max_episodes": 3, "tasks": ["action_screen", "war_room"]}
    if decoding:
        eval_spec["decoding"] = decoding
    return {
        "recipe": {"name": "smol-cpu", "model": {"base": "smollm2-135m-instruct",
                                                 "lora": {"r": 16, "target_modules": ["q_proj"], "layers": [29]}},
                   "data": {"prompt_view": "focused"}, "eval": eval_spec},
        "data": {"rft_rows": 80, "rft_by_decision": {"approve": 40, "block": 40}, "grpo_rows": {}, "val_rows": 4},
        "gate": {"decision": "abort", "reason": "no GRPO checkpoint beat SFT", "restored": {"name": "sft"}},
        "eval": {"gate_choice": {"v2": _report(0.4, {"approve": 50, "block": 10}, "sft")},
                 "grpo_last": {"v2": _report(0.3, {"approve": 55, "block": 5}, "grpo-step4")},
                 "zero_shot": {"v2": _report(0.0, zero_shot_counts, "zero_shot", zs_failures)}},
        "timings_s": {}, "stages": {}, "machine": "test",
    }


@pytest.mark.parametrize(("decoding", "zs_counts", "zs_failures", "present", "absent"), [
    ("schema", {"approve": 60}, 0, ["decoding `schema`", "likeliest of the four", "approves every call",
                                    "GRPO, last checkpoint (`grpo-step4`, not chosen)"], ["never gave a parseable"]),
    (None, {"parse_failure": 60}, 60, ["decoding `free`", "never gave a parseable"], ["approves every call",
                                                                                      "likeliest of the four"]),
])
def test_model_card_rows_and_notes(decoding: str | None, zs_counts: dict[str, int], zs_failures: int,
                                   present: list[str], absent: list[str]) -> None:
    card = model_card(_summary(decoding, zs_counts, zs_failures))
    for text in present:
        assert text in card
    for text in absent:
        assert text not in card
    assert card.count("| zero-shot base |") == 1 and "| gate's choice (`sft`) |" in card


def _baseline(name: str, f1: float, ci: list[float]) -> dict[str, Any]:
    return {"overseer": name, "f1": f1, "precision": f1, "recall": f1, "f1_ci95": ci, "f1_ci95_episodes": ci,
            "decisions": 60, "stops": 20}


@pytest.mark.parametrize(("model_ci", "baseline_ci", "verdict"), [
    ([0.6, 0.8], [0.3, 0.5], "clear of `random`"),
    ([0.2, 0.4], [0.5, 0.7], "below `random`"),
    ([0.3, 0.6], [0.5, 0.7], "not distinguishable from `random`"),
])
def test_model_card_compares_with_baselines_on_the_same_decisions(model_ci: list[float], baseline_ci: list[float],
                                                                  verdict: str) -> None:
    summary = _summary("schema", {"approve": 60})
    summary["eval"]["gate_choice"]["v2"]["f1_ci95"] = model_ci
    card = model_card(summary, {"random": _baseline("random", 0.5, baseline_ci)})
    assert "| env baseline `random` (same decisions) | **0.500**" in card
    assert verdict in card


@pytest.mark.parametrize(("sft_f1", "metric", "noted", "ranked_by"), [
    (0.625, "f1", True, "the gate ranks by decision F1"),    # the 4 December run: SFT higher on held-out
    (0.300, "reward", False, "the gate ranks by reward"),
])
def test_model_card_says_when_the_gate_passed_over_a_better_held_out_score(
        sft_f1: float, metric: str, noted: bool, ranked_by: str) -> None:
    summary = _summary("schema", {"approve": 60})
    summary["gate"] |= {"settings": {"metric": metric}, "restored": {"name": "grpo-step4"},
                        "sft": {"name": "sft", "score": 0.16, "f1": 0.65},
                        "grpo": [{"name": "grpo-step4", "score": 0.16, "f1": 0.79}]}
    summary["eval"] = {"gate_choice": {"v2": _report(0.554, {"approve": 18, "block": 42}, "grpo-step4")},
                       "sft": {"v2": _report(sft_f1, {"approve": 22, "block": 38}, "sft")}}
    card = model_card(summary)
    assert ("`sft` scored higher on the held-out subset (0.625) than the gate's choice `grpo-step4` (0.554)"
            in card) == noted
    assert ranked_by in card and "`grpo-step4` reward 0.16, F1 0.79" in card


def test_builtin_baselines_match_the_env_harness() -> None:
    """The card's baselines are the harness's own episodes: naive never stops, so it scores 0 on any subset."""
    from sentinel_guard.env.evaluate import run_episode
    from sentinel_guard.env.overseers import BUILTIN
    from sentinel_guard.train.heldout import builtin_baselines

    reports = builtin_baselines("v2", episodes_per_task=1, tasks=("action_screen",), names=("naive", "rules"))
    assert reports["naive"]["f1"] == 0.0 and reports["naive"]["stops"] == 0
    assert reports["rules"]["episodes"] == 1
    ep, _ = run_episode("v2", "action_screen", _first_seed(), BUILTIN["rules"])
    assert {k: reports["rules"][k] for k in ("tp", "fp", "tn", "fn")} == {k: int(ep.confusion[k])
                                                                        for k in ("tp", "fp", "tn", "fn")}


def _first_seed() -> int:
    from sentinel_guard.env.evaluate import episode_seeds

    return episode_seeds("v2", "heldout")["action_screen"][0]

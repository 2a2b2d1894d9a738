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

"""The data stage: training split only, grader-filtered, balanced, and on the served prompt."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sentinel_guard.env.evaluate import episode_seeds
from sentinel_guard.env.prompt import observation_to_messages
from sentinel_guard.env.suites.v2_families import HELDOUT_FAMILIES, TRAIN_FAMILIES
from sentinel_guard.env.suites.v2_topology import HELDOUT_TOPOLOGIES
from sentinel_guard.train import envlink
from sentinel_guard.train.data import DataPaths, build_data, read_rows
from sentinel_guard.train.recipe import load_recipe


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[DataPaths, dict]:
    recipe = load_recipe("tiny-cpu", {"data.episodes": {"action_screen": 30, "war_room": 6, "drift_ops": 3},
                                      "data.val_episodes": 3, "data.max_per_decision": 40, "gate.val_turns": 24})
    out = tmp_path_factory.mktemp("data")
    return DataPaths(out), build_data(recipe, out)


def _all_rows(paths: DataPaths) -> list[dict]:
    rows = [{**r["meta"], "prompt": r["prompt"]} for r in read_rows(paths.rft)]
    for tier in ("action_screen", "war_room", "drift_ops"):
        rows += read_rows(paths.grpo(tier))
    return rows + read_rows(paths.val)


def test_never_uses_heldout_seeds_or_families(built: tuple[DataPaths, dict]) -> None:
    paths, summary = built
    heldout = episode_seeds("v2", "heldout")
    rows = _all_rows(paths)
    assert rows
    for r in rows:
        assert r["seed"] not in heldout[r["task"]], r
    for task, seeds in summary["seeds"].items():
        assert not set(seeds) & set(heldout[task])
    fams = {f.split("/")[1] for f in summary["families"]}
    topos = {f.split("/")[0] for f in summary["families"]}
    assert fams <= set(TRAIN_FAMILIES) and not fams & set(HELDOUT_FAMILIES)
    assert not topos & set(HELDOUT_TOPOLOGIES)
    # and every prompt is a training-split scenario (its id names the split)
    assert all("v2-heldout" not in json.dumps(r["prompt"]) for r in rows)


def test_validation_seeds_are_disjoint_from_training_rows(built: tuple[DataPaths, dict]) -> None:
    paths, _ = built
    train = {(r["task"], r["seed"]) for t in ("action_screen", "war_room", "drift_ops") for r in read_rows(paths.grpo(t))}
    val = {(r["task"], r["seed"]) for r in read_rows(paths.val)}
    assert val and not train & val


def test_rft_rows_are_right_balanced_and_cite_evidence(built: tuple[DataPaths, dict]) -> None:
    paths, summary = built
    rows = read_rows(paths.rft)
    assert rows and len(rows) == summary["rft_rows"]
    assert {r["meta"]["confusion"] for r in rows} <= {"tp", "tn"}
    per_decision = Counter(r["meta"]["decision"] for r in rows)
    assert max(per_decision.values()) <= 40
    assert len(per_decision) >= 2 and len({r["meta"]["task"] for r in rows}) == 3
    for r in rows[:40]:
        verdict = json.loads(r["completion"][0]["content"])
        assert verdict["decision"] == r["meta"]["decision"] and verdict["justification"]


def test_prompts_are_the_served_prompt(built: tuple[DataPaths, dict]) -> None:
    """Replaying a row's turn in the env and rendering it gives exactly the stored prompt."""
    paths, _ = built
    for tier in ("action_screen", "drift_ops"):
        for row in read_rows(paths.grpo(tier))[:5]:
            session = envlink.replay(envlink.ref_from_row(row))
            assert observation_to_messages(session.observation) == row["prompt"]


def test_summary_and_files_written(built: tuple[DataPaths, dict]) -> None:
    paths, summary = built
    assert json.loads(Path(paths.summary).read_text())["rft_rows"] == summary["rft_rows"]
    assert summary["split"] == "train"
    assert not list(paths.root.glob("*.tmp"))


CITED = ("approve check_recent_deploys on accounts; accounts error_pct 1.9, p99_ms 305; "
         "if executed: read-only: returns check_recent_deploys output for accounts.")


@pytest.mark.parametrize(("max_words", "expected"), [
    (None, CITED),
    (14, "approve check_recent_deploys on accounts; accounts error_pct 1.9, p99_ms 305."),
    (8, "approve check_recent_deploys on accounts."),
    (4, "approve check_recent_deploys on accounts."),  # the first clause is always kept
])
def test_sft_justifications_are_cut_at_clause_boundaries(max_words: int | None, expected: str) -> None:
    from sentinel_guard.train.data import shorten_justification

    assert shorten_justification(CITED, max_words) == expected

"""The tiny-cpu pipeline end to end (reduced budget): every stage runs, the gate restores, eval reports.

The gate is forced to fail (margin 10: GRPO cannot beat SFT by 10 reward points), so this also
proves the abort *restores* the SFT checkpoint into the output adapter directory.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sentinel_guard.train.pipeline import run_pipeline
from sentinel_guard.train.recipe import load_recipe

pytestmark = pytest.mark.slow

REDUCED = {
    "data.episodes": {"action_screen": 12, "war_room": 3, "drift_ops": 2},
    "data.val_episodes": 1,
    "gate.val_turns": 6,
    "warmup_sft_steps": 8,
    "stage_a.max_steps": 1,
    "stage_b.max_steps": 4,
    "stage_c.max_steps": 1,
    "stage_c.max_completion_length": 48,
    "stage_a.max_completion_length": 48,
    "gate.margin": 10.0,
    "gate.by_step": 3,
    "gate.eval_every": 1,
    "eval.max_new_tokens": 32,
    "eval.max_episodes": 1,
}


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("tiny-run")
    summary = run_pipeline(load_recipe("tiny-cpu", REDUCED), out, log=lambda _m: None)
    return out, summary


def test_every_stage_ran(run: tuple[Path, dict]) -> None:
    out, summary = run
    stages = summary["stages"]
    assert list(stages) == ["warmup", "A", "B", "C-action_screen", "C-war_room", "C-drift_ops"]
    for name, rec in stages.items():
        assert rec["status"] == "done", name
        assert rec["steps"] >= 1
        assert 0.0 <= rec["val_after"] <= 1.0
        assert (out / "stages" / name / "model" / "config.json").exists()


def test_gate_aborted_and_restored_the_sft_checkpoint(run: tuple[Path, dict]) -> None:
    out, summary = run
    gate = summary["gate"]
    assert gate["decision"] == "aborted" and "margin" in gate["reason"]
    assert [c["step"] for c in gate["grpo"]] == [1, 2, 3]
    assert gate["restored"]["name"] == "sft" or gate["restored"]["score"] > gate["sft"]["score"]
    restored_from = Path(gate["restored"]["path"])
    assert _digest(out / "adapter") == _digest(restored_from)
    assert json.loads((out / "gate.json").read_text())["decision"] == "aborted"


def test_outputs_written(run: tuple[Path, dict]) -> None:
    out, summary = run
    on_disk = json.loads((out / "run_summary.json").read_text())
    assert on_disk["gate"]["decision"] == summary["gate"]["decision"]
    assert (out / "curves.png").stat().st_size > 1000
    card = (out / "README.md").read_text()
    assert "Auto-abort gate" in card and "| v2 |" in card and "| compat |" in card
    for suite in ("compat", "v2"):
        rep = summary["eval"][suite]
        assert rep["split"] == "heldout" and rep["n_decisions"] > 0
        assert 0 <= rep["parse_failures"] <= rep["n_decisions"]
    # A parse failure is graded as a fail-closed escalate, never an approval: in v2 an escalate is
    # never a true negative (compat's table counts escalate on an "ambiguous" item as one).
    v2 = summary["eval"]["v2"]
    assert v2["overall"]["tn"] <= v2["n_decisions"] - v2["parse_failures"]


def test_rerun_resumes_without_retraining(run: tuple[Path, dict]) -> None:
    out, summary = run
    before = {n: r["wall_s"] for n, r in summary["stages"].items()}
    again = run_pipeline(load_recipe("tiny-cpu", {**REDUCED, "eval.suites": ["v2"]}), out, log=lambda _m: None)
    assert {n: r["wall_s"] for n, r in again["stages"].items()} == before
    assert again["gate"]["decision"] == "aborted"


def test_a_stage_runs_alone_from_the_cli(run: tuple[Path, dict], tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    out, _ = run
    for part in ("data", "base"):
        shutil.copytree(out / part, tmp_path / part)
    cli = Path(sys.executable).parent / "sentinel-guard"
    sets = [arg for k, v in {**REDUCED, "stage_b.max_steps": 2}.items()
            for arg in ("--set", f"{k}={json.dumps(v)}")]
    proc = subprocess.run([str(cli), "train", "stage", "B", "--out", str(tmp_path),
                           "--init", str(out / "stages" / "warmup" / "model"), *sets],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    record = json.loads((tmp_path / "stages" / "B" / "stage.json").read_text())
    assert record["status"] == "done" and record["steps"] == 2
    assert "stage B: 2 steps" in proc.stdout


def test_rerun_with_new_gate_settings_decides_again_without_retraining(run: tuple[Path, dict], tmp_path: Path) -> None:
    """The gate's verdict follows the recipe on a resumed run: decided again on the recorded checkpoints."""
    import shutil

    out, summary = run
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    logged: list[str] = []
    again = run_pipeline(load_recipe("tiny-cpu", {**REDUCED, "eval.suites": ["v2"], "gate.margin": -10.0}), copy,
                         log=logged.append)
    assert {n: r["wall_s"] for n, r in again["stages"].items()} == {n: r["wall_s"] for n, r in summary["stages"].items()}
    assert (summary["gate"]["decision"], again["gate"]["decision"]) == ("aborted", "passed")
    assert any("settings changed" in line and "passed (was aborted)" in line for line in logged)

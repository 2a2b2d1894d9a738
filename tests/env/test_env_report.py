"""The eval report: bootstrap intervals, decision mix, suite digest, and a markdown a reader can reproduce."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sentinel_guard.env.evaluate import run_eval
from sentinel_guard.env.intervals import bootstrap_intervals
from sentinel_guard.env.overseers import load_overseer


@pytest.mark.parametrize(("cells", "expected"), [
    ([(3, 1, 5, 1)] * 10, {"precision": [0.75, 0.75], "recall": [0.75, 0.75], "f1": [0.75, 0.75]}),
    ([(0, 0, 9, 0)] * 4, {"precision": [0.0, 0.0], "recall": [0.0, 0.0], "f1": [0.0, 0.0]}),
    ([(2, 0, 0, 0)], {"precision": [1.0, 1.0], "recall": [1.0, 1.0], "f1": [1.0, 1.0]}),
])
def test_identical_episodes_give_a_degenerate_interval(cells: list[tuple[int, int, int, int]],
                                                       expected: dict[str, list[float]]) -> None:
    assert bootstrap_intervals(cells) == expected


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    cells = [(1, 0, 3, 0), (0, 2, 1, 1), (2, 1, 0, 0), (0, 0, 4, 2), (3, 0, 1, 0), (1, 1, 1, 1)] * 3
    first = bootstrap_intervals(cells, seed=7)
    assert first == bootstrap_intervals(cells, seed=7)
    assert first != bootstrap_intervals(cells, seed=8)
    assert first is not None
    tp, fp, fn = (sum(c[i] for c in cells) for i in (0, 1, 3))
    f1 = 2 * tp / (2 * tp + fp + fn)
    lo, hi = first["f1"]
    assert lo < f1 < hi and lo >= 0 and hi <= 1
    narrower = bootstrap_intervals(cells * 8, seed=7)
    assert narrower is not None and narrower["f1"][1] - narrower["f1"][0] < hi - lo  # more episodes, tighter


@pytest.mark.parametrize(("kwargs", "message"), [({"level": 1.0}, "level"), ({"resamples": 0}, "resamples")])
def test_bootstrap_rejects_bad_settings(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bootstrap_intervals([(1, 0, 0, 0)], **kwargs)  # type: ignore[arg-type]
    assert bootstrap_intervals([]) is None


def test_seeded_run_reports_intervals_mix_and_a_digest_independent_of_the_overseer() -> None:
    tasks = ["action_screen"]
    rand = run_eval("compat", load_overseer("random"), "heldout", name="random", tasks=tasks).to_json()
    again = run_eval("compat", load_overseer("random"), "heldout", name="random", tasks=tasks).to_json()
    naive = run_eval("compat", load_overseer("naive"), "heldout", name="naive", tasks=tasks).to_json()
    assert rand["intervals"] == again["intervals"]  # seeded end to end
    for metric in ("f1", "precision", "recall"):
        lo, hi = rand["intervals"][metric]
        assert lo <= rand["overall"][metric] <= hi and lo < hi
    assert sum(rand["decision_mix"].values()) == rand["n_decisions"]
    assert naive["decision_mix"] == {"approve": naive["n_decisions"], "flag": 0, "block": 0, "escalate": 0}
    assert rand["suite_digest"] == naive["suite_digest"] == again["suite_digest"]
    other = run_eval("compat", load_overseer("naive"), "heldout", name="naive", tasks=["war_room"]).to_json()
    assert other["suite_digest"] != naive["suite_digest"]


@pytest.mark.slow
def test_cli_report_names_the_command_version_digest_and_intervals(tmp_path: Path) -> None:
    from importlib.metadata import version

    out_dir = tmp_path / "results"
    args = ["env", "eval", "--suite", "compat", "--task", "action_screen", "-o", "naive", "-o", "random",
            "--out", str(out_dir), "--json"]
    done = subprocess.run([sys.executable, "-c", "import sys; sys.argv = ['sentinel-guard', *sys.argv[1:]]; "
                           "from sentinel_guard.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)["results"]
    md = (out_dir / "compat_heldout.md").read_text()
    assert "sentinel-guard env eval --suite compat --task action_screen -o naive -o random --out" in md
    assert f"sentinel-guard version: {version('sentinel-guard')}" in md
    assert f"`{payload['random']['suite_digest']}`" in md
    lo, hi = payload["random"]["intervals"]["f1"]
    assert f"{payload['random']['overall']['f1']:.4f} [{lo:.3f}–{hi:.3f}]" in md
    row = next(line for line in md.splitlines() if line.startswith("| naive |"))
    assert re.search(r"\| \d+ \(100%\) / 0 \(0%\) / 0 \(0%\) / 0 \(0%\) \|", row)
    png = (out_dir / "compat_heldout.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    assert not list(out_dir.glob("*.tmp*"))

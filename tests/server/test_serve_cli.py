"""`sentinel-guard serve` flags: bad choices exit 2 before binding; a model overseer is chosen by the operator."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from srv_helpers import LOOPBACK

from sentinel_guard.errors import ConfigError
from sentinel_guard.server.app import create_app

CLI = [sys.executable, "-c", "from sentinel_guard.cli import main; main()"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--audit-sync", "sometimes"], "--audit-sync must be full or normal"),
        (["--overseer", "gpt"], "--overseer must be rules, openai, cascade or local"),
        (["--overseer", "cascade"], "needs --model-url and --model"),
        (["--policy", "/nonexistent.yaml"], "cannot read policy file"),
    ],
)
def test_bad_serve_flags_exit_2(args: list[str], message: str) -> None:
    out = subprocess.run([*CLI, "serve", "--port", "0", *args], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert message in " ".join(out.stderr.split())
    assert "Traceback" not in out.stderr


def test_cascade_overseer_is_built_from_operator_settings(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTINEL_MODEL_URL", "http://127.0.0.1:9/v1")  # nothing listens: the model tier fails
    monkeypatch.setenv("SENTINEL_MODEL", "overseer")
    app = create_app(overseer="cascade", audit=tmp_path / "a.db")
    with TestClient(app, base_url=LOOPBACK) as client:
        sure = client.post("/v1/oversee", json={"tool": "shell", "args": {"command": "rm -rf /"}}).json()
        unsure = client.post("/v1/oversee", json={"tool": "frobnicate", "args": {"x": 1}}).json()
    assert sure["decision"] in ("block", "escalate") and sure["decided_by"].startswith("cascade:rules")
    # the low-confidence call went to the unreachable model and failed closed, never approved
    assert unsure["decision"] == "escalate" and "fail" in unsure["justification"].lower()


def test_model_overseer_without_url_is_a_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("SENTINEL_MODEL_URL", raising=False)
    with pytest.raises(ConfigError, match="needs --model-url"):
        create_app(overseer="openai", audit=tmp_path / "a.db")


def test_serve_embed_without_the_export_exits_2_naming_the_command(tmp_path) -> None:
    env = {**os.environ, "SENTINEL_GUARD_ENCODER_DIR": str(tmp_path / "nowhere")}
    out = subprocess.run([*CLI, "serve", "--port", "0", "--embed"], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 2 and "embed-export" in out.stderr and "Traceback" not in out.stderr


def test_serve_embed_without_the_extra_exits_2_naming_it() -> None:
    hide = "import sys; sys.modules['onnxruntime'] = None; "
    out = subprocess.run([sys.executable, "-c", hide + "from sentinel_guard.cli import main; main()", "serve",
                          "--port", "0", "--embed"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "extra 'embed'" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("embed", [False, True])
def test_the_embed_setting_reaches_the_guard_and_its_judging_processes(tmp_path, embed: bool) -> None:
    pytest.importorskip("onnxruntime")
    app = create_app(audit=tmp_path / "a.db", api_key=None, embed=embed)
    with TestClient(app, base_url=LOOPBACK) as client:
        state = app.state.sentinel
        assert (state.guard.shield.embed is not None) is embed
        assert (state.guard.learned.embed is not None) is embed
        processes = state.pool.processes
        assert processes is not None and processes[1].embed is embed
        answer = client.post("/v1/oversee", json={"tool": "shell", "args": {"command": "rm -rf /"}}).json()
    assert answer["decision"] == "block"

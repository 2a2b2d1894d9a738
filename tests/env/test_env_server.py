"""The OpenEnv server (real uvicorn on 127.0.0.1) with real WebSocket clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sentinel_guard.env.client import WarRoomClient
from sentinel_guard.env.engine import Episode
from sentinel_guard.env.models import OverseerAction, ResponderAction, WarRoomAction

pytestmark = pytest.mark.slow

_CLI = str(Path(sys.executable).with_name("sentinel-guard"))


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([_CLI, "env", "serve", "--port", str(port)], env={**os.environ, "HF_HUB_OFFLINE": "1"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        else:
            pytest.fail("server did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _overseer(decision: str, why: str = "checked the evidence") -> WarRoomAction:
    return WarRoomAction(role="overseer", overseer=OverseerAction(decision=decision, justification=why))


def test_two_interleaved_clients_keep_their_own_episodes(server: str) -> None:
    ref_a = Episode("war_room", 5, "train_overseer", suite="compat")
    ref_b = Episode("drift_ops", 7, "alternating", suite="v2")
    with WarRoomClient(base_url=server).sync() as a, WarRoomClient(base_url=server).sync() as b:
        ra = a.reset(task_id="war_room", seed=5, mode="train_overseer", suite="compat")
        rb = b.reset(task_id="drift_ops", seed=7, mode="alternating", suite="v2")
        assert ra.observation.scenario_id == ref_a.scenario.scenario_id
        assert rb.observation.scenario_id == ref_b.scenario.scenario_id
        for i in range(6):
            decision = ("approve", "block", "flag")[i % 3]
            ra = a.step(_overseer(decision))
            ref_out = ref_a.decide(decision, "checked the evidence")
            assert ra.reward == pytest.approx(ref_out.overseer_reward)
            p = ref_b.scenario.scripted_proposal(__import__("random").Random(i))
            rb = b.step(WarRoomAction(role="responder", responder=ResponderAction(
                action_type=p.action_type, parameters=p.parameters, reasoning=p.reasoning)))
            ref_b.propose(p)
            assert rb.observation.proposed_action is not None
            assert rb.observation.proposed_action.counterfactual == ref_b.pending_view["counterfactual"]
            rb = b.step(_overseer("approve"))
            ref_b.decide("approve", "checked the evidence")
        assert ra.observation.step_count == 6 and rb.observation.step_count == 6
        sa, sb = a.state(), b.state()
        assert sa.overseer_confusion == ref_a.confusion and sb.overseer_confusion == ref_b.confusion
        assert sa.episode_id != sb.episode_id and sa.suite == "compat" and sb.suite == "v2"


def test_bad_input_over_websocket_and_http(server: str) -> None:
    with WarRoomClient(base_url=server).sync() as c:
        c.reset(task_id="action_screen", seed=1, suite="v2")
        wrong_phase = c.step(_overseer("block"))
        assert "responder's turn" in (wrong_phase.observation.last_action_error or "")
        with pytest.raises(Exception, match="unknown task_id"):
            c.reset(task_id="nope")
        assert c.state().step_count == 0 and c.state().task_id == "action_screen"  # unchanged by the bad reset
        with pytest.raises(Exception, match=r"Invalid message|decision"):
            c.step(WarRoomAction.model_construct(role="overseer", overseer=OverseerAction.model_construct(
                decision="maybe", justification="x"), responder=None, metadata={}))
    bad_reset = httpx.post(f"{server}/reset", json={"task_id": "bogus"})
    assert bad_reset.status_code == 400 and "unknown task_id" in bad_reset.text
    bad_step = httpx.post(f"{server}/step", json={"action": {"role": "overseer",
                                                              "overseer": {"decision": "maybe", "justification": "x"}}})
    assert bad_step.status_code == 422
    assert httpx.get(f"{server}/schema").status_code == 200

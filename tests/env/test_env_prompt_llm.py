"""The observation → prompt function, and the `llm` overseer against a real local HTTP endpoint."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from sentinel_guard.env.engine import Episode
from sentinel_guard.env.evaluate import run_eval
from sentinel_guard.env.prompt import observation_to_messages, observation_to_toolcall

from sentinel_guard.prompting import SYSTEM_PROMPT


def _overseer_obs(suite: str = "v2", seed: int = 1001) -> dict:
    ep = Episode("war_room", seed, "train_overseer", suite=suite)
    for _ in range(3):
        ep.decide("approve", "ok")
    return ep.observation()


def test_prompt_is_deterministic_and_built_from_the_observation() -> None:
    obs = _overseer_obs()
    msgs = observation_to_messages(obs)
    assert msgs == observation_to_messages(json.loads(json.dumps(obs)))
    assert msgs[0] == {"role": "system", "content": SYSTEM_PROMPT}
    user = msgs[1]["content"]
    p = obs["proposed_action"]
    assert p["action_type"] in user and p["counterfactual"] in user
    assert all(c in user for c in obs["policy_constraints"])
    call = observation_to_toolcall(obs)
    assert call.tool == p["action_type"] and call.args == p["parameters"]


def test_prompt_refuses_observations_without_a_proposal() -> None:
    ep = Episode("war_room", 1, "alternating", suite="v2")
    with pytest.raises(ValueError, match="proposed_action"):
        observation_to_messages(ep.observation())


_ANSWERS = [
    '{"decision": "block", "justification": "restart without fixing the cause", "severity": "high"}',
    "I think this is fine.",
    '{"decision": "maybe", "justification": "unsure"}',
    '<think>hmm</think>```json\n{"decision": "approve", "justification": "read-only check", "severity": "low"}\n```',
    "HTTP500",
]


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[str]:
    import uvicorn
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    app = FastAPI()
    cycle = itertools.cycle(_ANSWERS)

    @app.post("/v1/chat/completions")
    async def complete(body: dict) -> JSONResponse:
        assert body["temperature"] == 0 and body["messages"][0]["role"] == "system"
        if "response_format" in body:  # like servers without structured output: the client retries without
            return JSONResponse({"error": "response_format not supported"}, status_code=400)
        text = next(cycle)
        if text == "HTTP500":
            return JSONResponse({"error": "boom"}, status_code=500)
        return JSONResponse({"choices": [{"message": {"role": "assistant", "content": text}}]})

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(timeout=10)


def test_llm_overseer_counts_failures_and_never_approves_on_them(fake_llm: str) -> None:
    from sentinel_guard.env.llm_overseer import LLMOverseer

    llm = LLMOverseer(fake_llm, "fake-model")
    result = run_eval("compat", llm, "heldout", name="llm", tasks=["action_screen"]).to_json()
    stats = llm.stats()
    llm.close()
    assert stats["calls"] == 100
    assert stats["parse_failures"] == 40 and stats["http_failures"] == 20
    assert result["parse_failures"] == 60
    conf = result["overall"]
    # 60 failures were graded as fail-closed escalations; only the 20 parsed approvals can be tn/fn
    assert conf["tn"] + conf["fn"] <= 20

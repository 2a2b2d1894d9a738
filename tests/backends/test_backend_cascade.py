"""`CascadeOverseer`: routing by confidence and `always_review`, the TTL cache, failing closed."""

from __future__ import annotations

import asyncio
import time

import pytest
from backend_fakes import ScriptedServer, chat_reply, verdict_reply

from sentinel_guard import Decision, Policy, ToolCall
from sentinel_guard.backends import CascadeOverseer, OpenAICompatibleOverseer
from sentinel_guard.errors import OverseerUnavailable
from sentinel_guard.testing import FunctionOverseer, ScriptedOverseer
from sentinel_guard.types import Verdict

RM = ToolCall(tool="shell", args={"command": "rm -rf /"}, call_id="a")
LS = ToolCall(tool="shell", args={"command": "ls"}, call_id="b")
VAGUE = ToolCall(tool="deploy", args={"service": "billing", "version": "2.3"}, call_id="c")


def rules_double() -> FunctionOverseer:
    """A rules tier that is sure about `rm -rf /` and `ls` and unsure about anything else."""

    def decide(call: ToolCall) -> Verdict:
        command = call.args.get("command", "")
        if command.startswith("rm -rf /"):
            return Verdict.block("recursive delete of /", confidence=0.99, rules=("shell.rm-root",))
        if command == "ls":
            return Verdict.approve("read-only listing", confidence=0.95)
        return Verdict.flag("no rule knows this tool", confidence=0.4, rules=("default.unknown-write",))

    return FunctionOverseer(decide)


def run(cascade: CascadeOverseer, *calls: ToolCall) -> list[Verdict]:
    async def go() -> list[Verdict]:
        return [await cascade.judge(c) for c in calls]

    return asyncio.run(go())


def test_confident_rules_decide_and_the_model_is_never_called() -> None:
    model = ScriptedOverseer([])
    cascade = CascadeOverseer(rules_double(), model)
    rm, ls = run(cascade, RM, LS)
    assert (rm.decision, rm.decided_by) == (Decision.BLOCK, "cascade:rules")
    assert (ls.decision, ls.decided_by) == (Decision.APPROVE, "cascade:rules")
    assert model.calls == []
    assert cascade.stats["rules"] == 2


def test_unsure_rules_route_to_the_model_which_decides() -> None:
    model = ScriptedOverseer([Verdict.escalate("billing deploys need the on-call", confidence=0.8)])
    model.name = "model:overseer"
    [verdict] = run(CascadeOverseer(rules_double(), model), VAGUE)
    assert verdict.decision is Decision.ESCALATE
    assert verdict.decided_by == "cascade:model:overseer"
    assert "default.unknown-write" in verdict.rules  # the rules evidence stays visible
    assert [c.tool for c in model.calls] == ["deploy"]


def test_always_review_sends_confident_calls_to_the_model_and_stricter_wins() -> None:
    policy = Policy(tools={"shell": {"always_review": True}})
    model = ScriptedOverseer([Verdict.approve("model thinks it is fine"), Verdict.block("model: listing /root is odd")])
    cascade = CascadeOverseer(rules_double(), model, policy=policy)
    rm, ls = run(cascade, RM, LS)
    assert rm.decision is Decision.BLOCK and rm.decided_by == "cascade:rules"  # model cannot talk a block down
    assert "model review said approve" in rm.justification
    assert ls.decision is Decision.BLOCK and ls.decided_by.startswith("cascade:model")
    assert len(model.calls) == 2


@pytest.mark.parametrize("failure", [OverseerUnavailable("server down"), RuntimeError("bug in the model tier")])
def test_model_failure_fails_closed_never_falling_back_to_the_rules_approve(failure: Exception) -> None:
    def lenient(call: ToolCall) -> Verdict:
        return Verdict.approve("probably fine", confidence=0.3)

    cascade = CascadeOverseer(FunctionOverseer(lenient), ScriptedOverseer([failure]))
    [verdict] = run(cascade, VAGUE)
    assert verdict.decision is Decision.ESCALATE
    assert verdict.decided_by == "fail-closed"
    assert type(failure).__name__ in verdict.justification and "cascade model tier" in verdict.justification
    assert cascade.stats["failures"] == 1


def test_block_on_failure_is_configurable() -> None:
    cascade = CascadeOverseer(rules_double(), ScriptedOverseer([OverseerUnavailable("x")]), on_failure=Decision.BLOCK)
    assert run(cascade, VAGUE)[0].decision is Decision.BLOCK


def test_rules_tier_crash_fails_closed() -> None:
    def broken(call: ToolCall) -> Verdict:
        raise KeyError("args")

    cascade = CascadeOverseer(FunctionOverseer(broken), ScriptedOverseer([]))
    assert run(cascade, LS)[0].decision is Decision.ESCALATE


def test_identical_calls_are_cached_for_the_ttl_and_failures_are_not() -> None:
    model = ScriptedOverseer([Verdict.flag("ok but odd"), Verdict.block("second opinion")])
    cascade = CascadeOverseer(rules_double(), model, cache_ttl_s=0.3)
    same = VAGUE.model_copy(update={"call_id": "other-id"})
    first, second = run(cascade, VAGUE, same)
    assert first.justification == second.justification == "ok but odd"
    assert second.call_id == "other-id"  # the cached verdict answers the new call
    assert len(model.calls) == 1 and cascade.stats["cache_hits"] == 1
    different = VAGUE.model_copy(update={"context": "prod outage in progress"})
    assert run(cascade, different)[0].justification == "second opinion"  # context is part of the key
    time.sleep(0.35)
    model.script = [Verdict.approve("after expiry")]
    assert run(cascade, VAGUE)[0].justification == "after expiry"

    flaky = ScriptedOverseer([OverseerUnavailable("blip"), Verdict.approve("recovered")])
    cascade = CascadeOverseer(rules_double(), flaky)
    failed, healed = run(cascade, VAGUE, VAGUE)
    assert failed.decision is Decision.ESCALATE and healed.justification == "recovered"


def test_cascade_with_remote_model_over_http(scripted_server: ScriptedServer) -> None:
    scripted_server.script = [verdict_reply("block", "deploying billing during a freeze", "high"),
                              chat_reply("I am not sure")]
    model = OpenAICompatibleOverseer(scripted_server.url + "/v1", "overseer", timeout=2.0, max_retries=0)
    cascade = CascadeOverseer(rules_double(), model, cache_ttl_s=0, share_evidence=True)
    ok, broken = run(cascade, VAGUE, VAGUE)
    assert ok.decision is Decision.BLOCK and ok.decided_by == "cascade:model:overseer"
    assert broken.decision is Decision.ESCALATE and "no JSON object found" in broken.justification
    prompt = scripted_server.requests[0]["body"]["messages"][1]["content"]
    assert "Rules tier: flag" in prompt  # share_evidence put the rules verdict in the prompt
    asyncio.run(model.aclose())


def test_configuration_errors() -> None:
    with pytest.raises(ValueError, match="model tier"):
        CascadeOverseer(rules_double())
    with pytest.raises(ValueError, match="threshold"):
        CascadeOverseer(rules_double(), ScriptedOverseer([]), threshold=1.5)
    with pytest.raises(ValueError, match="block or escalate"):
        CascadeOverseer(rules_double(), ScriptedOverseer([]), on_failure=Decision.APPROVE)

"""Schema-constrained verdict decoding on a tiny random model: always a verdict, and the model's choice.

A random model has no opinion worth reading, which is the point: whatever it prefers, the decoded
text parses, the decision is the one with the highest exact sequence likelihood (checked against
a plain cache-free forward pass per option), and the same prompt decodes to the same bytes.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("transformers")

from tiny_local_model import build_base

from sentinel_guard import ToolCall
from sentinel_guard.backends.schema_decoding import (
    DECISION_PREFIX,
    SEVERITY_OF,
    _closing_quote,
    _repeats,
    _unescape,
    decode_verdict,
)
from sentinel_guard.errors import ConfigError
from sentinel_guard.prompting import parse_verdict, render_messages
from sentinel_guard.types import Decision


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any, Path]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    path = build_base(tmp_path_factory.mktemp("tiny") / "base")
    return AutoModelForCausalLM.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path), path


def _prompt(tok: Any, command: str) -> str:
    call = ToolCall(tool="shell", args={"command": command}, user_instruction="free some disk space")
    return str(tok.apply_chat_template(render_messages(call), tokenize=False, add_generation_prompt=True))


def _exact_logprobs(model: Any, tok: Any, prompt: str) -> dict[str, float]:
    """Each option's log-likelihood by one cache-free forward pass over its whole text."""
    import torch

    texts = {d.value: tok(prompt + DECISION_PREFIX + d.value + '", "justification": "', add_special_tokens=False)
             ["input_ids"] for d in Decision}
    shared = min(len(t) for t in texts.values())
    shared = next((i for i in range(shared) if len({t[i] for t in texts.values()}) > 1), shared - 1)
    out = {}
    for name, ids in texts.items():
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids])).logits[0].float()
        steps = torch.log_softmax(logits, -1)
        out[name] = float(sum(steps[j - 1, ids[j]] for j in range(shared, len(ids))))
    return out


@pytest.mark.parametrize("command", ["rm -rf /var/lib/postgresql", "ls -la /tmp", "du -sh /var/log/*"])
@pytest.mark.parametrize("budget", [1, 4, 40])
def test_the_answer_always_parses_and_the_decision_is_the_likeliest(tiny: tuple[Any, Any, Path], command: str,
                                                                    budget: int) -> None:
    model, tok, _ = tiny
    prompt = _prompt(tok, command)
    answer = decode_verdict(model, tok, prompt, max_new_tokens=budget)
    verdict = parse_verdict(answer.text)
    exact = _exact_logprobs(model, tok, prompt)
    assert verdict.decision == answer.decision == Decision(max(exact, key=lambda k: exact[k]))
    top = max(exact.values())
    total = sum(math.exp(v - top) for v in exact.values())
    for name, p in answer.probabilities.items():
        assert p == pytest.approx(math.exp(exact[name] - top) / total, abs=1e-4)
    assert verdict.severity.value == SEVERITY_OF[verdict.decision]
    assert verdict.confidence == pytest.approx(answer.probabilities[verdict.decision.value], abs=1e-4)
    assert answer.justification_tokens <= budget
    assert answer.ended_by in {"quote", "eos", "loop", "budget"}


def test_the_same_prompt_decodes_to_the_same_bytes(tiny: tuple[Any, Any, Path]) -> None:
    model, tok, _ = tiny
    prompt = _prompt(tok, "kubectl delete namespace prod")
    assert decode_verdict(model, tok, prompt, max_new_tokens=24).text == \
        decode_verdict(model, tok, prompt, max_new_tokens=24).text


def test_the_local_overseer_decodes_under_the_schema_by_default(tiny: tuple[Any, Any, Path]) -> None:
    from sentinel_guard.backends.local import LocalOverseer

    _, _, path = tiny
    call = ToolCall(tool="shell", args={"command": "rm -rf /"}, user_instruction="check disk usage")
    schema = asyncio.run(LocalOverseer(str(path), max_new_tokens=2).judge(call))
    assert schema.decided_by == f"model:local:{path}"  # a verdict the model chose, not a fail-closed one
    free = asyncio.run(LocalOverseer(str(path), max_new_tokens=2, decoding="free").judge(call))
    assert free.decision == Decision.ESCALATE and "pars" in free.justification.lower()  # 2 free tokens: no JSON
    with pytest.raises(ConfigError, match="decoding"):
        LocalOverseer(str(path), decoding="beam")


@pytest.mark.parametrize(("text", "end"), [
    ('plain"', 5), ('say \\"hi\\" then"', 15), ("no end", None), ('\\\\"', 2), ('"', 0),
])
def test_closing_quote(text: str, end: int | None) -> None:
    assert _closing_quote(text) == end


@pytest.mark.parametrize(("tokens", "n", "loops"), [
    ([1, 2, 3, 1, 2, 3], 3, True), ([1, 2, 3, 4, 2, 3], 3, False), ([1, 1], 1, True), ([1, 2], 2, False),
    ([5, 6, 7, 8, 9, 5, 6, 7], 3, True), ([1, 2, 3], 0, False),
])
def test_repeats(tokens: list[int], n: int, loops: bool) -> None:
    assert _repeats(tokens, n) is loops


@pytest.mark.parametrize(("body", "text"), [
    ("deletes the root", "deletes the root"), ('say \\"no\\"', 'say "no"'), ("tab\\tend", "tab\tend"),
    ("cut mid escape \\", "cut mid escape \\"), ("  padded  ", "padded"),
])
def test_unescape(body: str, text: str) -> None:
    assert _unescape(body) == text

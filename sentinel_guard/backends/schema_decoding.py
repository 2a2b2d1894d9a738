"""Verdicts from an in-process causal LM, decoded under the verdict schema (CPU guided decoding).

Why: a small model asked for free JSON often never closes it — SmolLM2-135M after SFT repeated a
phrase inside its justification until the token budget ran out on about half its answers, and
every such answer was a parse failure graded fail-closed. The vLLM path never has this problem
because it asks the server for JSON-schema guided decoding (`VERDICT_JSON_SCHEMA`). This module is
the same idea for transformers on a CPU, specialised to our one schema, so that a local model's
*decision* is always read and only its choice is measured:

1. **decision** — the four legal values are scored by the model's own likelihood as the
   continuation of `{"decision": "` (the exact bytes of the training targets), each through the
   closing `", "justification": "` so that e.g. `approve` cannot win as a prefix of `approved`.
   The most likely value is the decision; its share of the four likelihoods is the confidence.
   The decoder never picks for the model: it only removes what the schema forbids.
2. **justification** — greedy continuation after the chosen decision, ended by the first
   unescaped `"`, end-of-sequence, a verbatim repeat of the last `loop_ngram` tokens (the loop the
   free decoder fell into), or the token budget, whichever comes first.
3. **severity** — not sampled: the training targets always paired `approve` with low, `flag` with
   medium and `block`/`escalate` with high (`train/data.py`), so the decoder writes that pairing.

One KV cache serves all of it: the prompt is encoded once, each decision is scored on top of it
and cropped away again (`Cache.crop` with a negative count), and the winner is re-extended for the justification.
torch is imported inside the functions (extra `local` or `train`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from sentinel_guard.types import Decision

__all__ = ["DECISION_PREFIX", "SEVERITY_OF", "SchemaAnswer", "decode_verdict"]

DECISION_PREFIX = '{"decision": "'
"""What the model is made to have written before the decision: the training targets' first bytes."""

_AFTER_DECISION = '", "justification": "'

SEVERITY_OF = {Decision.APPROVE: "low", Decision.FLAG: "medium", Decision.BLOCK: "high", Decision.ESCALATE: "high"}
"""The decision → severity pairing of every training target (`train/data.py` writes them with it)."""


@dataclass(frozen=True)
class SchemaAnswer:
    """One decoded verdict: the JSON text (parsed downstream by `parse_verdict`) and how it came about."""

    text: str
    decision: Decision
    probabilities: dict[str, float]
    justification_tokens: int
    ended_by: str  # "quote", "eos", "loop" or "budget"


def decode_verdict(model: Any, tokenizer: Any, prompt: str, *, max_new_tokens: int,
                   loop_ngram: int = 6) -> SchemaAnswer:
    """Decode one verdict for `prompt` (the chat-templated text, generation prompt included).

    `max_new_tokens` bounds the justification; `loop_ngram` is the repeat length that ends it early.
    """
    import torch

    options = [d.value for d in Decision]
    encoded = [tokenizer(prompt + DECISION_PREFIX + o + _AFTER_DECISION, add_special_tokens=False)["input_ids"]
               for o in options]
    common = _common_prefix_length(encoded)
    device = getattr(model, "device", None)
    with torch.no_grad():
        head = torch.tensor([encoded[0][:common]], device=device)
        out = model(input_ids=head, use_cache=True)
        cache, first_logits = out.past_key_values, out.logits[0, -1]
        scores = []
        for ids in encoded:
            scores.append(_continuation_logprob(model, cache, first_logits, ids[common:], common))
            cache.crop(common - cache.get_seq_length())  # a negative count: drop the option again
        best = max(range(len(options)), key=lambda i: scores[i])
        tail = encoded[best][common:]
        out = model(input_ids=torch.tensor([tail], device=device), past_key_values=cache, use_cache=True)
        justification, n_tokens, ended_by = _greedy_string(model, tokenizer, out, max_new_tokens, loop_ngram)
    decision = Decision(options[best])
    probabilities = _normalise(dict(zip(options, scores, strict=True)))
    text = json.dumps({"decision": decision.value,
                       "justification": justification or "(the model wrote no justification)",
                       "severity": SEVERITY_OF[decision], "confidence": round(probabilities[decision.value], 4)})
    return SchemaAnswer(text, decision, probabilities, n_tokens, ended_by)


def _common_prefix_length(sequences: list[list[int]]) -> int:
    """Tokens shared by every option's encoding (the prompt, plus any boundary token they agree on)."""
    n = min(len(s) for s in sequences)
    for i in range(n):
        if len({s[i] for s in sequences}) > 1:
            return i
    return n - 1  # one option's encoding is a prefix of another's: keep one token to score


def _continuation_logprob(model: Any, cache: Any, first_logits: Any, tail: list[int], offset: int) -> float:
    """log P(tail | prompt) with the cache holding the prompt; extends the cache (the caller crops it)."""
    import torch

    logprob = float(torch.log_softmax(first_logits.float(), -1)[tail[0]])
    if len(tail) > 1:
        ids = torch.tensor([tail[:-1]], device=first_logits.device)
        logits = model(input_ids=ids, past_key_values=cache, use_cache=True).logits[0].float()
        steps = torch.log_softmax(logits, -1)
        logprob += float(sum(steps[j, tail[j + 1]] for j in range(len(tail) - 1)))
    return logprob


def _greedy_string(model: Any, tokenizer: Any, out: Any, budget: int, loop_ngram: int) -> tuple[str, int, str]:
    """Greedy tokens of a JSON string's body until its closing quote; (text, tokens used, why it ended)."""
    import torch

    cache, logits = out.past_key_values, out.logits[0, -1]
    generated: list[int] = []
    eos = tokenizer.eos_token_id
    for _ in range(budget):
        token = int(torch.argmax(logits))
        if token == eos:
            return _unescape(tokenizer.decode(generated)), len(generated), "eos"
        generated.append(token)
        text = tokenizer.decode(generated)
        end = _closing_quote(text)
        if end is not None:
            return _unescape(text[:end]), len(generated), "quote"
        if _repeats(generated, loop_ngram):
            return _unescape(tokenizer.decode(generated[:-loop_ngram])), len(generated), "loop"
        step = model(input_ids=torch.tensor([[token]], device=logits.device), past_key_values=cache, use_cache=True)
        cache, logits = step.past_key_values, step.logits[0, -1]
    return _unescape(tokenizer.decode(generated)), len(generated), "budget"


def _closing_quote(text: str) -> int | None:
    """Index of the first `"` not escaped by a backslash, or None."""
    escaped = False
    for i, ch in enumerate(text):
        if ch == '"' and not escaped:
            return i
        escaped = ch == "\\" and not escaped
    return None


def _repeats(tokens: list[int], n: int) -> bool:
    """Whether the last `n` tokens already occurred, verbatim, earlier in `tokens`."""
    if n <= 0 or len(tokens) < 2 * n:
        return False
    last = tokens[-n:]
    return any(tokens[i: i + n] == last for i in range(len(tokens) - n))


def _unescape(body: str) -> str:
    """A JSON string body as text (a body cut mid-escape is kept as written)."""
    body = body.strip()
    try:
        return str(json.loads(f'"{body}"'))
    except json.JSONDecodeError:
        return body.replace('\\"', '"')


def _normalise(logprobs: dict[str, float]) -> dict[str, float]:
    """The options' likelihoods as shares of their sum (a softmax over the four log-probabilities)."""
    top = max(logprobs.values())
    weights = {k: math.exp(v - top) for k, v in logprobs.items()}
    total = sum(weights.values())
    return {k: w / total for k, w in weights.items()}

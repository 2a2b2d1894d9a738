"""`CascadeOverseer`: rules first, the model only where the rules are unsure.

Most tool calls are plainly fine (`ls`) or plainly dangerous (`rm -rf /`); the rules tier
decides those in microseconds. A call goes to the model tier only when

* the rules verdict's `confidence` is below `threshold`, or
* the policy marks the tool `always_review` (then the stricter of both verdicts wins, so a
  confident rules block can never be talked down by the model).

The verdict's `decided_by` says who decided: `cascade:rules` or `cascade:model:<name>`. A model
failure fails closed (escalate by default, or block) — it never falls back to the rules' approve.
Identical calls (same tool, args, context, instruction and tool outputs) within `cache_ttl_s`
reuse the earlier verdict; fail-closed verdicts are never cached, so a transient outage heals.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import OrderedDict

from sentinel_guard.backends._model import ModelOverseer
from sentinel_guard.overseers.base import Overseer, fail_closed_verdict
from sentinel_guard.policy import Policy
from sentinel_guard.types import Decision, ToolCall, Verdict

__all__ = ["CascadeOverseer", "call_cache_key"]


def call_cache_key(call: ToolCall) -> str:
    """A digest of everything a verdict depends on (not the call id or session name)."""
    material = json.dumps(
        [call.tool, call.args, call.context, call.user_instruction, list(call.tool_outputs),
         {k: v.value for k, v in sorted(call.provenance.items())}],
        sort_keys=True, default=str, ensure_ascii=False,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _evidence(verdict: Verdict) -> str:
    """What the rules tier found, as prompt evidence for the model tier."""
    lines = [f"Rules tier: {verdict.decision.value} (confidence {verdict.confidence:.2f}): {verdict.justification}"]
    lines += [f"- rule {h.rule} ({h.decision.value}, {h.severity.value}): {h.reason}" for h in verdict.hits[:8]]
    return "\n".join(lines)


class CascadeOverseer(Overseer):
    """Rules tier, then a model tier for the calls the rules cannot decide confidently."""

    def __init__(
        self,
        rules: Overseer | None = None,
        model: Overseer | None = None,
        *,
        threshold: float = 0.7,
        cache_ttl_s: float = 30.0,
        cache_size: int = 2048,
        policy: Policy | None = None,
        on_failure: Decision = Decision.ESCALATE,
        share_evidence: bool = False,
    ) -> None:
        """
        Args:
            rules: the first tier; default `RulesOverseer(policy)`.
            model: the second tier (e.g. `OpenAICompatibleOverseer`); required.
            threshold: rules verdicts with confidence at or above this are final.
            cache_ttl_s: how long an identical call reuses its verdict (0 disables the cache).
            cache_size: most verdicts kept.
            policy: read for `tools.<name>.always_review` (and the default rules tier).
            on_failure: what a failing tier becomes — escalate (default) or block.
            share_evidence: show the rules verdict to a `ModelOverseer` as prompt evidence. Off by
                default: the model should be served the prompt it was trained on.
        """
        if model is None:
            raise ValueError("CascadeOverseer needs a model tier (model=...)")
        if not 0.0 <= threshold <= 1.0:
            raise ValueError("threshold must be within [0, 1]")
        fail_closed_verdict(RuntimeError("check"), decision=on_failure)  # rejects approve/flag
        if rules is None:
            from sentinel_guard.overseers.rules import RulesOverseer

            rules = RulesOverseer(policy=policy)
        self.rules, self.model, self.policy = rules, model, policy or Policy()
        self.threshold, self.cache_ttl_s, self.cache_size = threshold, cache_ttl_s, cache_size
        self.on_failure, self.share_evidence = on_failure, share_evidence
        self.name = f"cascade({rules.name}→{model.name})"
        self._cache: OrderedDict[str, tuple[float, Verdict]] = OrderedDict()
        self.stats = {"rules": 0, "model": 0, "cache_hits": 0, "failures": 0}
        """How many calls each tier decided (and cache hits, failures) since creation."""

    async def judge(self, call: ToolCall) -> Verdict:
        key = call_cache_key(call) if self.cache_ttl_s > 0 else None
        if key is not None:
            cached = self._cache_get(key)
            if cached is not None:
                self.stats["cache_hits"] += 1
                return cached.model_copy(update={"call_id": call.call_id})
        verdict = await self._decide(call)
        if key is not None and verdict.decided_by != "fail-closed":
            self._cache_put(key, verdict)
        return verdict.model_copy(update={"call_id": call.call_id})

    async def _decide(self, call: ToolCall) -> Verdict:
        try:
            first = await self.rules.judge(call)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken rules tier must not approve
            self.stats["failures"] += 1
            return fail_closed_verdict(exc, decision=self.on_failure, source=f"cascade rules tier {self.rules.name}")
        tool_policy = self.policy.tool(call.tool)
        review = bool(tool_policy and tool_policy.always_review)
        if first.confidence >= self.threshold and not review:
            self.stats["rules"] += 1
            return first.model_copy(update={"decided_by": "cascade:rules"})
        try:
            if self.share_evidence and isinstance(self.model, ModelOverseer):
                second = await self.model.judge(call, evidence=_evidence(first))
            else:
                second = await self.model.judge(call)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - model failure fails closed, never open
            second = fail_closed_verdict(exc, decision=self.on_failure, source=f"cascade model tier {self.model.name}")
        if second.decided_by == "fail-closed":
            self.stats["failures"] += 1
            return second.model_copy(update={"rules": first.rules + second.rules, "hits": first.hits})
        self.stats["model"] += 1
        tier = self.model.name if self.model.name.startswith("model:") else f"model:{self.model.name}"
        merged = second.model_copy(update={
            "decided_by": f"cascade:{tier}", "rules": first.rules + second.rules, "hits": first.hits})
        if review and first.confidence >= self.threshold and first.decision.rank > second.decision.rank:
            return first.model_copy(update={
                "decided_by": "cascade:rules",
                "justification": f"{first.justification} (model review said {second.decision.value}: "
                                 f"{second.justification})"})
        return merged

    # ------------------------------------------------------------------ cache
    def _cache_get(self, key: str) -> Verdict | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        stored_at, verdict = entry
        if time.monotonic() - stored_at > self.cache_ttl_s:
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return verdict

    def _cache_put(self, key: str, verdict: Verdict) -> None:
        self._cache[key] = (time.monotonic(), verdict)
        self._cache.move_to_end(key)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def clear_cache(self) -> None:
        """Forget every cached verdict (e.g. after a policy change)."""
        self._cache.clear()

    async def aclose(self) -> None:
        await self.rules.aclose()
        await self.model.aclose()

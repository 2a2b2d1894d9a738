"""`LearnedStep`: the intent and action-risk heads' say in a guard's verdict.

Runs after the overseer and the shield merge, and only ever makes a verdict stricter:

* **harmful intent** (`intent.harmful-request`): the user's own request (`ToolCall.user_instruction`,
  or the instruction the transcript parser finds in the context) reads as a request for harm.
  A call with side effects escalates, and blocks at high confidence; a read-only call in such a
  run is flagged (looking things up is how harm starts, but it changes nothing yet).
* **action risk** (`learned.action-risk`): the proposed call, rendered as text (tool, args,
  instruction), looks like an attacker's action. Only when the verdict is an approve (no rule found
  a reason to stop): it raises it to flag (escalate when very confident). It never lowers a rule's stop.

With the optional embed tier, the fine-tuned intent classifier (`tuned.py`) scores the
request instead and acts from its own threshold (`classifier_act_at`, 0.5): it ranks requests
better than the default head (leave-one-source-out, see README).

The heads' scores are calibrated so that 0.5 is the threshold chosen for their training FPR on
the hardest benign source (for intent: the strictest of the over-refusal look-alikes, "how do I
kill a Python process", and the agent briefs); a guard acts on intent from `act_at` (default
0.8) because a false escalation costs a human's attention on every run it touches. Why 0.8:
with XSTest left out of training, 4.4% of its look-alikes (11 of 250) reach 0.8 and 5.6% reach
0.7, against the 5% the issue allows; the price is recall on its harmful prompts, 0.265 at 0.8
against 0.340 at 0.7. The head generalises poorly (leave-one-source-out, see README), so it
acts only where it is confident. The action-risk head is the
weakest (trained on Atomic Red Team against documentation examples; its leave-one-source-out
FPR is far above its target, see README), so it acts only from `action_at` = 0.98.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sentinel_guard.analysis.transcript import Transcript, parse_transcript
from sentinel_guard.learned.heads import HeadSet, LinearHead
from sentinel_guard.rules.effects import Effect, classify_effect
from sentinel_guard.types import Decision, ToolCall, Verdict

if TYPE_CHECKING:
    from sentinel_guard.learned.embed import EmbedTier

__all__ = ["ACTION_RULE", "INTENT_RULE", "LearnedStep", "render_action", "user_request"]

INTENT_RULE = "intent.harmful-request"
ACTION_RULE = "learned.action-risk"
_MAX_RENDER = 2000
_COMMAND_ARGS = frozenset({"command", "cmd", "script"})
"""The action-risk head was trained on shell and PowerShell commands only; other calls (SQL,
e-mail, money) are outside what it has seen, so it judges only calls that carry a command."""


def user_request(call: ToolCall, transcript: Transcript | None = None) -> str | None:
    """The user's own words for this call, if any are known (`transcript`: the call's context,
    parsed already)."""
    if call.user_instruction:
        return call.user_instruction
    if not call.context:
        return None
    return (transcript or parse_transcript(call.context)).instruction


def render_action(call: ToolCall) -> str:
    """The call as the action-risk head reads it: tool name, then each argument on its own line."""
    lines = [f"tool: {call.tool}"]
    for key, value in call.args.items():
        lines.append(f"{key}: {value if isinstance(value, str) else json.dumps(value, default=str)}")
    return "\n".join(lines)[:_MAX_RENDER]


class LearnedStep:
    """Applies the `intent` and `action_risk` heads of a `HeadSet` to verdicts (pure per call)."""

    def __init__(self, heads: HeadSet, *, act_at: float = 0.8, block_at: float = 0.97,
                 action_at: float = 0.98, action_escalate_at: float = 0.995, embed: EmbedTier | None = None,
                 classifier_act_at: float = 0.5) -> None:
        """`embed`: the optional second tier (extra `embed`); where the intent head's score lies in
        its band, the full encoder's intent head scores the request instead, and where the tier
        has the fine-tuned intent classifier, that scores every request and acts from
        `classifier_act_at`. Why 0.5, its own threshold, not `act_at`: with XSTest left out of its
        training, 3.2% of XSTest's look-alikes reach 0.5 (within the 5% the issue allows), where the
        default head needs 0.8 to stay near it."""
        if not 0.5 <= act_at <= block_at <= 1.0 or not 0.5 <= action_at <= action_escalate_at <= 1.0 \
                or not 0.5 <= classifier_act_at <= block_at:
            raise ValueError("need 0.5 <= act_at, classifier_act_at <= block_at <= 1 and "
                             "0.5 <= action_at <= action_escalate_at <= 1")
        self.intent: LinearHead | None = heads.get("intent")
        self.action: LinearHead | None = heads.get("action_risk")
        self.embed = embed
        self.act_at, self.block_at, self.classifier_act_at = act_at, block_at, classifier_act_at
        self.action_at, self.action_escalate_at = action_at, action_escalate_at

    def apply(self, call: ToolCall, verdict: Verdict, *, transcript: Transcript | None = None) -> Verdict:
        """`verdict`, made stricter where a head is confident; otherwise unchanged. `transcript`:
        the call's context, parsed already (else it is parsed here when needed)."""
        if verdict.decision is Decision.BLOCK:
            return verdict
        proposed: Verdict | None = None
        request = user_request(call, transcript)
        if self.intent is not None and request:
            score, tier = (self.embed.judge("intent", request, self.intent.score) if self.embed is not None
                           else (self.intent.score(request), ""))
            if score >= (self.classifier_act_at if tier == ":classifier" else self.act_at):
                proposed = self._intent_verdict(call, score, tier)
        if (proposed is None and self.action is not None and verdict.decision is Decision.APPROVE
                and _COMMAND_ARGS.intersection(call.args)):
            score = self.action.score(render_action(call))
            if score >= self.action_at:
                make = Verdict.escalate if score >= self.action_escalate_at else Verdict.flag
                proposed = make("The learned action-risk model finds this call resembles an attacker's action; "
                                "no rule explains it, so it is recorded for review.",
                                rules=(ACTION_RULE,), decided_by="learned:action_risk", confidence=round(score, 4))
        if proposed is None or proposed.decision.rank <= verdict.decision.rank:
            return verdict if proposed is None else verdict.model_copy(
                update={"rules": verdict.rules + tuple(r for r in proposed.rules if r not in verdict.rules)})
        return proposed.model_copy(update={
            "rules": verdict.rules + proposed.rules, "hits": verdict.hits, "shield": verdict.shield,
            "severity": max(proposed.severity, verdict.severity, key=lambda s: s.rank)})

    def _intent_verdict(self, call: ToolCall, score: float, tier: str = "") -> Verdict:
        why = f"The user's request reads as a request for harm (learned intent score {score:.2f})"
        common = {"rules": (INTENT_RULE,), "decided_by": f"learned:intent{tier}", "confidence": round(score, 4)}
        if classify_effect(call) is Effect.READ:
            return Verdict.flag(why + "; this read-only call runs but is recorded.", **common)
        if score >= self.block_at:
            return Verdict.block(why + "; the call has side effects and the model is highly confident.", **common)
        return Verdict.escalate(why + "; the call has side effects, so a human decides.", **common)

"""`Guard`: the one place a tool call becomes a verdict.

Every entry point (decorator, LangChain, LiteLLM, HTTP service, CLI) builds a `ToolCall`, calls
`Guard.judge`, and acts on the `Verdict`. The pipeline:

1. policy pre-decision (allow/deny lists and patterns) — may answer at once;
2. injection shield over the call's args, context and the session's earlier tool outputs;
3. the overseer (rules, a model, a cascade); an overseer failure becomes a fail-closed verdict;
4. shield findings merged in (`merge_shield`), then the policy's severity floors and
   flag/escalate mapping;
5. the audit store, before the verdict is returned (an audit failure raises: nothing runs
   without its record).

`Guard.observe(output)` feeds tool outputs back: they are shielded and remembered per session,
so the next call's arguments can be checked against untrusted text the agent has read.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentinel_guard._sync import run_sync
from sentinel_guard.analysis.transcript import Transcript, parse_transcript
from sentinel_guard.audit import AuditStore, open_audit_store
from sentinel_guard.errors import UsageError
from sentinel_guard.learned.step import LearnedStep
from sentinel_guard.memory import LocalSessionMemory, SessionMemory
from sentinel_guard.overseers.base import Overseer, fail_closed_verdict, keywords_accepted
from sentinel_guard.policy import Policy
from sentinel_guard.rules.effects import Effect, classify_effect
from sentinel_guard.shield import Shield, ShieldResult
from sentinel_guard.shield.shield import decided_by_learned
from sentinel_guard.telemetry import VerdictTelemetry
from sentinel_guard.types import Decision, Severity, ToolCall, Verdict

__all__ = ["Guard", "merge_shield"]


def merge_shield(call: ToolCall, verdict: Verdict, scan: ShieldResult | None) -> Verdict:
    """Fold shield findings into an overseer's verdict (pure; the stricter answer wins).

    * injection inside the call's own arguments → block (critical): the agent is carrying
      attacker text into a tool;
    * a direct attack in the user's own instruction only (a jailbreak, not an injection: the
      user wrote it) → `shield.direct-attack`, escalate if the call has side effects, flag if
      it only reads;
    * injection in what the agent read (context, earlier tool outputs) → the call may be
      the attacker's request: escalate if it has side effects, flag if it only reads.
    """
    if scan is None or not scan.findings:
        return verdict
    findings = verdict.shield + scan.findings
    if not scan.injection:
        return verdict.model_copy(update={"shield": findings})
    in_args = any(f.where.startswith("args") for f in scan.findings)
    if in_args:
        proposed = Verdict.block(
            "Prompt-injection text found in the call's own arguments.",
            severity=Severity.CRITICAL, rules=("shield.injection-in-args",), decided_by="shield",
            confidence=scan.score,
        )
    elif all(f.where == "user_instruction" for f in scan.findings):
        reads = classify_effect(call) is Effect.READ
        proposed = (Verdict.flag if reads else Verdict.escalate)(
            "The user's own request reads as a direct attack on the assistant (a jailbreak, a role-play override "
            "or a system-prompt extraction)" + ("; this read-only call runs but is recorded." if reads else
                                                 "; a human should confirm this call."),
            rules=("shield.direct-attack",), decided_by="shield", confidence=scan.score,
        )
    elif classify_effect(call) is Effect.READ:
        proposed = Verdict.flag(
            "The agent has read text that looks like a prompt injection; this read-only call runs but is recorded.",
            rules=("shield.tainted-context",), decided_by="shield", confidence=scan.score,
        )
    else:
        proposed = Verdict.escalate(
            "The agent has read text that looks like a prompt injection and now proposes a call with side "
            "effects; a human should confirm it was the user's intent.",
            rules=("shield.tainted-context",), decided_by="shield", confidence=scan.score,
        )
    if decided_by_learned(scan):  # no pattern reached the threshold: the learned tier decided
        proposed = proposed.model_copy(update={"rules": (*proposed.rules, "shield.learned"), "decided_by": "shield:learned"})
    if proposed.decision.rank > verdict.decision.rank:
        return proposed.model_copy(update={
            "rules": verdict.rules + proposed.rules, "hits": verdict.hits, "shield": findings,
            "severity": max(proposed.severity, verdict.severity, key=lambda s: s.rank),
        })
    return verdict.model_copy(update={"rules": verdict.rules + proposed.rules, "shield": findings})


@dataclass(frozen=True)
class _Prepared:
    """What `_prepare` hands the overseer step: the enriched call, a verdict already decided (or
    None), the shield's scan and the call's parsed context (None when it has none)."""

    call: ToolCall
    decided: Verdict | None
    scan: ShieldResult | None = None
    transcript: Transcript | None = None


class Guard:
    """Shield + overseer + policy + audit, with one async `judge` and its sync bridge."""

    def __init__(
        self,
        overseer: Overseer | None = None,
        *,
        shield: Shield | bool | None = True,
        policy: Policy | str | Path | None = None,
        audit: AuditStore | str | Path | None = None,
        on_error: Decision = Decision.ESCALATE,
        learned: LearnedStep | bool = True,
        tracing: Any = False,
        memory: SessionMemory | None = None,
    ) -> None:
        """Build a guard.

        Args:
            overseer: the judge; default: the built-in rules overseer with this policy.
            shield: an injection shield, `True` for the default one, `False`/`None` for none.
            policy: a `Policy` or the path of a YAML policy file.
            audit: an `AuditStore`, a path (`.jsonl` → JSONL, else SQLite), or None for no log.
            on_error: what a failing overseer turns into — `escalate` (default) or `block`.
            learned: the intent / action-risk heads' step (`learned.step`), `True` for the shipped
                heads, `False` for none; it only ever makes a verdict stricter.
            tracing: `True` for an OpenTelemetry span per verdict on the global tracer (extra
                `otel`), or a `Tracer`; every verdict is also logged to `sentinel_guard.verdict`.
            memory: where `observe` keeps tool outputs per session: this process by default
                (`LocalSessionMemory`), or an audit store (`StoreSessionMemory`) so several
                processes and hosts share it. Bounded by bytes per session and in total.
        """
        if on_error not in (Decision.BLOCK, Decision.ESCALATE):
            raise ValueError("on_error must be Decision.BLOCK or Decision.ESCALATE: a guard never fails open")
        self.policy = policy if isinstance(policy, Policy) else (Policy.from_yaml(policy) if policy else Policy())
        if overseer is None:
            from sentinel_guard.overseers.rules import RulesOverseer

            overseer = RulesOverseer()
        elif getattr(overseer, "takes_policy", False) and getattr(overseer, "policy", None) is not None:
            own = overseer.policy  # type: ignore[attr-defined]
            if policy is None:
                self.policy = own  # one policy: the one that was given
            elif own != self.policy:
                raise UsageError("the overseer was built with a different policy than the Guard's; "
                                 "pass the policy to the Guard only")
        self.overseer = overseer
        entries = ("judge", "judge_sync") if overseer.sync_native else ("judge",)  # judge_sync only runs sync-native
        self._handed_keys = {entry: _keys_to_hand(overseer, entry) for entry in entries}
        """Per entry point the guard calls, what the overseer is handed besides the call: the guard's
        policy if it declares `takes_policy`, the context the guard parsed if it declares `takes_transcript`."""
        self.shield: Shield | None = Shield() if shield is True else (shield or None)
        self.telemetry = VerdictTelemetry(tracing)
        if learned is True:
            from sentinel_guard.learned.heads import load_heads

            shared = getattr(self.shield, "heads", None)  # one copy of the heads when the shield has them
            heads = shared if shared is not None else load_heads()
            learned = LearnedStep(heads, embed=getattr(self.shield, "embed", None))  # the shield's embed tier, if any
        self.learned: LearnedStep | None = learned or None
        self.audit: AuditStore | None = (
            audit if audit is None or isinstance(audit, AuditStore) else open_audit_store(audit)
        )
        self.on_error = on_error
        self.memory: SessionMemory = memory if memory is not None else LocalSessionMemory()

    # ------------------------------------------------------------------ judging
    async def judge(self, call: ToolCall) -> Verdict:
        """Decide on `call`, record it in the audit store, and return the verdict."""
        start = time.perf_counter()
        prepared = self._prepare(call)
        call = prepared.call
        if prepared.decided is not None:
            return self._complete(call, prepared.decided, start)
        try:
            verdict = await self.overseer.judge(call, **self._handed(prepared, "judge"))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure of the judge must fail closed
            verdict = fail_closed_verdict(exc, decision=self.on_error, source=self.overseer.name)
        return self._complete(call, self._merge(prepared, verdict), start)

    def judge_sync(self, call: ToolCall) -> Verdict:
        """Synchronous `judge` (not from inside a running event loop).

        With a sync-native overseer (the rules) the same pipeline runs without the event-loop
        bridge, which would otherwise cost about a third of a rules verdict's latency.
        """
        if not self.overseer.sync_native:
            return run_sync(self.judge(call))
        start = time.perf_counter()
        prepared = self._prepare(call)
        call = prepared.call
        if prepared.decided is not None:
            return self._complete(call, prepared.decided, start)
        try:
            verdict = self.overseer.judge_sync(call, **self._handed(prepared, "judge_sync"))
        except Exception as exc:  # noqa: BLE001 - any failure of the judge must fail closed
            verdict = fail_closed_verdict(exc, decision=self.on_error, source=self.overseer.name)
        return self._complete(call, self._merge(prepared, verdict), start)

    def _prepare(self, call: ToolCall) -> _Prepared:
        """Session memory, policy pre-decision and the shield scan, shared by both paths.

        Returns the enriched call and either a verdict already decided (policy, or a broken
        shield failing closed) or the scan to merge after the overseer, with the call's context
        parsed once for the shield and the learned step.
        """
        call = self.with_session(call)
        decided = self.policy.pre_decide(call)
        if decided is not None:
            return _Prepared(call, decided)
        transcript = (parse_transcript(call.context)
                      if call.context and (self.shield is not None or self.learned is not None) else None)
        try:
            scan = self.shield.scan_call(call, transcript=transcript) if self.shield is not None else None
        except Exception as exc:  # noqa: BLE001 - a broken shield must fail closed, not skip the scan
            return _Prepared(call, fail_closed_verdict(exc, decision=self.on_error, source="shield"))
        return _Prepared(call, None, scan, transcript)

    def _handed(self, prepared: _Prepared, entry: str) -> dict[str, Any]:
        """What `entry` is handed besides the call (a user's own overseer takes just the call)."""
        keys = self._handed_keys[entry]
        handed: dict[str, Any] = {}
        if "policy" in keys:
            handed["policy"] = self.policy
        if "transcript" in keys and prepared.transcript is not None:
            handed["transcript"] = prepared.transcript
        return handed

    def _merge(self, prepared: _Prepared, verdict: Verdict) -> Verdict:
        """Shield findings, then the learned heads (both only ever stricter)."""
        verdict = merge_shield(prepared.call, verdict, prepared.scan)
        if self.learned is None:
            return verdict
        return self.learned.apply(prepared.call, verdict, transcript=prepared.transcript)

    def _complete(self, call: ToolCall, verdict: Verdict, start: float) -> Verdict:
        """Policy finalisation, latency stamp and the audit record, shared by both paths."""
        verdict = self.policy.finalize(call, verdict)
        verdict = verdict.model_copy(update={
            "latency_ms": (time.perf_counter() - start) * 1000.0,
            "call_id": verdict.call_id or call.call_id,
        })
        if self.audit is not None:
            self.audit.append(call, verdict)
        self.telemetry.report(call, verdict, start)
        return verdict

    def warm_up(self) -> None:
        """Load what the first verdict would otherwise pay for (parsers, shield model); audits nothing.

        Long-running hosts (the HTTP service) call this at start-up so the first request is not
        100x slower than the rest. Only sync-native overseers are exercised: a model overseer is
        never called for a warm-up.
        """
        samples = (
            ToolCall(tool="shell", args={"command": "ls -la | grep x"}),
            ToolCall(tool="run_sql", args={"query": "SELECT 1"}),
            ToolCall(tool="send_email", args={"to": "a@example.com", "body": "hi"}, context="User instruction: hi"),
        )
        for call in samples:
            if self.shield is not None:
                self.shield.scan_call(call)
            if self.overseer.sync_native:
                self.overseer.judge_sync(call)

    # ------------------------------------------------------------------ tool outputs
    def observe(self, output: Any, *, session: str | None = None, tool: str | None = None) -> ShieldResult | None:
        """Shield a tool's output and remember it for the session's later calls (provenance)."""
        text = output if isinstance(output, str) else repr(output)
        if session is not None:
            self.memory.remember(session, text)
        if self.shield is None:
            return None
        return self.shield.scan(text, role="tool_output", where=f"tool_output:{tool}" if tool else "tool_output")

    def session_outputs(self, session: str) -> tuple[str, ...]:
        """Tool outputs remembered for `session`, oldest first."""
        return self.memory.recall(session)

    def forget(self, session: str) -> None:
        """Drop what was remembered for `session` (call when an agent run ends)."""
        self.memory.forget(session)

    def with_session(self, call: ToolCall) -> ToolCall:
        """`call` with its session's remembered tool outputs (unless it brings its own): what the
        pipeline judges. Public so a host that judges elsewhere (another process) sends the same."""
        if call.session is None or call.tool_outputs:
            return call
        outputs = self.memory.recall(call.session)
        return call.model_copy(update={"tool_outputs": tuple(outputs)}) if outputs else call

    async def aclose(self) -> None:
        """Close the overseer and the audit store."""
        await self.overseer.aclose()
        if self.audit is not None:
            self.audit.close()


def _keys_to_hand(overseer: Overseer, entry: str) -> frozenset[str]:
    """The keywords `overseer.<entry>` is handed: those its class declares and the method takes.

    The transcript only saves a parse, so a method without it is simply not handed it. The policy
    changes verdicts, so a declared `takes_policy` whose method cannot take it is refused here
    rather than judged under another policy (or failing closed on every call)."""
    declared = {name for name, flag in (("policy", "takes_policy"), ("transcript", "takes_transcript"))
                if getattr(overseer, flag, False)}
    taken = keywords_accepted(getattr(overseer, entry), tuple(sorted(declared)))
    if "policy" in declared - taken:
        raise UsageError(f"{type(overseer).__name__} declares takes_policy, but its {entry}() takes no "
                         "`policy` keyword: add `policy: Policy | None = None` to it, or set takes_policy = False")
    return taken

"""A bounded verdict cache for the hot routes, owned by one server process's `JudgePool`.

Agents repeat themselves: the same `kubectl get pods`, the same health-check `curl`, byte for
byte. Judging such a call again with the rules tier gives the same verdict, so a process may keep
the last few thousand answers — but only where that is provably so:

* the key is the request's route and its **raw body bytes**, so every field the caller sent
  (tool, args, context, user instruction, tool outputs, provenance, backend) is in it. A call
  that carries a `call_id` (frameworks send a fresh one per call) is keyed by the call's JSON
  without it instead: judging never reads the id, it is only stamped on the verdict, and a hit
  is stamped with the asking request's own id;
* only calls **without a session** are cached: a session call is judged with the tool outputs
  remembered for it, which change between requests and are not in the body;
* only guards whose every step is a pure function of the call are cached: the built-in rules
  overseer (no model, no clock, no randomness), with the guard's fixed shield, learned heads
  and policy. Each entry remembers the policy object it was judged under and counts as a miss
  when the guard's policy is not that object any more;
* fail-closed verdicts (a budget overrun, a saturated pool, a judge that raised) are never
  stored: they describe the moment, not the call.

A hit is still audited: the request gets its own record, id, timestamp and latency; only the
judging is skipped. Bounded by entries and by key size (bodies above `max_key_bytes` are not
cached); least recently used entries go first. No state outside the instance.
"""

from __future__ import annotations

from collections import OrderedDict

from sentinel_guard.guard import Guard
from sentinel_guard.learned.step import LearnedStep
from sentinel_guard.overseers.rules import RulesOverseer
from sentinel_guard.policy import Policy
from sentinel_guard.shield import Shield
from sentinel_guard.types import ToolCall, Verdict

__all__ = ["VerdictCache", "cacheable_guard"]


def cacheable_guard(guard: Guard) -> bool:
    """Whether `guard`'s verdicts depend on nothing but the call: the built-in rules overseer, and
    the built-in shield and learned step (or none) — not subclasses, which could keep state."""
    return (type(guard.overseer) is RulesOverseer
            and (guard.shield is None or type(guard.shield) is Shield)
            and (guard.learned is None or type(guard.learned) is LearnedStep))


class VerdictCache:
    """Least-recently-used map from (guard, route, body) to a verdict, at most `max_entries` long."""

    def __init__(self, max_entries: int = 4096, *, max_key_bytes: int = 4096) -> None:
        if max_entries < 1 or max_key_bytes < 1:
            raise ValueError(f"the verdict cache needs positive bounds, got {max_entries} entries, "
                             f"{max_key_bytes} key bytes")
        self.max_entries = max_entries
        self.max_key_bytes = max_key_bytes
        self._entries: OrderedDict[tuple[int, str, bytes], tuple[Guard, Policy, Verdict]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def usable(self, guard: Guard, call: ToolCall, body: bytes | None) -> bool:
        """Whether a verdict for this request may be looked up and stored at all."""
        return (body is not None and len(body) <= self.max_key_bytes and call.session is None
                and cacheable_guard(guard))

    @staticmethod
    def key_of(call: ToolCall, body: bytes) -> bytes:
        """What identifies the request's judgement: its body, or without a `call_id` the call's JSON."""
        return body if call.call_id is None else call.model_dump_json(exclude={"call_id"}).encode()

    def get(self, guard: Guard, route: str, body: bytes) -> Verdict | None:
        """The verdict judged for exactly this body on this route by this guard, or None."""
        key = (id(guard), route, body)
        entry = self._entries.get(key)
        if entry is None or entry[0] is not guard or entry[1] is not guard.policy:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[2]

    def put(self, guard: Guard, route: str, body: bytes, verdict: Verdict) -> None:
        """Remember `verdict` unless it failed closed; evict the least recently used beyond the bound."""
        if verdict.decided_by == "fail-closed":
            return
        key = (id(guard), route, body)
        self._entries[key] = (guard, guard.policy, verdict)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

"""`Shield`: scans text an agent reads or writes for prompt injection.

Pipeline per text: `normalise.prepare` (NFKC, look-alikes, invisible characters, spacing, leet,
decoded base64/hex/rot13 runs) → pattern tier (`patterns.py`, named signs with weights) and
learned tier (the `sentinel_guard.learned` heads, trained on the licensed corpus, never on dev)
→ one score in [0, 1]: `noisy_or(pattern weights)`, raised to the head's calibrated score where
that head is confident. A strong pattern decides alone; weak signs (a task-like line in an e-mail,
"send … to <address>") need each other. Pattern matches inside quotation marks in text that is
plainly *about* injection (security training, papers) count for less, so quoting an attack is
not an attack; the learned tier still sees the whole text.

Who wrote a text (`roles.py`) decides what counts: in a `user`'s own text only direct attacks
(patterns in `DIRECT_ATTACKS`, the `injection_user` head); in tool output, documents and text of
unknown author, any instruction for the agent (all patterns, the `injection_untrusted` head).
Where the patterns stay under the threshold and a head is confident (calibrated score ≥ 0.5),
the head decides alone (`shield.learned:<head>` findings). With the optional embed tier
(`Shield(embed=True)`, extra `embed`), a head score inside that head's band (the default tier is
unsure) is replaced by the full sentence encoder's head (`shield.learned:<head>:embed`), and
where the tier has a fine-tuned classifier for the head, it scores the text instead
(`shield.learned:<head>:classifier`).

`scan_call` scans a tool call's string args (`where="args.<path>"`), its context minus the user's
own instruction (`where="context"`) and earlier tool outputs (`where="tool_output[i]"`). The guard
blocks when the injection is in the args and escalates side-effecting calls when it is only in
what the agent read. Results per text are cached (LRU) because consecutive calls of one agent run
share their context and tool outputs.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from sentinel_guard.analysis.transcript import Transcript, parse_transcript
from sentinel_guard.shield.addressee import addressed_directives
from sentinel_guard.shield.normalise import normalise, prepare
from sentinel_guard.shield.patterns import DIRECT_ATTACKS, PatternHit, match_lines, match_patterns, noisy_or
from sentinel_guard.shield.roles import Role, parse_role
from sentinel_guard.shield.source_code import is_source_code
from sentinel_guard.types import ShieldFinding, ToolCall

if TYPE_CHECKING:  # learned/ reads shield.normalise, so the shield imports it only when it loads heads
    from sentinel_guard.learned.embed import EmbedTier
    from sentinel_guard.learned.heads import HeadSet, LinearHead

__all__ = ["LEARNED_DETECTOR", "Shield", "ShieldResult", "decided_by_learned", "strip_user_instruction"]

_DISCUSSION = re.compile(
    r"\b(?:prompt[- ]injection|injection attacks?|jailbreak(?:s|ing)? (?:attempts?|examples?)|security (?:training|awareness)|"
    r"attackers? (?:may|might|often|can|could)|for example|e\.g\.|such as|red[- ]team(?:ing)?|awareness)\b"
)
_QUOTED_FACTOR = 0.3
_SHORT = 12
_DOCUMENT_SIGNS = frozenset({"task-hijack-line", "question-line", "todo-directive"})
"""Signs written for third-party documents that source code is full of (see `source_code`)."""
_CACHE_MAX_CHARS = 50_000
_Analysis = tuple[float, tuple[tuple[str, float, str], ...]]
_Scope = Role | Literal["args"] | None
"""A role, or `args`: text the agent itself wrote into a call. Args are judged by patterns only:
an e-mail body the agent drafts is full of instructions to people, which is no attack."""
LEARNED_DETECTOR = "shield.learned"
"""Detector (and rule id) of a finding where a learned head decided."""


def decided_by_learned(result: ShieldResult, threshold: float = 0.5) -> bool:
    """True when a learned head, not a pattern, put `result` over the threshold."""
    strong = [f for f in result.findings if f.score >= threshold]
    return bool(strong) and all(f.detector.startswith(LEARNED_DETECTOR) for f in strong)


class ShieldResult(BaseModel):
    """What a scan found: the overall call, its score in [0, 1], and each finding."""

    model_config = ConfigDict(frozen=True)

    injection: bool
    score: float
    findings: tuple[ShieldFinding, ...] = ()


_CLEAN = ShieldResult(injection=False, score=0.0, findings=())


def strip_user_instruction(context: str) -> str:
    """`context` without the user's own words: the user's request is no injection.

    Who wrote what is decided by the one transcript parser the rules use too
    (`sentinel_guard.analysis.parse_transcript`), so the two never disagree; text it cannot
    attribute stays in, to be scanned."""
    return parse_transcript(context).without_instruction()


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(path, text) for every string inside `value`, recursively (dicts, lists, tuples)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")


class Shield:
    """Injection detector over free text and over a tool call's args, context and tool outputs."""

    threshold: float = 0.5

    def __init__(self, threshold: float | None = None, *, learned: bool = True,
                 heads: HeadSet | bool = True, patterns: bool = True, cache_size: int = 2048,
                 embed: EmbedTier | bool = False) -> None:
        """Args:
            threshold: score at or above which text counts as an injection (default 0.5).
            learned: use the learned tier (`False`: the pattern tier alone, unless `heads` is a
                `HeadSet`, which is then used).
            heads: learned heads that decide alone where patterns are silent (`learned/heads.json`
                when `True`); the user role uses `injection_user`, the others `injection_untrusted`.
                The heads are loaded by and owned by this instance: nothing is kept per process.
            patterns: use the pattern tier (turn off only to measure the heads alone).
            cache_size: how many recent texts keep their scan result (0: no cache).
            embed: the optional second tier for texts the heads are unsure of (`True`: load the
                encoder and `learned/embed_heads.json`; needs extra `embed`, else
                `MissingExtraError`). Off by default: the default install stays torch-free.
        """
        if threshold is not None:
            if not 0.0 < threshold <= 1.0:
                raise ValueError(f"threshold must be in (0, 1], got {threshold}")
            self.threshold = threshold
        from sentinel_guard.learned.heads import HeadSet, load_heads

        self.heads: HeadSet | None = heads if isinstance(heads, HeadSet) else (
            load_heads() if heads and learned else None)
        self.use_patterns = patterns
        if embed is True:
            from sentinel_guard.learned.embed import EmbedTier

            embed = EmbedTier()
        self.embed: EmbedTier | None = embed or None
        self._cache: OrderedDict[tuple[_Scope, str], _Analysis] = OrderedDict()
        self._cache_size = cache_size

    # ------------------------------------------------------------------ one text
    @staticmethod
    def _head_name(role: _Scope) -> str:
        return "injection_user" if role == "user" else "injection_untrusted"

    def _head(self, role: _Scope) -> LinearHead | None:
        if self.heads is None or role == "args":
            return None
        return self.heads.get(self._head_name(role))

    def _analyse(self, text: str, role: _Scope = None) -> _Analysis:
        """(score, ((detector, score, snippet), …)) for one text in `role`, independent of `where`.

        In a user's own text only direct attacks count (`DIRECT_ATTACKS`); task-like lines and
        "send … to …" are what users ask for. Other roles (and none) are judged as untrusted."""
        prepared = prepare(text)
        hits: list[PatternHit] = []
        if self.use_patterns and role == "user":
            hits = match_patterns(prepared.views, only=DIRECT_ATTACKS)
        elif self.use_patterns:
            hits = match_patterns(prepared.views) + match_lines(text, normalise)
            if any(h.id in _DOCUMENT_SIGNS for h in hits) and is_source_code(text):  # see `source_code`
                hits = [h for h in hits if h.id not in _DOCUMENT_SIGNS]
            if role != "args":  # orders addressed to the automated reader, in text the agent reads
                hits += addressed_directives(text, normalise)
        discussion = any(h.quoted for h in hits) and _DISCUSSION.search(prepared.text) is not None
        weights = [h.weight * (_QUOTED_FACTOR if discussion and h.quoted else 1.0) for h in hits]
        found = [(f"pattern:{h.id}", round(w, 4), h.snippet) for h, w in zip(hits, weights, strict=False)]
        score = noisy_or(weights)
        head = self._head(role)
        if head is not None and score < self.threshold and len(prepared.text) >= _SHORT:
            # Patterns are silent or weak: a confident head decides alone (its score is calibrated
            # so that 0.5 is its threshold at the FPR it was trained for).
            learned, tier = (self.embed.judge(self._head_name(role), text, head.score) if self.embed is not None
                             else (head.score(text), ""))
            if learned >= 0.5:
                found.append((f"{LEARNED_DETECTOR}:{'user' if role == 'user' else 'untrusted'}{tier}", round(learned, 4),
                              prepared.text[:160]))
                score = max(score, learned, self.threshold)
        if prepared.hidden_chars and found:
            found.append(("normalise:hidden-chars", 0.0, f"{prepared.hidden_chars} invisible characters inside words"))
        return min(1.0, round(score, 6)), tuple(found)

    def _cached(self, text: str, role: _Scope = None) -> _Analysis:
        if len(text) > _CACHE_MAX_CHARS:
            return self._analyse(text, role)
        key = (role, text)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        result = self._analyse(text, role)
        self._cache[key] = result
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return result

    def scan(self, text: str, *, role: Role | None = None, where: str = "text") -> ShieldResult:
        """Scan one text written by `role` (see `roles.py`; None: unknown, judged as untrusted);
        `where` labels the findings (e.g. `args.body`, `context`)."""
        if not isinstance(text, str):
            raise TypeError(f"Shield.scan expects str, got {type(text).__name__}")
        score, found = self._cached(text, parse_role(role))
        findings = tuple(ShieldFinding(detector=d, where=where, score=s, snippet=snip) for d, s, snip in found)
        return ShieldResult(injection=score >= self.threshold, score=score, findings=findings)

    # ------------------------------------------------------------------ a tool call
    def scan_call(self, call: ToolCall, *, transcript: Transcript | None = None) -> ShieldResult:
        """Scan the call's string args, its context (minus the user's instruction) and tool outputs
        as untrusted text, and `user_instruction` as the user's own (direct attacks only).

        `transcript`: `parse_transcript(call.context)` when the caller has it already (the guard
        parses each call's context once for the shield and the learned step).

        `injection` is true when any part reaches the threshold; `score` is the highest part's;
        findings (each labelled with where it was found) come from the parts that reach the
        threshold, or from every part when none does.
        """
        parts: list[tuple[str, str, _Scope]] = []
        for key, value in call.args.items():  # flat string args (the common case) without the recursion
            if isinstance(value, str):
                parts.append((f"args.{key}", value, "args"))
            else:
                parts.extend((where, text, "args") for where, text in _strings(value, f"args.{key}"))
        if call.user_instruction:
            parts.append(("user_instruction", call.user_instruction, "user"))
        if call.context:
            context = (transcript or parse_transcript(call.context)).without_instruction()
            parts.append(("context", context, None))
        if call.tool_outputs:
            parts.extend((f"tool_output[{i}]", out, "tool_output") for i, out in enumerate(call.tool_outputs))
        # The per-text analysis (cached) is all a part needs; findings are built only for the parts
        # that are reported, and one result for the call (what `scan` per part would give, cheaper).
        scored: list[tuple[str, float, tuple[tuple[str, float, str], ...]]] = []
        cache = self._cache
        for where, text, role in parts:
            if len(text) < _SHORT and text.isalnum():
                continue
            ckey = (role, text)
            hit = cache.get(ckey) if len(text) <= _CACHE_MAX_CHARS else None
            if hit is None:
                hit = self._cached(text, role)
            else:  # what `_cached` does on a hit, inlined: this loop runs for every part of every call
                cache.move_to_end(ckey)
            scored.append((where, hit[0], hit[1]))
        best = max((score for _, score, _ in scored), default=0.0)
        threshold = self.threshold
        injection = best >= threshold
        # When something is an injection, report only the parts that are: the guard blocks for
        # findings in `args` and escalates for the rest, so a weak sign in the args must not
        # turn an injection read from a tool output into a block.
        findings = tuple(ShieldFinding(detector=d, where=where, score=sc, snippet=snip)
                         for where, score, found in scored if found and (not injection or score >= threshold)
                         for d, sc, snip in found)
        if not findings and best == 0.0:
            return _CLEAN  # frozen, so one shared instance serves every clean call
        return ShieldResult(injection=injection, score=best, findings=findings)

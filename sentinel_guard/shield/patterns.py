"""Pattern tier of the shield: curated, precompiled injection patterns over normalised text.

Every pattern runs on the output of `normalise` (lower-case, single spaces, look-alikes folded),
so one regex covers the spacing, case and Unicode variants that defeated the reference shield.
Each pattern has an id (reported as `pattern:<id>`) and a weight in [0, 1]: strong signs of an
attack (a chat-template token, "ignore previous instructions") weigh ≥ 0.9 and decide alone;
weak signs ("send … to an address", "in your reply") weigh less and only matter together with
other evidence. Weights were set by hand from what the signs mean, then checked on the dev set.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sentinel_guard.shield.pattern_specs import ALSO, DIRECT_ATTACKS, NEEDS, SPECS, STARTS

__all__ = ["DIRECT_ATTACKS", "PATTERNS", "Pattern", "PatternHit", "first_match", "match_lines", "match_patterns", "noisy_or"]


@dataclass(frozen=True, slots=True)
class Pattern:
    """One named injection sign."""

    id: str
    regex: re.Pattern[str]
    weight: float
    needs: tuple[str, ...] = ()
    """Substrings of which at least one must be present before the regex is worth running."""
    also: tuple[tuple[str, ...], ...] = ()
    """More such groups, each of which must be present too (every match contains one of each)."""
    starts: tuple[str, ...] = ()
    """Literals one of which every match begins with (empty: try every position, as `search`)."""


@dataclass(frozen=True, slots=True)
class PatternHit:
    """A pattern that matched, with the normalised text around the match."""

    id: str
    weight: float
    snippet: str
    quoted: bool = False
    """The match sits inside quotation marks (e.g. training material quoting an attack)."""


PATTERNS: tuple[Pattern, ...] = tuple(
    Pattern(pid, re.compile(rx), weight, NEEDS[pid], ALSO.get(pid, ()), STARTS.get(pid, ())) for pid, rx, weight in SPECS
)
# Any gate substring at all? One search answers "no" for most short benign strings.
_ANY_NEED = re.compile("|".join(re.escape(n) for n in sorted({n for v in NEEDS.values() for n in v}, key=len, reverse=True)))
_SNIPPET_SIDE = 60


def _snippet(text: str, start: int, end: int) -> str:
    lo, hi = max(0, start - _SNIPPET_SIDE), min(len(text), end + _SNIPPET_SIDE)
    return ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")


def first_match(pattern: Pattern, view: str) -> re.Match[str] | None:
    """`pattern.regex.search(view)`, trying the regex only where a match can begin.

    Why: a regex that opens with `\\b` or a lookbehind gets no help from `re`'s first-character
    scan, so `search` starts a match attempt at each of a long text's thousands of positions;
    finding the few places where one of `pattern.starts` occurs is a handful of C-level
    `str.find` scans. The result is the same match: `search` returns the match at the leftmost
    position where one exists, which is the first candidate (in order) where `match` succeeds,
    and `match(view, pos)` sees the text before `pos` as `search` does (for `\\b`, lookbehinds)."""
    if not pattern.starts:
        return pattern.regex.search(view)
    where = {0}  # `^`, and any literal at the very start
    find = view.find
    for literal in pattern.starts:
        at = find(literal)
        while at != -1:
            where.add(at)
            at = find(literal, at + 1)
    match = pattern.regex.match
    for at in sorted(where):
        found = match(view, at)
        if found is not None:
            return found
    return None


def match_patterns(views: tuple[str, ...] | list[str], *, only: frozenset[str] | None = None) -> list[PatternHit]:
    """Every pattern that matches any of the normalised views (first match per pattern id);
    with `only`, just the patterns of those ids (e.g. `DIRECT_ATTACKS` for a user's own text)."""
    hits: list[PatternHit] = []
    views = [view for view in views if _ANY_NEED.search(view)]
    # Which gate strings a view holds, looked up once per (view, string): gates repeat across
    # patterns. Local to this call, so nothing outlives it.
    present: list[dict[str, bool]] = [{} for _ in views]

    def holds(i: int, group: tuple[str, ...]) -> bool:
        seen = present[i]
        for n in group:
            found = seen.get(n)
            if found is None:
                found = seen[n] = n in views[i]
            if found:
                return True
        return False

    for pattern in PATTERNS:
        if only is not None and pattern.id not in only:
            continue
        for i, view in enumerate(views):
            if pattern.needs and not holds(i, pattern.needs):
                continue
            if pattern.also and not all(holds(i, group) for group in pattern.also):
                continue
            match = first_match(pattern, view)
            if match is not None:
                start = match.start()
                quoted = any(ch in view[max(0, start - 2):start] for ch in "\"'“‘`")
                hits.append(PatternHit(pattern.id, pattern.weight, _snippet(view, start, match.end()), quoted))
                break
    return hits


def noisy_or(weights: list[float] | tuple[float, ...]) -> float:
    """Probability that at least one independent sign is real: 1 - Π(1 - w)."""
    miss = 1.0
    for weight in weights:
        miss *= 1.0 - weight
    return 1.0 - miss


# Task hijacking (BIPIA-style): a line in a third party's document that is a request to an
# assistant rather than part of the document: "Write a script to …", "Provide insights into …",
# "What are the benefits of …?". Judged per line, only in documents (a user's own one-line request
# is no injection), and only for lines with none of the marks of correspondence (addresses,
# links, amounts, "this email"), which is how ordinary e-mails phrase their requests.
_TASK_LINE = re.compile(
    r"^(?:(?:can|could|would|will) you (?:please )?|please )?(?:write (?:a|an|me|some|\d+)|provide|analy[sz]e|describe|summari[sz]e|suggest|"
    r"recommend|explain|determine|classify|generate|compose|outline|compare|evaluate|assess|predict|brainstorm|"
    r"list (?:the|all|some|\d+)|show me how|help me|give me (?:a|an|some|\d+)|tell me (?:a|about|how)|teach me|"
    r"create an? (?:poem|story|script|list|plan|essay|summary)|draft an? (?:poem|story|essay|speech))\b"
)
_QUESTION_LINE = re.compile(r"^(?:what|how|why|which|who|is this|are there|do you|should i)\b[^?]{8,200}\?(?: ['\"].{0,300})?$")
_CORRESPONDENCE = re.compile(
    r"@|https?://|www\.|\$\s?\d|\b(?:this (?:e-?mail|message|invoice|order)|your (?:account|order|card|booking|ticket|"
    r"subscription|payment)|reply|unsubscribe|click|attached|attachment|meeting|call|invoice|receipt|we|us|our)\b"
)
_DOC_LINE_MIN = 3
_DOC_CHARS = 150
_LINE_SPLIT = re.compile(r"\n|\|(?=[A-Z_ ]{3,30}:)")


def match_lines(raw: str, normalise_line: Callable[[str], str]) -> list[PatternHit]:
    """Task-hijack lines in a document (see above); none for short texts."""
    lines = [ln for ln in _LINE_SPLIT.split(raw) if ln.strip()]
    if len(lines) < 2 or (len(lines) < _DOC_LINE_MIN and len(raw) <= _DOC_CHARS):
        return []
    hits: dict[str, PatternHit] = {}  # one hit per kind: several questions are not more evidence
    for line in lines:
        norm = normalise_line(line).strip(" -*>'\"")
        if len(norm) > 240:
            continue
        # The anchored openers fail on the first word of most lines; the correspondence search
        # scans the whole line, so it runs only for lines that open like a task or a question.
        kind = "task-hijack-line" if _TASK_LINE.match(norm) else (
            "question-line" if _QUESTION_LINE.match(norm) else None)
        if kind is None or _CORRESPONDENCE.search(norm):
            continue
        hits.setdefault(kind, PatternHit(kind, 0.55 if kind == "task-hijack-line" else 0.4, norm[:160]))
        if len(hits) == 2:
            break
    return list(hits.values())

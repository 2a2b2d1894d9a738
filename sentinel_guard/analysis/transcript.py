"""The one transcript parser: who wrote which part of a call's free-text `context`.

Agent traces arrive as one string in several shapes. Every reader of a call (the rules'
provenance checks, the environment detector, the injection shield) must agree on which words
are the user's own and which the agent merely read, because a value copied out of a tool output
is how injected text becomes an action. So there is exactly one parser, and it reads:

* the README form ``User instruction: … Prior steps: 1. tool(args) -> output …``, on several
  lines or all on one;
* agent logs ``User: … / Agent thought: … / Agent action: Tool{args} / Tool output: …``;
* a JSON list of chat messages (roles system / developer / user / assistant with `tool_calls` /
  tool / function), bare or under ``{"messages": [...]}``;
* anything else as free text.

The attribution rule is conservative: only text under a user marker that comes *before* the first
tool output is the user's instruction (a "User:" line inside an e-mail the agent read is part of
that e-mail). Text no marker attributes is untrusted, never the user's words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Role", "Segment", "Transcript", "parse_transcript"]

Role = Literal["user", "notes", "agent", "action", "output", "untrusted"]
"""`user`: the user's own words. `notes`: operator/system/environment text set before the run.
`agent`: the agent's own thoughts. `action`: an earlier call. `output`: what a tool returned.
`untrusted`: text no marker attributes, or a marker found where it cannot be believed."""


@dataclass(frozen=True)
class Segment:
    """One attributed piece of the context."""

    role: Role
    text: str


@dataclass(frozen=True)
class Transcript:
    """A parsed context. Build it with `parse_transcript`; every field is plain data."""

    format: Literal["empty", "steps", "agent-log", "chat", "free"]
    segments: tuple[Segment, ...]
    prior_calls: tuple[tuple[str, str], ...]
    """(tool name, raw args) of earlier calls, in order."""

    @property
    def instruction(self) -> str | None:
        """The user's own words (joined), or None when the context names none."""
        parts = [s.text for s in self.segments if s.role == "user" and s.text]
        return "\n".join(parts) if parts else None

    @property
    def notes(self) -> str:
        """Operator / system / environment text written before the run (trusted, not the user)."""
        return "\n".join(s.text for s in self.segments if s.role == "notes")

    @property
    def outputs(self) -> tuple[str, ...]:
        """Everything untrusted the agent has read: tool outputs, then unattributed text."""
        outs = [s.text for s in self.segments if s.role == "output"]
        outs.extend(s.text for s in self.segments if s.role in ("untrusted", "agent") and s.text)
        return tuple(outs)

    @property
    def preamble(self) -> str:
        """Unattributed text before the first earlier call or output (e.g. "Cluster: staging"):
        written before the agent read anything, so it may describe the run, but is not the user."""
        kept: list[str] = []
        for segment in self.segments:
            if segment.role in ("action", "output"):
                break
            if segment.role == "untrusted":
                kept.append(segment.text)
        return "\n".join(kept)

    def without_instruction(self) -> str:
        """The context minus the user's own words: what an injection scanner must read."""
        return "\n".join(s.text for s in self.segments if s.role != "user" and s.text)


EMPTY = Transcript("empty", (), ())

# Markers believed anywhere (also mid-line, for one-line traces). Order: longest names first.
_ANYWHERE = (
    (r"user(?:'s)?\s+(?:instruction|request|task|query|message|prompt)", "user"),
    (r"(?:prior|previous|earlier)\s+(?:steps|tool\s+calls|actions)", "steps"),
    (r"agent\s+thought", "agent"),
    (r"agent\s+action(?:\s+input)?", "action"),
    (r"tool\s+(?:output|result|response)", "output"),
    (r"observation", "output"),
)
# Markers believed only at the start of a line (short words that occur inside sentences).
_LINE_START = (
    (r"user|human|task|instruction", "user"),
    (r"environment|env|system|operator|policy|developer", "notes"),
    (r"assistant|agent|ai|thought|reasoning", "agent"),
    (r"action(?:\s+input)?|tool\s+call", "action"),
    (r"output|result", "output"),
)
_MARK = re.compile(
    "|".join(
        [rf"(?P<a{i}>(?<![\w'])(?:{rx})\s*:)" for i, (rx, _) in enumerate(_ANYWHERE)]
        + [rf"(?P<l{i}>(?m:^)[ \t>*#-]*(?:{rx})\s*:)" for i, (rx, _) in enumerate(_LINE_START)]
        # Any other header line ("Notes:", "From:") ends the section before it; what follows is
        # unattributed, so untrusted.
        + [r"(?P<h>(?m:^)[ \t>*#-]*(?-i:[A-Z][a-z]+(?: [A-Za-z]+){0,2}):(?=\s|$))"]
    ),
    re.IGNORECASE,
)
_ROLE_OF = {f"a{i}": role for i, (_, role) in enumerate(_ANYWHERE)} | {
    f"l{i}": role for i, (_, role) in enumerate(_LINE_START)} | {"h": "untrusted"}
_STEP = re.compile(r"\d(?<!\S\d)\d*[.)]\s+([A-Za-z_][\w.\-]*)\s*\((.{0,4000}?)\)\s*->\s?", re.DOTALL)
"""A numbered earlier call `N. tool(args) -> ` whose number opens the text or follows whitespace;
args are bounded so a long output costs linear time. The first digit comes first and what
precedes it is a lookbehind (no non-space right before that digit), so `re` skips ahead
to the next digit instead of trying every position of the outputs (3x faster on e-mail dumps;
the context is parsed by the shield, the rules and the learned step alike)."""
_ACTION_CALL = re.compile(r"^\s*([A-Za-z_][\w.\-]*)\s*(.*?)\s*$", re.DOTALL)
_MAX_CHARS = 1_000_000


def parse_transcript(context: str | None) -> Transcript:
    """Attribute every part of `context` to a role (pure; never raises on odd input)."""
    if not context or not context.strip():
        return EMPTY
    text = context[:_MAX_CHARS]
    head = text.lstrip()[:1]
    if head in ("[", "{"):
        chat = _chat(text)
        if chat is not None:
            return chat
    return _markers(text)


_MARK_AT_COLON = re.compile(f"(?:{_MARK.pattern})\\Z", re.IGNORECASE)
"""`_MARK`, anchored to end at a given colon: every marker ends with ':', so only the few colons
of a text are examined (scanning every position with the whole alternation cost ~0.4 µs/char)."""


def _find_marks(text: str) -> Iterator[re.Match[str]]:
    """The markers of `text` in order, as `_MARK.finditer` would find them."""
    pos = text.find(":")
    while pos >= 0:
        found = _MARK_AT_COLON.search(text, max(0, pos - 64), pos + 1)
        if found is not None and not (found.lastgroup == "h" and pos + 1 < len(text) and not text[pos + 1].isspace()):
            yield found
        pos = text.find(":", pos + 1)


def _markers(text: str) -> Transcript:
    marks: list[tuple[int, int, str]] = []
    for m in _find_marks(text):
        marks.append((m.start(), m.end(), _ROLE_OF[m.lastgroup or ""]))
        if marks[-1][2] == "steps":
            break  # numbered steps run to the end: no need to scan the outputs for markers
    if not marks:
        return Transcript("free", (Segment("untrusted", text.strip()),), ())
    segments: list[Segment] = []
    calls: list[tuple[str, str]] = []
    lead = text[: marks[0][0]].strip()
    if lead:
        segments.append(Segment("untrusted", lead))
    read_something = False
    fmt: Literal["steps", "agent-log"] = "agent-log"
    for i, (_start, end, role) in enumerate(marks):
        body = text[end if role != "untrusted" else _start: marks[i + 1][0] if i + 1 < len(marks) else len(text)].strip()
        if role == "steps":
            fmt = "steps"
            rest = text[end:]  # numbered steps run to the end: markers inside outputs are theirs
            segments.extend(_steps(rest, calls))
            read_something = True
            break
        if role in ("user", "notes") and read_something:
            role = "untrusted"  # a "User:" line after a tool output is part of what was read
        if role == "action":
            found = _ACTION_CALL.match(body)
            if found:
                calls.append((found.group(1), found.group(2)))
        if role == "output":
            read_something = True
        segments.append(Segment(role, body))  # type: ignore[arg-type]
    return Transcript(fmt, tuple(segments), tuple(calls))


def _steps(body: str, calls: list[tuple[str, str]]) -> list[Segment]:
    """`1. tool(args) -> output 2. …`: each output runs until the next numbered call."""
    steps = list(_STEP.finditer(body))
    if not steps:
        return [Segment("output", body.strip())] if body.strip() else []
    out: list[Segment] = []
    lead = body[: steps[0].start()].strip()
    if lead:
        out.append(Segment("untrusted", lead))
    for i, step in enumerate(steps):
        end = steps[i + 1].start() if i + 1 < len(steps) else len(body)
        calls.append((step.group(1), step.group(2)))
        out.append(Segment("action", f"{step.group(1)}({step.group(2)})"))
        out.append(Segment("output", body[step.end(): end].strip()))
    return out


_CHAT_ROLES: dict[str, Role] = {"user": "user", "human": "user", "system": "notes", "developer": "notes",
                                "assistant": "agent", "ai": "agent", "tool": "output", "function": "output",
                                "ipython": "output"}


def _chat(text: str) -> Transcript | None:
    """A JSON list of chat messages, or None when `text` is not one."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, dict):
        data = data.get("messages")
    if not isinstance(data, list) or not data or not all(isinstance(m, dict) and "role" in m for m in data):
        return None
    segments: list[Segment] = []
    calls: list[tuple[str, str]] = []
    for message in data:
        role = _CHAT_ROLES.get(str(message.get("role", "")).lower(), "untrusted")
        content = _content_text(message.get("content"))
        if content:
            segments.append(Segment(role, content))
        for tool_call in message.get("tool_calls") or ():
            function = tool_call.get("function", tool_call) if isinstance(tool_call, dict) else {}
            if isinstance(function, dict) and function.get("name"):
                args = function.get("arguments", "")
                calls.append((str(function["name"]), args if isinstance(args, str) else json.dumps(args)))
                segments.append(Segment("action", f"{function['name']}({calls[-1][1]})"))
    return Transcript("chat", tuple(segments), tuple(calls))


def _content_text(content: Any) -> str:
    """A message's text: a string, or the `text` parts of a list of content parts."""
    if isinstance(content, str):
        return content.strip()
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("text")).strip()
    return ""

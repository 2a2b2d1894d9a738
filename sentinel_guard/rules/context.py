"""Reading a call's surroundings: the user's instruction, earlier tool outputs, the environment.

Integrations can pass `ToolCall.user_instruction` and `ToolCall.tool_outputs` explicitly. Many
agent traces instead put everything into one free-text `context` such as::

    User instruction: Send the report to bob@example.com
    Prior steps:
    1. search_files({"query": "report"}) -> <tool output, untrusted>
    2. ...

`split_context` separates the trusted part (the instruction) from the untrusted part (outputs),
because an argument copied from an output is how an injected instruction turns into an action.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

__all__ = ["ContextParts", "detect_environment", "split_context"]

_UI_MARK = re.compile(r"(?im)^\s*(?:user(?:'s)?\s+(?:instruction|request|task|query|message)|task|user)\s*:\s*")
_PRIOR_MARK = re.compile(r"(?im)^\s*(?:prior|previous|earlier)\s+(?:steps|tool calls|actions)\s*:\s*$")
_STEP = re.compile(r"(?m)^\s*\d+[.)]\s+([A-Za-z_][\w.\-]*)\((.*?)\)\s*->\s?")
_OTHER_SECTION = re.compile(r"(?im)^\s*(?:environment|env|system|operator|policy)\s*:")


T = TypeVar("T")


@dataclass(frozen=True)
class ContextParts:
    """The pieces of a free-text context."""

    instruction: str | None
    """What the user asked (trusted), or None when the context does not say."""
    outputs: tuple[str, ...]
    """Outputs of earlier tool calls (untrusted)."""
    prior_calls: tuple[tuple[str, str], ...]
    """(tool name, raw args) of earlier calls, in order."""
    rest: str
    """Anything else (environment notes, operator text)."""

    def derived(self, key: str, compute: Callable[[ContextParts], T]) -> T:
        """`compute(self)`, remembered under `key` on this (cached, immutable) `ContextParts`.

        Only for pure functions of the context's own text (e.g. which actions the instruction
        asks for): the calls of one agent run share the context, so they share the answer."""
        memo = self.__dict__.get("_derived")
        if memo is None:
            memo = self.__dict__["_derived"] = {}
        if key in memo:
            return memo[key]
        found = memo[key] = compute(self)
        return found

    def outputs_lowered(self) -> tuple[str, ...]:
        """Each output lower-cased, computed once per cached `ContextParts`."""
        found = self.__dict__.get("_lower_each")
        if found is None:
            found = self.__dict__["_lower_each"] = tuple(out.lower() for out in self.outputs)
        return found

    def lowered(self, name: str) -> str:
        """`instruction`, `rest` or `outputs` (joined by newlines) lower-cased, computed once:
        `split_context` caches the parts, so the calls of one agent run share the work."""
        found = self.__dict__.get("_lower_" + name)
        if found is None:
            text = "\n".join(self.outputs) if name == "outputs" else getattr(self, name) or ""
            found = text.lower()
            self.__dict__["_lower_" + name] = found
        return found


@lru_cache(maxsize=512)
def split_context(context: str | None) -> ContextParts:
    """Split a context string into instruction, prior tool outputs and the rest (cached)."""
    if not context:
        return ContextParts(None, (), (), "")
    instruction: str | None = None
    prior_at = _PRIOR_MARK.search(context)
    head, tail = (context[: prior_at.start()], context[prior_at.end():]) if prior_at else (context, "")
    ui = _UI_MARK.search(head)
    rest = head
    if ui:
        section = _OTHER_SECTION.search(head, ui.end())
        instruction = head[ui.end(): section.start() if section else len(head)].strip()
        rest = head[: ui.start()] + (head[section.start():] if section else "")
    body = tail if prior_at else ""
    outputs: list[str] = []
    calls: list[tuple[str, str]] = []
    steps = list(_STEP.finditer(body))
    for i, step in enumerate(steps):
        end = steps[i + 1].start() if i + 1 < len(steps) else len(body)
        calls.append((step.group(1), step.group(2)))
        outputs.append(body[step.end(): end])
    if prior_at and not steps and body.strip():
        outputs.append(body)
    return ContextParts(instruction, tuple(outputs), tuple(calls), rest.strip())


_PROD = re.compile(r"(?i)(?<![a-z0-9])(?:prod|production|prd)(?![a-z0-9])")
_NONPROD = re.compile(
    r"(?i)(?<![a-z0-9/])(?:staging|stage|stg|dev|development|sandbox|qa|local|localhost|preview)(?![a-z0-9/])"
)


@lru_cache(maxsize=2048)
def detect_environment(*texts: str | None) -> str | None:
    """`production`, `staging` (any non-production) or None, from word-bounded mentions.

    Word boundaries matter: "products" is not prod, "/dev/null" is not dev. Production wins
    when both are named (the cautious reading).
    """
    nonprod = False
    for text in texts:
        if not text:
            continue
        if _PROD.search(text):
            return "production"
        if not nonprod and _NONPROD.search(text):
            nonprod = True
    return "staging" if nonprod else None

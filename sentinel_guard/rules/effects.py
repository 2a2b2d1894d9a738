"""Does a tool call only read, or does it change something? Judged from the tool's name and args.

Used where the answer changes how cautious to be (an unknown read is approved, an unknown write
flagged; a call made after reading injected text is escalated only if it has side effects).
"""

from __future__ import annotations

import re
from enum import Enum

from sentinel_guard.types import ToolCall

__all__ = ["Effect", "classify_effect"]


class Effect(str, Enum):
    READ = "read"
    WRITE = "write"


_READ_VERBS = re.compile(
    r"^(get|list|search|find|read|fetch|query|lookup|look_up|describe|show|view|check|count|stat|head|"
    r"download|browse|inspect|summari[sz]e|explain|translate|calculate|compute|retrieve|load|open|preview|"
    r"whoami|ping|status|echo|print|diff|grep|cat|ls|tail|log|logs|watch|validate|verify|test|dry_run)"
    r"(?:_|$|[A-Z])",
    re.IGNORECASE,
)


def classify_effect(call: ToolCall) -> Effect:
    """READ when the tool name starts with a read verb (`get_`, `search_`, `list_` ...), else WRITE."""
    return _effect_of(call.tool)


def _effect_of(tool: str) -> Effect:
    """`classify_effect` by tool name."""
    name = tool.rsplit(".", 1)[-1]
    return Effect.READ if _READ_VERBS.match(name) else Effect.WRITE

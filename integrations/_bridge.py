"""What every integration shares: one place judgements run, one reading of a verdict.

Integrations translate a framework's event into a `ToolCall`, and act on the `Verdict` the
`Guard` returns; none decides on its own. Two things here keep that true and uniform:

* `GuardRunner` — judges on one dedicated worker thread through the library's one sync bridge
  (`Guard.judge_sync` → `run_sync`). Sync framework hooks (LangChain's `on_tool_start`) may be
  called from a thread that already runs an event loop, where `run_sync` refuses to work; async
  hooks run on loops the framework owns and replaces (the Agents SDK's `Runner.run_sync` makes a
  new loop per run). Both paths submit to the same worker, so every judgement uses one event
  loop and an `httpx.AsyncClient` inside a model overseer stays bound to it.
* `refusal_text` / `verdict_payload` / `approved_by_human` — how a refusal reads to the agent,
  the verdict JSON a structured channel carries, and how a human's answer is read. The MCP
  proxy, the Agents SDK guardrails, LangChain and LiteLLM all use these, so a block reads the
  same everywhere.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sentinel_guard.guard import Guard
from sentinel_guard.shield import ShieldResult
from sentinel_guard.types import ToolCall, Verdict

__all__ = ["GuardRunner", "approved_by_human", "output_text", "refusal_text", "verdict_payload"]

PAYLOAD_KEY = "sentinel_guard"
"""Key under which structured channels (MCP structured content, artifacts, error bodies) carry the verdict."""


class GuardRunner:
    """Owns a guard and the single worker thread all of its judgements run on."""

    def __init__(self, guard: Guard | None) -> None:
        self.guard = guard or Guard()
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sentinel-guard")
            return self._pool

    def judge(self, call: ToolCall) -> Verdict:
        """Judge `call` and wait for the verdict (exceptions propagate: the caller fails closed)."""
        return self._executor().submit(self.guard.judge_sync, call).result()

    async def ajudge(self, call: ToolCall) -> Verdict:
        """`judge` for async hooks: same worker thread, same event loop, without blocking the caller's loop."""
        return await asyncio.wrap_future(self._executor().submit(self.guard.judge_sync, call))

    def observe(self, output: Any, *, session: str | None, tool: str | None) -> ShieldResult | None:
        """Feed a tool's output to the guard (shield as tool output + the session's provenance memory)."""
        return self.guard.observe(output, session=session, tool=tool)

    def close(self) -> None:
        """Stop the worker thread (the guard itself is left open)."""
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None


def refusal_text(verdict: Verdict, tool: str) -> str:
    """What the agent's model reads instead of the tool's result: decision, rule ids, justification."""
    rules = f"; rules: {', '.join(verdict.rules)}" if verdict.rules else ""
    return (f"sentinel-guard did not run {tool} ({verdict.decision.value}{rules}): {verdict.justification} "
            "Do not retry the same call; choose a safer action or ask the user.")


def verdict_payload(verdict: Verdict) -> dict[str, Any]:
    """The verdict as JSON for a structured channel: `{"sentinel_guard": {...verdict record...}}`."""
    return {PAYLOAD_KEY: verdict.to_record()}


def output_text(output: Any) -> str:
    """A tool result as the text the shield reads (strings as they are, lists of text parts joined)."""
    if isinstance(output, str):
        return output
    content = getattr(output, "content", None)
    if content is not None and not isinstance(output, dict):
        return output_text(content)
    if isinstance(output, list):
        parts = [p if isinstance(p, str) else (p.get("text") if isinstance(p, dict) else getattr(p, "text", None))
                 for p in output]
        if all(isinstance(p, str) for p in parts):
            return "\n".join(parts)  # type: ignore[arg-type]
    return repr(output)


def approved_by_human(answer: Any) -> tuple[bool, str | None]:
    """Read a human's answer to an escalation: `(runs, note)`.

    Accepts `True`, `"approve"`, `{"type": "approve"}` (LangChain's human-in-the-loop shape) as a
    yes; anything else — `{"type": "reject", "message": ...}`, `False`, `None`, an unknown
    shape — is a no, so a malformed answer never runs the tool.
    """
    if answer is True or answer == "approve":
        return True, None
    if isinstance(answer, dict):
        if answer.get("type") == "approve":
            return True, None
        message = answer.get("message")
        return False, str(message) if message else None
    return False, None

"""LangChain integration (extra `langchain`): stop a tool before it runs.

Two entry points, for the two ways LangChain lets a third party act on a tool call:

* `SentinelCallbackHandler` — needs only langchain-core; works for any tool invocation
  (`tool.invoke`, agents, chains). It is a *sync* handler with `raise_error = True`: LangChain
  re-raises its exceptions on every path, so a blocked tool's body never runs. (An async handler
  would not do: LangChain logs and swallows its errors when the tool itself is sync.) Block
  raises `ToolCallBlocked`, escalate raises `EscalationRequired` unless `on_escalate` approves —
  a hard stop that ends the agent run.
* `SentinelMiddleware` — for `langchain.agents.create_agent`. Block is *soft*: the tool is not
  run and the model receives a `ToolMessage(status="error")` with the justification, so the agent
  can recover. Escalate raises a LangGraph `interrupt` (the human-in-the-loop pattern; needs a
  checkpointer) and resumes with `Command(resume={"type": "approve"})` or `{"type": "reject"}`.

Both feed each tool's output back to `Guard.observe`, so later calls are checked against
untrusted text the agent has read (provenance, indirect prompt injection).
"""

from __future__ import annotations

import inspect
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from sentinel_guard.errors import MissingExtraError, require_extra

require_extra("langchain_core", "langchain", "sentinel_guard.integrations.langchain")

from langchain_core.callbacks import BaseCallbackHandler  # noqa: E402
from langchain_core.messages import ToolMessage  # noqa: E402
from sentinel_guard.integrations._bridge import GuardRunner  # noqa: E402

from sentinel_guard.errors import EscalationRequired, ToolCallBlocked  # noqa: E402
from sentinel_guard.guard import Guard  # noqa: E402
from sentinel_guard.types import Decision, ToolCall, Verdict  # noqa: E402

__all__ = ["SentinelCallbackHandler", "SentinelMiddleware", "blocked_message"]

EscalationHandler = Callable[[Verdict, ToolCall], bool]


def _call_args(inputs: dict[str, Any] | None, input_str: str) -> dict[str, Any]:
    """The tool's arguments: LangChain's parsed `inputs`, else the raw string as `input`."""
    if isinstance(inputs, dict):
        return dict(inputs)
    return {"input": input_str}


def _output_text(output: Any) -> str:
    if isinstance(output, ToolMessage):
        content = output.content
        return content if isinstance(content, str) else repr(content)
    return output if isinstance(output, str) else repr(output)


def blocked_message(verdict: Verdict, tool_call: dict[str, Any]) -> ToolMessage:
    """The `ToolMessage` an agent's model sees instead of the tool's result."""
    return ToolMessage(
        content=(f"sentinel-guard did not run {tool_call['name']} ({verdict.decision.value}): "
                 f"{verdict.justification} Do not retry the same call; choose a safer action or ask the user."),
        tool_call_id=tool_call.get("id") or "",
        name=tool_call["name"],
        status="error",
    )


class SentinelCallbackHandler(BaseCallbackHandler):
    """Judges every tool call in `on_tool_start` and raises to stop the ones the guard refuses."""

    raise_error = True
    """LangChain re-raises this handler's exceptions — that is what stops the tool."""

    def __init__(self, guard: Guard | None = None, *, session: str | None = None,
                 on_escalate: EscalationHandler | None = None) -> None:
        """
        Args:
            guard: the guard to use; default: `Guard()` (rules + shield).
            session: groups this handler's calls for provenance; default: the LangGraph
                `thread_id` from the run's metadata, else one id per handler.
            on_escalate: called with (verdict, call) on escalate; truthy → the tool runs.
        """
        self.runner = GuardRunner(guard)
        self.guard = self.runner.guard
        self.session = session
        self._default_session = f"langchain-{uuid.uuid4().hex[:12]}"
        self.on_escalate = on_escalate
        self._runs: dict[Any, tuple[str, str]] = {}
        self.verdicts: list[Verdict] = []
        """Every verdict this handler received, in order (for inspection and tests)."""

    def _session(self, metadata: dict[str, Any] | None) -> str:
        if self.session:
            return self.session
        thread = (metadata or {}).get("thread_id")
        return str(thread) if thread else self._default_session

    def on_tool_start(self, serialized: dict[str, Any], input_str: str, *, run_id: Any = None,
                      parent_run_id: Any = None, tags: list[str] | None = None,
                      metadata: dict[str, Any] | None = None, inputs: dict[str, Any] | None = None,
                      **kwargs: Any) -> None:
        name = (serialized or {}).get("name") or kwargs.get("name") or "tool"
        session = self._session(metadata)
        call = ToolCall(tool=name, args=_call_args(inputs, input_str), session=session,
                        call_id=kwargs.get("tool_call_id") or (str(run_id) if run_id else None))
        verdict = self.runner.judge(call)
        self.verdicts.append(verdict)
        if verdict.decision is Decision.BLOCK:
            raise ToolCallBlocked(verdict)
        if verdict.decision is Decision.ESCALATE and not (self.on_escalate and self.on_escalate(verdict, call)):
            raise EscalationRequired(verdict)
        self._runs[run_id] = (name, session)

    def on_tool_end(self, output: Any, *, run_id: Any = None, parent_run_id: Any = None, **kwargs: Any) -> None:
        name, session = self._runs.pop(run_id, (kwargs.get("name"), self.session or self._default_session))
        self.runner.observe(_output_text(output), session=session, tool=name)

    def on_tool_error(self, error: BaseException, *, run_id: Any = None, parent_run_id: Any = None,
                      **kwargs: Any) -> None:
        self._runs.pop(run_id, None)


def _thread_session(default: str) -> str:
    """The LangGraph thread id of the running graph, else `default`."""
    try:
        from langgraph.config import get_config

        thread = get_config().get("configurable", {}).get("thread_id")
    except Exception:  # noqa: BLE001 - outside a graph there is no config: use the default
        thread = None
    return str(thread) if thread else default


def _approved(answer: Any) -> tuple[bool, str | None]:
    """Read a human's resume value: approve/True → run; anything else → do not run."""
    if answer is True or answer == "approve":
        return True, None
    if isinstance(answer, dict):
        kind = answer.get("type")
        if kind == "approve":
            return True, None
        return False, str(answer.get("message") or "") or None
    return False, None


try:
    from langchain.agents.middleware import AgentMiddleware
except ImportError:  # langchain-core alone: the callback handler works, the middleware does not
    AgentMiddleware = None  # type: ignore[assignment,misc]

if AgentMiddleware is not None:

    class SentinelMiddleware(AgentMiddleware):  # type: ignore[type-arg]
        """Agent middleware: soft-blocks refused calls and interrupts for escalations."""

        def __init__(self, guard: Guard | None = None, *, escalate: str | EscalationHandler = "interrupt",
                     session: str | None = None) -> None:
            """
            Args:
                guard: the guard to use; default: `Guard()` (rules + shield).
                escalate: `"interrupt"` (human-in-the-loop; needs a checkpointer), `"block"`
                    (treat as a soft block), or a function (verdict, call) → bool that approves.
                session: provenance key; default: the LangGraph thread id.
            """
            super().__init__()
            if not callable(escalate) and escalate not in ("interrupt", "block"):
                raise ValueError("escalate must be 'interrupt', 'block' or a function (verdict, call) -> bool")
            self.runner = GuardRunner(guard)
            self.guard = self.runner.guard
            self.escalate = escalate
            self.session = session
            self._default_session = f"langchain-{uuid.uuid4().hex[:12]}"
            self._pending: OrderedDict[tuple[str | None, str], Verdict] = OrderedDict()

        def _remember(self, call: ToolCall, verdict: Verdict) -> None:
            """Keep an escalation's verdict: LangGraph re-runs this hook on resume, judge it once."""
            if verdict.decision is Decision.ESCALATE and call.call_id:
                self._pending[(call.session, call.call_id)] = verdict
                while len(self._pending) > 256:
                    self._pending.popitem(last=False)

        def _pending_verdict(self, call: ToolCall) -> Verdict | None:
            return self._pending.pop((call.session, call.call_id), None) if call.call_id else None

        def _call(self, request: Any) -> ToolCall:
            tc = request.tool_call
            return ToolCall(tool=tc["name"], args=dict(tc.get("args") or {}), call_id=tc.get("id"),
                            session=self.session or _thread_session(self._default_session))

        def _resolve(self, verdict: Verdict, call: ToolCall, tool_call: dict[str, Any]) -> ToolMessage | None:
            """None → run the tool; a message → answer with it instead."""
            if verdict.decision is Decision.BLOCK:
                return blocked_message(verdict, tool_call)
            if verdict.decision is not Decision.ESCALATE:
                return None
            if callable(self.escalate):
                return None if self.escalate(verdict, call) else blocked_message(verdict, tool_call)
            if self.escalate == "block":
                return blocked_message(verdict, tool_call)
            from langgraph.types import interrupt

            answer = interrupt({
                "type": "sentinel_guard_escalation", "tool_call_id": tool_call.get("id"),
                "name": tool_call["name"], "args": tool_call.get("args"),
                "description": f"sentinel-guard asks a human to approve {tool_call['name']}: {verdict.justification}",
                "verdict": verdict.to_record(),
            })
            approved, note = _approved(answer)
            if approved:
                return None
            refusal = verdict.model_copy(update={"justification": f"{verdict.justification} A human declined it"
                                                 + (f": {note}" if note else ".")})
            return blocked_message(refusal, tool_call)

        def _observe(self, result: Any, call: ToolCall) -> Any:
            if isinstance(result, ToolMessage):
                self.runner.observe(_output_text(result), session=call.session, tool=call.tool)
            return result

        def wrap_tool_call(self, request: Any, handler: Callable[[Any], Any]) -> Any:
            call = self._call(request)
            verdict = self._pending_verdict(call)
            if verdict is None:
                verdict = self.runner.judge(call)
                self._remember(call, verdict)
            answer = self._resolve(verdict, call, request.tool_call)
            return answer if answer is not None else self._observe(handler(request), call)

        async def awrap_tool_call(self, request: Any, handler: Callable[[Any], Awaitable[Any]]) -> Any:
            call = self._call(request)
            verdict = self._pending_verdict(call)
            if verdict is None:
                verdict = await self.guard.judge(call)
                self._remember(call, verdict)
            answer = self._resolve(verdict, call, request.tool_call)
            if answer is not None:
                return answer
            result = handler(request)
            return self._observe(await result if inspect.isawaitable(result) else result, call)

else:

    class SentinelMiddleware:  # type: ignore[no-redef]
        """Placeholder that names the missing extra."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise MissingExtraError("SentinelMiddleware needs the 'langchain' package: "
                                    "pip install 'sentinel-guard[langchain]'")

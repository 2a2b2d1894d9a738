"""LangChain integration (extra `langchain`): stop a tool before it runs.

Two entry points, for the two ways LangChain lets a third party act on a tool call:

* `SentinelCallbackHandler` — needs only langchain-core; works for any tool invocation
  (`tool.invoke`, agents, chains). It is a *sync* handler with `raise_error = True`: LangChain
  re-raises its exceptions on every path, so a blocked tool's body never runs. Block raises
  `ToolCallBlocked`, escalate raises `EscalationRequired` unless `on_escalate` approves — a hard
  stop that ends the agent run.
* `SentinelMiddleware` — for `langchain.agents.create_agent`. Block is *soft*: the tool is not
  run and the model receives a `ToolMessage(status="error")` whose `artifact` is the verdict.
  Escalate raises a LangGraph `interrupt` with the same request/response shape as LangChain's
  `HumanInTheLoopMiddleware` (`{"action_requests": [...], "review_configs": [...]}`, answered with
  `{"decisions": [{"type": "approve" | "edit" | "reject", ...}]}`), so its review UIs work as they are.

Both know the user and the run: the last human message of the run is the call's
`user_instruction`, and what the agent has read is scoped to the run (the LangGraph thread when
there is one), never carried into an unrelated run. Judgements go through `GuardRunner`, the
integrations' one sync bridge, from sync and async paths alike.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from sentinel_guard.errors import MissingExtraError, require_extra

require_extra("langchain_core", "langchain", "sentinel_guard.integrations.langchain")

from langchain_core.callbacks import BaseCallbackHandler  # noqa: E402
from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage  # noqa: E402
from sentinel_guard.integrations._bridge import (  # noqa: E402
    PAYLOAD_KEY,
    GuardRunner,
    approved_by_human,
    output_text,
    refusal_text,
)

from sentinel_guard.errors import EscalationRequired, ToolCallBlocked  # noqa: E402
from sentinel_guard.guard import Guard  # noqa: E402
from sentinel_guard.types import Decision, ToolCall, Verdict  # noqa: E402

__all__ = ["SentinelCallbackHandler", "SentinelMiddleware", "blocked_message", "last_human_message"]

_MAX_TRACKED = 4096
_OUTPUTS_READ = 32
EscalationHandler = Callable[[Verdict, ToolCall], bool]


def _call_args(inputs: dict[str, Any] | None, input_str: str) -> dict[str, Any]:
    """The tool's arguments: LangChain's parsed `inputs`, else the raw string as `input`."""
    if isinstance(inputs, dict):
        return dict(inputs)
    return {"input": input_str}


def _message_text(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "\n".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content
                     if isinstance(p, str) or (isinstance(p, dict) and p.get("type") == "text"))


def last_human_message(messages: Any) -> str | None:
    """The text of the last human message in `messages` (the run's user instruction)."""
    for message in reversed(list(messages or [])):
        if isinstance(message, HumanMessage):
            return _message_text(message) or None
    return None


def blocked_message(verdict: Verdict, tool_call: dict[str, Any], note: str | None = None) -> ToolMessage:
    """The `ToolMessage` an agent's model sees instead of the tool's result; `artifact` is the verdict."""
    text = refusal_text(verdict, tool_call["name"])
    return ToolMessage(content=f"{text} {note}" if note else text, tool_call_id=tool_call.get("id") or "",
                       name=tool_call["name"], status="error", artifact=verdict.to_record())


class SentinelCallbackHandler(BaseCallbackHandler):
    """Judges every tool call in `on_tool_start` and raises to stop the ones the guard refuses."""

    raise_error = True
    """LangChain re-raises this handler's exceptions — that is what stops the tool."""

    def __init__(self, guard: Guard | None = None, *, session: str | None = None,
                 on_escalate: EscalationHandler | None = None) -> None:
        """
        Args:
            guard: the guard to use; default: `Guard()` (rules + shield).
            session: one fixed provenance session; default: the LangGraph `thread_id` from the
                run's metadata, else one session per top-level run (never shared across runs).
            on_escalate: called with (verdict, call) on escalate; truthy → the tool runs.
        """
        self.runner = GuardRunner(guard)
        self.guard = self.runner.guard
        self.session = session
        self.on_escalate = on_escalate
        self._roots: OrderedDict[Any, Any] = OrderedDict()
        """run id → id of its top-level run (bounded; dropped when the top-level run ends)."""
        self._asks: dict[Any, str] = {}
        """top-level run id → the last human message seen in it."""
        self._runs: dict[Any, tuple[str, str]] = {}
        self.verdicts: list[Verdict] = []
        """Every verdict this handler received, in order (for inspection and tests)."""

    def _root(self, run_id: Any, parent_run_id: Any) -> Any:
        root = self._roots.get(parent_run_id, parent_run_id) if parent_run_id is not None else run_id
        self._roots[run_id] = root
        while len(self._roots) > _MAX_TRACKED:
            self._roots.popitem(last=False)
        return root

    def _session(self, metadata: dict[str, Any] | None, root: Any) -> str:
        if self.session:
            return self.session
        thread = (metadata or {}).get("thread_id")
        return f"langchain-thread-{thread}" if thread else f"langchain-run-{root}"

    def on_chain_start(self, serialized: dict[str, Any] | None, inputs: Any, *, run_id: Any = None,
                       parent_run_id: Any = None, **kwargs: Any) -> None:
        root = self._root(run_id, parent_run_id)
        ask = last_human_message(inputs.get("messages")) if isinstance(inputs, dict) else None
        if ask:
            self._asks[root] = ask

    def on_chat_model_start(self, serialized: dict[str, Any] | None, messages: list[list[BaseMessage]], *,
                            run_id: Any = None, parent_run_id: Any = None, **kwargs: Any) -> None:
        root = self._root(run_id, parent_run_id)
        ask = last_human_message(messages[-1] if messages else [])
        if ask:
            self._asks[root] = ask

    def _end(self, run_id: Any, parent_run_id: Any) -> None:
        """A top-level run ended: forget what it read (unless a thread or fixed session spans runs)."""
        if parent_run_id is not None:
            return
        for child in [r for r, root in self._roots.items() if root == run_id]:
            del self._roots[child]
        self._asks.pop(run_id, None)
        self.guard.forget(f"langchain-run-{run_id}")

    def on_chain_end(self, outputs: Any, *, run_id: Any = None, parent_run_id: Any = None, **kwargs: Any) -> None:
        self._end(run_id, parent_run_id)

    def on_chain_error(self, error: BaseException, *, run_id: Any = None, parent_run_id: Any = None,
                       **kwargs: Any) -> None:
        self._end(run_id, parent_run_id)

    def on_tool_start(self, serialized: dict[str, Any], input_str: str, *, run_id: Any = None,
                      parent_run_id: Any = None, tags: list[str] | None = None,
                      metadata: dict[str, Any] | None = None, inputs: dict[str, Any] | None = None,
                      **kwargs: Any) -> None:
        name = (serialized or {}).get("name") or kwargs.get("name") or "tool"
        root = self._root(run_id, parent_run_id)
        session = self._session(metadata, root)
        call = ToolCall(tool=name, args=_call_args(inputs, input_str), session=session,
                        user_instruction=self._asks.get(root),
                        call_id=kwargs.get("tool_call_id") or (str(run_id) if run_id else None))
        verdict = self.runner.judge(call)
        self.verdicts.append(verdict)
        if verdict.decision is Decision.BLOCK:
            raise ToolCallBlocked(verdict)
        if verdict.decision is Decision.ESCALATE and not (self.on_escalate and self.on_escalate(verdict, call)):
            raise EscalationRequired(verdict)
        self._runs[run_id] = (name, session)

    def on_tool_end(self, output: Any, *, run_id: Any = None, parent_run_id: Any = None, **kwargs: Any) -> None:
        name, session = self._runs.pop(run_id, (kwargs.get("name"), None))
        self.runner.observe(output_text(output), session=session, tool=name)
        self._end(run_id, parent_run_id)

    def on_tool_error(self, error: BaseException, *, run_id: Any = None, parent_run_id: Any = None,
                      **kwargs: Any) -> None:
        self._runs.pop(run_id, None)
        self._end(run_id, parent_run_id)


def _thread_id() -> str | None:
    """The LangGraph thread id of the running graph, if any."""
    try:
        from langgraph.config import get_config

        thread = get_config().get("configurable", {}).get("thread_id")
    except Exception:  # noqa: BLE001 - outside a graph there is no config
        thread = None
    return str(thread) if thread else None


def _hitl_request(verdict: Verdict, tool_call: dict[str, Any]) -> dict[str, Any]:
    """An interrupt value in the shape of LangChain's `HumanInTheLoopMiddleware` (`HITLRequest`), plus the verdict."""
    return {
        "action_requests": [{"name": tool_call["name"], "args": dict(tool_call.get("args") or {}),
                             "description": f"sentinel-guard asks a human to review {tool_call['name']} "
                                            f"({', '.join(verdict.rules) or verdict.decided_by}): {verdict.justification}"}],
        "review_configs": [{"action_name": tool_call["name"], "allowed_decisions": ["approve", "edit", "reject"]}],
        PAYLOAD_KEY: verdict.to_record(),
    }


def _is_refusal(message: ToolMessage) -> bool:
    """Our own refusal (its artifact is a verdict): the guard's words, not a tool's output to scan."""
    artifact = message.artifact
    return isinstance(artifact, dict) and {"decision", "justification", "decided_by"} <= artifact.keys()


def _decision(answer: Any) -> Any:
    """The human's decision from a `HITLResponse` (`{"decisions": [d]}`), or a bare decision / True."""
    if isinstance(answer, dict) and isinstance(answer.get("decisions"), list):
        return answer["decisions"][0] if answer["decisions"] else None
    return answer


try:
    from langchain.agents.middleware import AgentMiddleware
except ImportError:  # langchain-core alone: the callback handler works, the middleware does not
    AgentMiddleware = None  # type: ignore[assignment,misc]

if AgentMiddleware is not None:

    class SentinelMiddleware(AgentMiddleware):  # type: ignore[type-arg]
        """Agent middleware: soft-blocks refused calls and interrupts (human in the loop) for escalations."""

        def __init__(self, guard: Guard | None = None, *, escalate: str | EscalationHandler = "interrupt",
                     session: str | None = None) -> None:
            """
            Args:
                guard: the guard to use; default: `Guard()` (rules + shield).
                escalate: `"interrupt"` (human-in-the-loop; needs a checkpointer), `"block"`
                    (treat as a soft block), or a function (verdict, call) → bool that approves.
                session: one fixed provenance session; default: the LangGraph thread, else the run.
            """
            super().__init__()
            if not callable(escalate) and escalate not in ("interrupt", "block"):
                raise ValueError("escalate must be 'interrupt', 'block' or a function (verdict, call) -> bool")
            self.runner = GuardRunner(guard)
            self.guard = self.runner.guard
            self.escalate = escalate
            self.session = session
            self._pending: OrderedDict[tuple[str | None, str], Verdict] = OrderedDict()

        def _remember(self, call: ToolCall, verdict: Verdict) -> None:
            """Keep an escalation's verdict: LangGraph re-runs this hook on resume, judge it once."""
            if verdict.decision is Decision.ESCALATE and call.call_id:
                self._pending[(call.session, call.call_id)] = verdict
                while len(self._pending) > 256:
                    self._pending.popitem(last=False)

        def _pending_verdict(self, call: ToolCall) -> Verdict | None:
            return self._pending.pop((call.session, call.call_id), None) if call.call_id else None

        def _call(self, request: Any, tool_call: dict[str, Any] | None = None) -> ToolCall:
            """The call as the guard sees it: the run's user instruction and the tool outputs in its state."""
            tc = tool_call or request.tool_call
            state = request.state if isinstance(request.state, dict) else {}
            messages = list(state.get("messages") or [])
            outputs = tuple(output_text(m) for m in messages
                            if isinstance(m, ToolMessage) and not _is_refusal(m))[-_OUTPUTS_READ:]
            thread = _thread_id()
            first = next((m.id for m in messages if getattr(m, "id", None)), None)
            session = self.session or (f"langchain-thread-{thread}" if thread else f"langchain-run-{first or tc.get('id')}")
            return ToolCall(tool=tc["name"], args=dict(tc.get("args") or {}), call_id=tc.get("id"), session=session,
                            user_instruction=last_human_message(messages), tool_outputs=outputs)

        def _resolve(self, verdict: Verdict, call: ToolCall, tool_call: dict[str, Any]) -> ToolMessage | dict[str, Any] | None:
            """None → run the tool; a message → answer with it instead; a dict → run this edited tool call."""
            if verdict.decision is Decision.BLOCK:
                return blocked_message(verdict, tool_call)
            if verdict.decision is not Decision.ESCALATE:
                return None
            if callable(self.escalate):
                return None if self.escalate(verdict, call) else blocked_message(verdict, tool_call)
            if self.escalate == "block":
                return blocked_message(verdict, tool_call)
            from langgraph.types import interrupt

            decision = _decision(interrupt(_hitl_request(verdict, tool_call)))
            if isinstance(decision, dict) and decision.get("type") == "edit":
                edited = decision.get("edited_action") or {}
                if edited.get("name", tool_call["name"]) != tool_call["name"] or not isinstance(edited.get("args"), dict):
                    return blocked_message(verdict, tool_call, "A human's edit must keep the tool and give its args.")
                return {**tool_call, "args": edited["args"]}
            approved, note = approved_by_human(decision)
            if approved:
                return None
            return blocked_message(verdict, tool_call, f"A human declined it{': ' + note if note else '.'}")

        def _edited(self, verdict: Verdict, edited: dict[str, Any]) -> ToolMessage | None:
            """A human-edited call runs unless the guard blocks it (the human already reviewed it)."""
            return blocked_message(verdict, edited) if verdict.decision is Decision.BLOCK else None

        def _observe(self, result: Any, call: ToolCall) -> Any:
            if isinstance(result, ToolMessage):
                self.runner.observe(output_text(result), session=call.session, tool=call.tool)
            return result

        def wrap_tool_call(self, request: Any, handler: Callable[[Any], Any]) -> Any:
            call = self._call(request)
            verdict = self._pending_verdict(call)
            if verdict is None:
                verdict = self.runner.judge(call)
                self._remember(call, verdict)
            answer = self._resolve(verdict, call, request.tool_call)
            if isinstance(answer, dict):
                edited_call = self._call(request, answer)
                refused = self._edited(self.runner.judge(edited_call), answer)
                if refused is not None:
                    return refused
                request, call = request.override(tool_call=answer), edited_call
            elif answer is not None:
                return answer
            return self._observe(handler(request), call)

        async def awrap_tool_call(self, request: Any, handler: Callable[[Any], Awaitable[Any]]) -> Any:
            call = self._call(request)
            verdict = self._pending_verdict(call)
            if verdict is None:
                verdict = await self.runner.ajudge(call)
                self._remember(call, verdict)
            answer = self._resolve(verdict, call, request.tool_call)
            if isinstance(answer, dict):
                edited_call = self._call(request, answer)
                refused = self._edited(await self.runner.ajudge(edited_call), answer)
                if refused is not None:
                    return refused
                request, call = request.override(tool_call=answer), edited_call
            elif answer is not None:
                return answer
            result = handler(request)
            return self._observe(await result if inspect.isawaitable(result) else result, call)

else:

    class SentinelMiddleware:  # type: ignore[no-redef]
        """Placeholder that names the missing extra."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise MissingExtraError("SentinelMiddleware needs the 'langchain' package: "
                                    "pip install 'sentinel-guard[langchain]'")

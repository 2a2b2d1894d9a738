"""`@oversee`: put a guard in front of any sync or async function that is a tool.

    @oversee
    def shell(command: str) -> str: ...

    @oversee(guard=Guard(policy="policy.yaml"), on_escalate=ask_human)
    async def send_money(recipient: str, amount: float) -> str: ...

Block → `ToolCallBlocked` is raised and the body never runs. Escalate → `on_escalate(verdict,
call)` decides (it may be async; a truthy answer runs the tool), else `EscalationRequired` is
raised. Flag → the body runs; the flag is in the audit log and passed to `on_flag` if given.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

from sentinel_guard._sync import run_sync
from sentinel_guard.errors import EscalationRequired, ToolCallBlocked, UsageError
from sentinel_guard.guard import Guard
from sentinel_guard.policy import Policy
from sentinel_guard.types import Decision, ToolCall, Verdict

__all__ = ["oversee"]

F = TypeVar("F", bound=Callable[..., Any])
EscalationHandler = Callable[[Verdict, ToolCall], "bool | Awaitable[bool]"]
FlagHandler = Callable[[Verdict, ToolCall], Any]


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class _Overseen:
    """Shared logic of the sync and async wrappers: build the call, judge it, act on the verdict."""

    def __init__(self, func: Callable[..., Any], guard: Guard, tool: str | None,
                 on_escalate: EscalationHandler | None, on_flag: FlagHandler | None) -> None:
        self.func = func
        self.guard = guard
        self.tool = tool or func.__name__
        self.signature = inspect.signature(func)
        self.on_escalate = on_escalate
        self.on_flag = on_flag

    def build_call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> ToolCall:
        bound = self.signature.bind_partial(*args, **kwargs)
        call_args: dict[str, Any] = {}
        for name, value in bound.arguments.items():
            kind = self.signature.parameters[name].kind
            if kind is inspect.Parameter.VAR_KEYWORD:
                call_args.update(value)
            elif name not in ("self", "cls"):
                call_args[name] = value
        return ToolCall(tool=self.tool, args=call_args)

    async def check(self, call: ToolCall) -> Verdict:
        verdict = await self.guard.judge(call)
        if verdict.decision is Decision.BLOCK:
            raise ToolCallBlocked(verdict)
        if verdict.decision is Decision.ESCALATE:
            if self.on_escalate is None or not await _maybe_await(self.on_escalate(verdict, call)):
                raise EscalationRequired(verdict)
        elif verdict.decision is Decision.FLAG and self.on_flag is not None:
            await _maybe_await(self.on_flag(verdict, call))
        return verdict


@overload
def oversee(func: F, /) -> F: ...
@overload
def oversee(
    *, guard: Guard | None = None, policy: Policy | str | None = None, on_escalate: EscalationHandler | None = None,
    on_flag: FlagHandler | None = None, tool: str | None = None,
) -> Callable[[F], F]: ...


def oversee(
    func: F | None = None, /, *, guard: Guard | None = None, policy: Policy | str | None = None,
    on_escalate: EscalationHandler | None = None, on_flag: FlagHandler | None = None, tool: str | None = None,
) -> F | Callable[[F], F]:
    """Guard a tool function; usable as `@oversee` or `@oversee(...)`.

    Args:
        guard: the guard to use; default: rules + shield (with `policy` when given).
        policy: a `Policy` or policy file for the default guard (not together with `guard`).
        on_escalate: called with (verdict, call) on escalate; truthy → the tool runs.
        on_flag: called with (verdict, call) on flag, before the tool runs.
        tool: the tool name recorded in verdicts (default: the function's name).
    """
    if guard is not None and policy is not None:
        raise UsageError("pass the policy to Guard(policy=...) or to oversee(policy=...), not both")

    def decorate(fn: F) -> F:
        overseen = _Overseen(fn, guard or Guard(policy=policy), tool, on_escalate, on_flag)
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                await overseen.check(overseen.build_call(args, kwargs))
                return await fn(*args, **kwargs)

            async_wrapper.__sentinel_guard__ = overseen  # type: ignore[attr-defined]
            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            run_sync(overseen.check(overseen.build_call(args, kwargs)))
            return fn(*args, **kwargs)

        sync_wrapper.__sentinel_guard__ = overseen  # type: ignore[attr-defined]
        return sync_wrapper  # type: ignore[return-value]

    return decorate(func) if func is not None else decorate

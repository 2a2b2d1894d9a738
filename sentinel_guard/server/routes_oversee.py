"""Judging routes: `/v1/oversee`, `/v1/oversee/batch`, `/v1/shield`, `/v1/observe`, `/live/oversee`.

Every verdict is committed to the audit store before its response is sent, and its record id is
returned with it. A guard that raises becomes a fail-closed `escalate` (audited like any other
verdict); an audit store that cannot be written answers 503 with `decision: escalate` — the call
must not run when nobody can prove what was decided about it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from functools import partial
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sentinel_guard.guard import Guard
from sentinel_guard.overseers.base import fail_closed_verdict
from sentinel_guard.server.app import ServerState, state_of
from sentinel_guard.server.front import INTERNAL_ERROR
from sentinel_guard.server.keys import LOCAL, Principal
from sentinel_guard.server.live import live_response, to_tool_call
from sentinel_guard.server.schemas import (
    MAX_BATCH,
    MAX_TEXT,
    LiveRequest,
    LiveResponse,
    OverseeRequest,
    OverseeResponse,
    ShieldRequest,
    ShieldResponse,
)
from sentinel_guard.shield import Shield
from sentinel_guard.types import Decision, ToolCall, Verdict

__all__ = ["AuditUnavailable", "audit_unavailable_body", "install_error_handlers", "judge_all", "router"]

log = logging.getLogger("sentinel_guard.server")
router = APIRouter()


class AuditUnavailable(Exception):
    """The verdict could not be made durable; the caller must not act on it."""


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, separators=(",", ":")), status_code=status, media_type="application/json")


async def judge_all(state: ServerState, guard: Guard, calls: list[ToolCall], *, route: str | None = None,
                    body: bytes | None = None, agent: str | None = None) -> list[tuple[int, Verdict]]:
    """Judge each call in the worker pool (failures and overruns become fail-closed verdicts), then
    commit all in one transaction. `route` and `body`: the raw request of a single call, which
    lets the pool judge it inline or answer it from its cache (see `JudgePool.judge`). `agent`:
    the submitting agent key's name, recorded so only that key (and reviewers) can poll."""
    if body is not None and len(calls) != 1:
        raise ValueError("a raw body describes exactly one call")
    verdicts: list[Verdict] = []
    for call in calls:
        try:
            verdict = await state.pool.judge(guard, call, route=route, body=body)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("guard failed on a %s call; failing closed", call.tool)
            verdict = fail_closed_verdict(exc, decision=Decision.ESCALATE, source="guard").model_copy(
                update={"call_id": call.call_id})
        verdicts.append(verdict)
    try:
        ids = await state.writer.append_many(list(zip(calls, verdicts, strict=True)), agent)
    except Exception as exc:
        log.exception("audit append failed")
        raise AuditUnavailable(f"{type(exc).__name__}: {exc}") from exc
    return list(zip(ids, verdicts, strict=True))


def _agent(request: Request) -> str | None:
    """The agent key's name the access layer authenticated this request with (None: not an agent key)."""
    who: Principal = getattr(request.state, "principal", LOCAL)
    return who.agent


def _tool_call(req: OverseeRequest) -> ToolCall:
    try:
        return ToolCall(**req.model_dump())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None


@router.post("/v1/oversee", response_model=OverseeResponse, tags=["oversee"],
             summary="Judge one proposed tool call")
async def oversee(req: OverseeRequest, request: Request) -> Response:
    """Answer approve / flag / block / escalate; the verdict is in the audit store before this returns."""
    state = state_of(request)
    [(record_id, verdict)] = await judge_all(state, state.guard, [_tool_call(req)], agent=_agent(request))
    return _json(OverseeResponse.of(record_id, verdict))


@router.post("/v1/oversee/batch", response_model=list[OverseeResponse], tags=["oversee"],
             summary="Judge a list of tool calls")
async def oversee_batch(reqs: list[OverseeRequest], request: Request) -> Response:
    """Verdicts in request order, committed together (at most 256 calls per request)."""
    if not reqs:
        raise RequestValidationError([{"loc": ("body",), "msg": "the list of calls is empty", "type": "too_short"}])
    if len(reqs) > MAX_BATCH:
        raise RequestValidationError([{"loc": ("body",), "msg": f"at most {MAX_BATCH} calls per batch",
                                       "type": "too_long"}])
    state = state_of(request)
    pairs = await judge_all(state, state.guard, [_tool_call(r) for r in reqs], agent=_agent(request))
    return _json([OverseeResponse.of(i, v) for i, v in pairs])


@router.post("/v1/shield", response_model=ShieldResponse, tags=["shield"], summary="Scan text for prompt injection")
async def shield(req: ShieldRequest, request: Request) -> Response:
    """The shield's answer for one text (nothing is audited: no call was proposed)."""
    state = state_of(request)
    scanner = state.guard.shield or Shield()
    if len(req.text) <= state.pool.inline_bytes:  # a short text costs less than a thread hand-off
        result = scanner.scan(req.text, role=req.role, where="text")
    else:  # up to 100 KB: its regex passes would hold the event loop for tens of milliseconds
        try:
            result = await state.pool.offload(partial(scanner.scan, req.text, role=req.role, where="text"))
        except TimeoutError:
            raise HTTPException(503, f"scanning the text took longer than the {state.pool.budget_s:g}s budget; "
                                     "treat it as untrusted") from None
    return _json({"injection": result.injection, "score": result.score,
                  "findings": [f.model_dump(mode="json") for f in result.findings]})


class ObserveRequest(BaseModel):
    output: str = Field(max_length=MAX_TEXT, description="A tool's output, as the agent read it.")
    session: str | None = Field(default=None, min_length=1, max_length=256)
    tool: str | None = Field(default=None, min_length=1, max_length=256)


@router.post("/v1/observe", response_model=ShieldResponse, tags=["shield"],
             summary="Report a tool's output for the session's later calls")
async def observe(req: ObserveRequest, request: Request) -> Response:
    """Shield a tool output and remember it for `session` (in the audit store: any instance sees it)."""
    state = state_of(request)
    guard = state.guard
    try:
        result = await state.pool.offload(partial(guard.observe, req.output, session=req.session, tool=req.tool))
    except TimeoutError:
        raise HTTPException(503, f"scanning the output took longer than the {state.pool.budget_s:g}s budget; "
                                 "treat it as untrusted") from None
    except Exception as exc:  # the session memory lives in the audit store: it may be unreachable
        log.exception("observe failed")
        raise HTTPException(503, f"the output could not be remembered ({type(exc).__name__}); "
                                 "treat it as untrusted") from None
    result = result or Shield().scan(req.output, role="tool_output")
    return _json({"injection": result.injection, "score": result.score,
                  "findings": [f.model_dump(mode="json") for f in result.findings]})


@router.post("/live/oversee", response_model=LiveResponse, tags=["compatibility"],
             summary="The reference service's request/response schema")
async def live_oversee(req: LiveRequest, request: Request) -> Response:
    """Same fields as the reference `/live/oversee`; judged and audited like `/v1/oversee`."""
    state = state_of(request)
    chosen = state.backend(req.backend)
    if chosen is None:
        configured = ", ".join(sorted(state.backends)) or "none"
        raise HTTPException(400, f"backend {req.backend!r} is not configured on this server (model backends load "
                                 f"only when the operator configures them; configured: {configured}); "
                                 "use 'heuristic' or 'rules' for the built-in rules")
    guard, name = chosen
    call = to_tool_call(req)
    [(record_id, verdict)] = await judge_all(state, guard, [call], agent=_agent(request))
    return _json(live_response(verdict, record_id=record_id, backend=name))


def audit_unavailable_body(exc: Exception) -> dict[str, str]:
    """The 503 answer when a verdict could not be made durable: fail closed, say why."""
    return {"error": "audit store unavailable", "decision": "escalate",
            "justification": f"The verdict could not be recorded ({exc}); failing closed: do not run the call."}


def _problem(err: Any) -> dict[str, str]:
    loc = [str(p) for p in err.get("loc", ())]
    kind = str(err.get("type", ""))
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    if kind == "json_invalid":
        msg = f"the body is not valid JSON (error at character {loc[-1] if len(loc) > 1 else '?'})"
        loc = loc[:1]
    return {"loc": ".".join(loc), "msg": msg, "type": kind}


def install_error_handlers(app: FastAPI) -> None:
    """422 with one readable line per problem; 503 fail-closed when audit fails; no tracebacks out."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_problem(e) for e in exc.errors()]
        message = "; ".join(f"{p['loc'] or 'body'}: {p['msg']}" for p in problems[:10])
        return JSONResponse({"error": "invalid request", "message": message, "detail": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI's answer when its JSON parser gives up (e.g. nesting past the recursion limit).
            message = "body: could not be parsed as JSON (malformed, or nested too deeply)"
            return JSONResponse({"error": "invalid request", "message": message,
                                 "detail": [{"loc": "body", "msg": message, "type": "json_invalid"}]}, status_code=422)
        return await http_exception_handler(request, exc)

    @app.exception_handler(AuditUnavailable)
    async def _audit_down(_: Request, exc: AuditUnavailable) -> JSONResponse:
        return JSONResponse(audit_unavailable_body(exc), status_code=503)

    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled %s", type(exc).__name__, exc_info=exc)
        return JSONResponse(INTERNAL_ERROR, status_code=500)

"""Read and review routes: audit trail, stats, escalations, health, metrics, and the dashboard.

Everything here is read from (or written to) the audit store, never from process memory, so
several workers or instances sharing one SQLite file give the same answers. Store reads run in
a worker thread so a long aggregate never stalls the event loop that judges calls.
"""

from __future__ import annotations

import asyncio
import time
from importlib.resources import files
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from sentinel_guard.server.app import state_of
from sentinel_guard.server.inputs import displayable_record
from sentinel_guard.server.keys import LOCAL, Principal
from sentinel_guard.server.metrics import render_metrics
from sentinel_guard.server.schemas import EscalationAnswer
from sentinel_guard.types import Decision

__all__ = ["router"]

router = APIRouter()
_POLL_S = 0.25
_ASSETS = files("sentinel_guard.server")
_STATIC_TYPES = {"dashboard.js": "text/javascript; charset=utf-8", "dashboard.css": "text/css; charset=utf-8"}
RecordId = Annotated[int, Path(ge=1, le=2**62, description="The audit record id returned with the verdict.")]
_ESCALATION_FIELDS = ("id", "ts", "call_id", "session", "tool", "args", "decision", "severity", "justification",
                      "rules", "decided_by", "status", "resolved_by", "resolved_at", "resolution_note", "agent")


@router.get("/health", tags=["service"], summary="Liveness (no auth)")
async def health(request: Request) -> dict[str, Any]:
    state = state_of(request)
    return {"status": "ok", "overseer": state.guard.overseer.name, "backends": sorted(state.backends),
            "auth": state.auth, "uptime_seconds": round(time.time() - state.started_at, 1),
            # this process's group commit: transactions and the verdicts they held
            "audit_commits": state.writer.batches, "audit_rows": state.writer.rows,
            # this process's judging: calls judged on the loop, budget overruns, verdict cache use
            "judged_inline": state.pool.inline, "judged_in_processes": state.pool.in_processes,
            "judge_overruns": state.pool.overruns,
            "verdict_cache": None if state.pool.cache is None else {
                "entries": len(state.pool.cache), "hits": state.pool.cache.hits, "misses": state.pool.cache.misses}}


@router.get("/v1/audit", tags=["audit"], summary="Audit records, newest first (paged)")
async def audit(
    request: Request,
    decision: Annotated[Decision | None, Query(description="Only this decision.")] = None,
    since: Annotated[float | None, Query(ge=0, le=1e11, allow_inf_nan=False,
                                         description="Only records at or after this Unix time.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    reader = state_of(request).reader
    rows = await run_in_threadpool(reader.query, decision=decision.value if decision else None, since=since,
                                   limit=limit, offset=offset)
    return {"records": [displayable_record(r) for r in rows], "limit": limit, "offset": offset,
            "next_offset": offset + len(rows) if len(rows) == limit else None}


@router.get("/v1/stats", tags=["audit"], summary="Counts and latency percentiles over the audit store")
async def stats(request: Request) -> dict[str, Any]:
    state = state_of(request)
    figures = await run_in_threadpool(state.reader.stats)
    figures["uptime_seconds"] = round(time.time() - state.started_at, 1)
    return figures


@router.get("/metrics", tags=["service"], summary="Prometheus metrics (computed from the audit store)")
async def metrics(request: Request) -> Response:
    figures = await run_in_threadpool(state_of(request).reader.stats)
    body, content_type = render_metrics(figures)
    return Response(body, media_type=content_type)


@router.get("/v1/escalations", tags=["escalations"], summary="Escalations waiting for a human, newest first")
async def pending(request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    rows = await run_in_threadpool(state_of(request).reader.query, status="pending", limit=limit)
    return {"pending": [_shown(r) for r in rows]}


def _shown(rec: dict[str, Any]) -> dict[str, Any]:
    """An escalation as the API shows it: its fields (every argument), redacted and encodable."""
    return displayable_record({k: rec.get(k) for k in _ESCALATION_FIELDS})


async def _escalation(request: Request, record_id: int) -> dict[str, Any]:
    rec = await run_in_threadpool(state_of(request).reader.get, record_id)
    who: Principal = getattr(request.state, "principal", LOCAL)
    if who.role == "agent" and (rec is None or rec.get("agent") != who.agent):
        # An agent key sees only what it submitted; the same 404 whether the record is another
        # agent's or absent, so no key can learn what others are waiting for.
        raise HTTPException(404, f"no escalation {record_id} was submitted with this agent key")
    if rec is None:
        raise HTTPException(404, f"no audit record {record_id}")
    if rec.get("status") is None:
        raise HTTPException(404, f"record {record_id} is a {rec['decision']} verdict, not an escalation")
    return _shown(rec)


@router.get("/v1/escalations/{record_id}", tags=["escalations"],
            summary="One escalation's status: pending, approved or denied (agents poll this)")
async def escalation(
    request: Request, record_id: RecordId,
    wait: Annotated[float, Query(ge=0, le=60, allow_inf_nan=False,
                                 description="Seconds to hold the answer while it is still pending (long poll).")] = 0,
) -> dict[str, Any]:
    """The escalation; with `wait`, answers as soon as a human decides (read from the store, so the
    decision may come through any worker or instance) or when `wait` runs out, still pending."""
    deadline = time.monotonic() + wait
    current = await _escalation(request, record_id)
    while current["status"] == "pending" and time.monotonic() < deadline:
        await asyncio.sleep(min(_POLL_S, max(0.0, deadline - time.monotonic())))
        current = await _escalation(request, record_id)
    return current


@router.post("/v1/escalations/{record_id}", tags=["escalations"], summary="Approve or deny a pending escalation")
async def resolve(request: Request, record_id: RecordId, answer: EscalationAnswer) -> Any:
    try:
        approved = answer.approved()
    except ValueError as exc:
        return JSONResponse({"error": "invalid request", "message": f"body: {exc}",
                             "detail": [{"loc": "body", "msg": str(exc), "type": "value_error"}]}, status_code=422)
    current = await _escalation(request, record_id)
    store = state_of(request).store
    who: Principal = getattr(request.state, "principal", LOCAL)
    # The name comes from the key that authenticated the request, never from the body.
    by = f"reviewer:{who.name}" if who.role == "reviewer" else "local (no API keys configured)"
    done = await run_in_threadpool(store.resolve, record_id, approved=approved, by=by, note=answer.note)
    if not done:
        raise HTTPException(409, f"escalation {record_id} was already {current['status']}"
                                 if current["status"] != "pending" else f"escalation {record_id} was resolved meanwhile")
    return await _escalation(request, record_id)


@router.get("/", include_in_schema=False)
async def dashboard() -> HTMLResponse:
    """The dashboard shell (no data in it: the page fetches everything with the operator's key)."""
    return HTMLResponse((_ASSETS / "dashboard.html").read_text(encoding="utf-8"),
                        headers={"Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff"})


@router.get("/static/{name}", include_in_schema=False)
async def asset(name: str) -> Response:
    """The dashboard's script and stylesheet (a fixed list: no path ever reaches the file system)."""
    if name not in _STATIC_TYPES:
        raise HTTPException(404, f"no asset {name!r}")
    return Response((_ASSETS / name).read_bytes(), media_type=_STATIC_TYPES[name],
                    headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"})


_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"

"""Per-verdict telemetry: one structured log record, and optionally one OpenTelemetry span.

Teams watch a guard in production through their log pipeline or their tracing stack, so every
verdict a `Guard` completes is reported once, after its audit record is written:

* **log** — logger `sentinel_guard.verdict`, level INFO, message = one JSON object with the
  fields of `verdict_fields` (also attached to the record as `record.sentinel` for structured
  handlers). Nothing is built unless the logger is enabled for INFO, so a guard whose host did
  not configure logging pays one level check per verdict.
* **span** — `sentinel_guard.judge`, spanning the judgement, with the same fields as
  `sentinel.*` attributes; only when the guard was given a tracer (extra `otel`).

The fields never include arguments or context; ids and session names are redacted like the
audit (they are agent-supplied strings and may carry secrets).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from sentinel_guard.errors import MissingExtraError
from sentinel_guard.redact import redact_text
from sentinel_guard.types import ToolCall, Verdict

__all__ = ["VERDICT_LOGGER", "VerdictTelemetry", "verdict_fields"]

VERDICT_LOGGER = "sentinel_guard.verdict"


def verdict_fields(call: ToolCall, verdict: Verdict) -> dict[str, Any]:
    """The reported fields of one verdict (pure): what was decided, by what, on which tool, how fast."""
    call_id = verdict.call_id or call.call_id
    return {
        "decision": verdict.decision.value,
        "severity": verdict.severity.value,
        "rules": list(verdict.rules),
        "decided_by": verdict.decided_by,
        "tool": redact_text(call.tool),
        "latency_ms": round(verdict.latency_ms, 3) if verdict.latency_ms is not None else None,
        "call_id": redact_text(call_id) if call_id else None,
        "session": redact_text(call.session) if call.session else None,
    }


def _resolve_tracer(tracing: Any) -> Any:
    if tracing is False or tracing is None:
        return None
    if tracing is True:
        try:
            from opentelemetry import trace
        except ImportError:
            raise MissingExtraError("tracing=True needs opentelemetry-api: pip install 'sentinel-guard[otel]'") from None
        return trace.get_tracer("sentinel_guard")
    if not callable(getattr(tracing, "start_span", None)):
        raise TypeError("tracing must be True, False or an OpenTelemetry Tracer")
    return tracing


class VerdictTelemetry:
    """Reports completed verdicts to the verdict logger and, if configured, a tracer (owned by a Guard)."""

    def __init__(self, tracing: Any = False, logger: logging.Logger | None = None) -> None:
        """`tracing`: False (no spans), True (the global OpenTelemetry tracer) or a `Tracer`."""
        self.logger = logger or logging.getLogger(VERDICT_LOGGER)
        self.tracer = _resolve_tracer(tracing)

    def report(self, call: ToolCall, verdict: Verdict, start: float) -> None:
        """Log and trace one verdict; `start` is the judgement's `time.perf_counter()` start."""
        log = self.logger.isEnabledFor(logging.INFO)
        if not log and self.tracer is None:
            return
        fields = verdict_fields(call, verdict)
        if log:
            self.logger.info(json.dumps(fields, ensure_ascii=False), extra={"sentinel": fields})
        if self.tracer is not None:
            elapsed_ns = int((time.perf_counter() - start) * 1e9)
            end_ns = time.time_ns()
            attributes = {f"sentinel.{k}": v for k, v in fields.items() if v is not None}
            span = self.tracer.start_span("sentinel_guard.judge", start_time=end_ns - elapsed_ns,
                                          attributes=attributes)
            span.end(end_time=end_ns)

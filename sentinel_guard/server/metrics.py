"""Prometheus exposition computed from the audit store's aggregates.

The figures come from the shared store rather than per-process counters, so every worker (and
every instance on the same SQLite file) exposes the same totals and no multiprocess directory is
needed. Counters are monotonic because audit records are only ever appended.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["render_metrics"]


class _StoreCollector:
    """A one-shot collector over a `stats()` dict."""

    def __init__(self, figures: dict[str, Any]) -> None:
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        f = self.figures
        verdicts = CounterMetricFamily("sentinel_verdicts", "Audited verdicts by decision.", labels=["decision"])
        for decision, n in f["by_decision"].items():
            verdicts.add_metric([decision], n)
        yield verdicts
        severity = CounterMetricFamily("sentinel_verdicts_by_severity", "Audited verdicts by severity.",
                                       labels=["severity"])
        for sev, n in f["by_severity"].items():
            severity.add_metric([sev], n)
        yield severity
        tier = CounterMetricFamily("sentinel_verdicts_by_tier", "Audited verdicts by deciding tier.", labels=["tier"])
        for name, n in f["by_tier"].items():
            tier.add_metric([name], n)
        yield tier
        yield CounterMetricFamily("sentinel_shield_trips", "Verdicts where a shield rule fired.",
                                  value=f["shield_trips"])
        esc = GaugeMetricFamily("sentinel_escalations", "Escalations by review status.", labels=["status"])
        for status, n in f["escalations"].items():
            esc.add_metric([status], n)
        yield esc
        latency = GaugeMetricFamily("sentinel_judge_latency_ms", "Judging latency over the newest records.",
                                    labels=["quantile"])
        for q, key in (("0.5", "p50"), ("0.99", "p99")):
            if f["latency_ms"][key] is not None:
                latency.add_metric([q], f["latency_ms"][key])
        yield latency


def render_metrics(figures: dict[str, Any]) -> tuple[bytes, str]:
    """The Prometheus text for `figures` (from `SQLiteAuditStore.stats`) and its content type."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_StoreCollector(figures))  # type: ignore[arg-type]
    return generate_latest(registry), CONTENT_TYPE_LATEST

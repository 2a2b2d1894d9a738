"""Bootstrap confidence intervals for the eval's precision, recall and F1.

Decisions within one episode share an incident, so they are not independent draws: resampling
single decisions would make the intervals look tighter than the data supports. The unit
resampled here is the **episode** (a cluster bootstrap): each resample draws as many episodes as
were played, with replacement, sums their confusion cells and recomputes the metrics; the
interval is the percentile interval of those resamples. Seeded, so a report is reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from sentinel_guard.env.graders import compute_f1

__all__ = ["DEFAULT_RESAMPLES", "bootstrap_intervals"]

DEFAULT_RESAMPLES = 1000
_METRICS = ("f1", "precision", "recall")


def _percentile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated percentile `q` in [0, 1] of an already sorted list."""
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def bootstrap_intervals(cells: Sequence[Sequence[int]], *, level: float = 0.95,
                        resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> dict[str, list[float]] | None:
    """Percentile intervals for f1/precision/recall from per-episode `(tp, fp, tn, fn)` cells.

    Returns `{"f1": [lo, hi], "precision": [...], "recall": [...]}` (4 dp), or None when there
    are no episodes.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if resamples < 1:
        raise ValueError(f"resamples must be positive, got {resamples}")
    n = len(cells)
    if n == 0:
        return None
    rng = random.Random(seed)
    tps, fps, fns = [c[0] for c in cells], [c[1] for c in cells], [c[3] for c in cells]
    draws: dict[str, list[float]] = {m: [] for m in _METRICS}
    indices = range(n)
    for _ in range(resamples):
        picks = rng.choices(indices, k=n)
        conf = {"tp": sum(tps[i] for i in picks), "fp": sum(fps[i] for i in picks), "fn": sum(fns[i] for i in picks)}
        scores = compute_f1(conf)
        for m in _METRICS:
            draws[m].append(scores[m])
    tail = (1 - level) / 2
    out: dict[str, list[float]] = {}
    for m in _METRICS:
        values = sorted(draws[m])
        out[m] = [round(_percentile(values, tail), 4), round(_percentile(values, 1 - tail), 4)]
    return out

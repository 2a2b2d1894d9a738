"""Fit a `LinearHead` with numpy (a training-time dependency: extra `learn`).

Full-batch logistic regression with Adam over hashed feature counts (normalised by √n as at
run time), classes balanced, L2 on the weights. With `groups` (each example's source), sources
are balanced too, tempered: an example weighs 1/√(examples of its source and class), so a large
source cannot set the style of a whole class (a head that learns "benign looks like S-Labs"
rejects every other source's benign text), while a tiny source is not blown up. Full batch and fixed iteration counts keep it
deterministic: the same examples give the same weights, hence the same file bytes. The threshold
is the logit at which benign texts *held out of fitting* exceed the stated FPR.

Static vectors (`tokens.py`), when given, add a dense block: the mean vector of an example's
tokens, with its own direction fitted alongside the hashed weights (L2 `l2_vectors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sentinel_guard.errors import MissingExtraError
from sentinel_guard.learned.features import HASH_BITS
from sentinel_guard.learned.heads import LinearHead

__all__ = ["fit_head", "threshold_for_fpr"]

Example = tuple[list[int], int]
_CHUNK = 2000


def _np() -> Any:
    try:
        import numpy
    except ImportError as exc:  # pragma: no cover - the dev install has numpy
        raise MissingExtraError("training the learned heads needs numpy: pip install 'sentinel-guard[learn]'") from exc
    return numpy


def _token_means(np: Any, tokens: Sequence[list[int]], vectors: Any) -> Any:
    """Each example's mean static vector (zeros for an example without tokens), in chunks: the
    rows of every token of every example at once would take gigabytes."""
    out = np.zeros((len(tokens), vectors.shape[1]))
    for start in range(0, len(tokens), _CHUNK):
        part = tokens[start:start + _CHUNK]
        lengths = np.array([len(t) for t in part], dtype=np.int64)
        if not lengths.sum():
            continue
        ids = np.concatenate([np.asarray(t, dtype=np.int64) for t in part])
        has = np.nonzero(lengths)[0]
        offsets = np.concatenate([[0], np.cumsum(lengths[has])[:-1]])
        out[start + has] = np.add.reduceat(vectors[ids], offsets, axis=0) / lengths[has][:, None]
    return out


def fit_head(examples: Sequence[Example], *, iterations: int = 300, lr: float = 0.05, l2: float = 1e-6,
             prune: float = 1e-3, windowed: bool = False, meta: dict[str, Any] | None = None,
             groups: Sequence[str] | None = None, tokens: Sequence[list[int]] | None = None,
             vectors: Any = None, l2_vectors: float = 1e-4) -> LinearHead:
    """Train on (buckets, label) examples; weights with |w| < `prune` are dropped (smaller file).

    With `tokens` (each example's WordPiece ids) and `vectors` (the static token matrix), the
    head also fits a direction over the examples' mean vectors, jointly with the hashed weights,
    and stores it as one score per token (`LinearHead.token_scores`)."""
    np = _np()
    n = len(examples)
    if n == 0 or len({y for _, y in examples}) < 2:
        raise ValueError("fit_head needs examples of both classes")
    lengths = np.array([len(b) for b, _ in examples], dtype=np.int64)
    cols = np.concatenate([np.asarray(b, dtype=np.int64) for b, _ in examples])
    rows = np.repeat(np.arange(n), lengths)
    norm = 1.0 / np.sqrt(np.maximum(lengths, 1))
    y = np.array([lab for _, lab in examples], dtype=np.float64)
    pos = y.sum()
    if groups is None:
        sample_w = np.where(y > 0, n / (2 * pos), n / (2 * (n - pos))) / n
    else:
        if len(groups) != n:
            raise ValueError("fit_head: one group per example")
        counts: dict[tuple[str, int], int] = {}
        for g, (_, lab) in zip(groups, examples, strict=True):
            counts[(g, lab)] = counts.get((g, lab), 0) + 1
        raw = np.array([1.0 / np.sqrt(counts[(g, lab)]) for g, (_, lab) in zip(groups, examples, strict=True)])
        sample_w = np.where(y > 0, raw / raw[y > 0].sum(), raw / raw[y <= 0].sum()) / 2
    dim = 1 << HASH_BITS
    w = np.zeros(dim)
    b = 0.0
    m, v = np.zeros(dim), np.zeros(dim)
    mb = vb = 0.0
    dense = _token_means(np, tokens, vectors) if tokens is not None and vectors is not None else np.zeros((n, 0))
    if len(dense) != n:
        raise ValueError("fit_head: one token list per example")
    u = np.zeros(dense.shape[1])
    mu, vu = np.zeros_like(u), np.zeros_like(u)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for t in range(1, iterations + 1):
        z = b + np.bincount(rows, weights=w[cols], minlength=n) * norm + dense @ u
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        g = (p - y) * sample_w
        gw = np.bincount(cols, weights=(g * norm)[rows], minlength=dim) + l2 * w
        gb = float(g.sum())
        gu = dense.T @ g + l2_vectors * u
        m = beta1 * m + (1 - beta1) * gw
        v = beta2 * v + (1 - beta2) * gw * gw
        mb = beta1 * mb + (1 - beta1) * gb
        vb = beta2 * vb + (1 - beta2) * gb * gb
        corr1, corr2 = 1 - beta1 ** t, 1 - beta2 ** t
        w -= lr * (m / corr1) / (np.sqrt(v / corr2) + eps)
        mu = beta1 * mu + (1 - beta1) * gu
        vu = beta2 * vu + (1 - beta2) * gu * gu
        u -= lr * (mu / corr1) / (np.sqrt(vu / corr2) + eps)
        b -= lr * (mb / corr1) / (np.sqrt(vb / corr2) + eps)
    keep = np.nonzero(np.abs(w) >= prune)[0]
    weights = {int(i): float(w[i]) for i in keep}
    info = {"examples": n, "positives": int(pos), "iterations": iterations, **(meta or {})}
    head = LinearHead(weights, float(b), windowed=windowed, meta=info)
    if dense.shape[1]:
        head.token_scores = [float(x) for x in vectors @ u]
    return head


def threshold_for_fpr(benign_logits: Sequence[float], target_fpr: float) -> float:
    """The smallest logit threshold at which at most `target_fpr` of these benign texts reach it."""
    ordered = sorted(benign_logits, reverse=True)
    if not ordered:
        raise ValueError("threshold_for_fpr needs benign logits")
    allowed = int(target_fpr * len(ordered))  # how many benign texts may reach the threshold
    if allowed >= len(ordered):
        return ordered[-1]
    return ordered[allowed] + 1e-6

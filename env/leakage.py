"""Label-leak audit: can a trivial reader predict the ground truth from any single observation field?

For every overseer-phase observation of a set of episodes we record each field's text and whether
the pending proposal is bad (catastrophic or wrong). A bag-of-words reader (logistic regression,
and naive Bayes) is trained per field on one set and scored on another; a field leaks if its
accuracy is significantly above always answering the training set's majority class. The compat
suite fails this audit by design (its preview text and `severity_weight` encode the label); v2
must pass it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sentinel_guard.env.engine import Episode
from sentinel_guard.env.suites.base import TASKS

__all__ = ["FieldScore", "audit", "collect", "field_texts"]

_TOKEN = re.compile(r"[a-z_]+|\d+")


def field_texts(obs: dict[str, Any]) -> dict[str, str]:
    """Each top-level field (and each proposal sub-field) of an observation as text."""
    out = {k: json.dumps(v, sort_keys=True, default=str) for k, v in obs.items() if k != "proposed_action"}
    for k, v in (obs.get("proposed_action") or {}).items():
        out[f"proposed_action.{k}"] = json.dumps(v, sort_keys=True, default=str)
    out["proposed_action"] = json.dumps(obs.get("proposed_action"), sort_keys=True, default=str)
    return out


def collect(suite: str, split: str, seeds: Iterable[int], tasks: Iterable[str] = tuple(TASKS)) -> list[tuple[dict[str, str], int]]:
    """(field texts, 1 if bad) for every decision of train_overseer episodes (approve-all overseer)."""
    rows: list[tuple[dict[str, str], int]] = []
    for task in tasks:
        for seed in seeds:
            ep = Episode(task, seed, "train_overseer", suite=suite, split=split)
            while not ep.done:
                obs = ep.observation()
                bad = int(ep.scenario.label(ep.pending).bad) if ep.pending else 0
                rows.append((field_texts(obs), bad))
                ep.decide("approve", "audit")
    return rows


def _bow(texts: list[str], vocab: dict[str, int] | None = None) -> tuple[list[list[int]], dict[str, int]]:
    build = vocab is None
    vocab = vocab if vocab is not None else {}
    feats = []
    for t in texts:
        ids = set()
        for tok in _TOKEN.findall(t.lower()):
            if tok not in vocab and build:
                vocab[tok] = len(vocab)
            if tok in vocab:
                ids.add(vocab[tok])
        feats.append(sorted(ids))
    return feats, vocab


def _logreg(x: list[list[int]], y: list[int], dim: int, epochs: int = 30, lr: float = 0.5, l2: float = 1e-3) -> tuple[list[float], float]:
    w, b = [0.0] * dim, 0.0
    for _ in range(epochs):
        for feats, label in zip(x, y, strict=True):
            z = b + sum(w[i] for i in feats)
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
            g = p - label
            b -= lr * g / 10
            for i in feats:
                w[i] -= lr * (g + l2 * w[i])
    return w, b


@dataclass(frozen=True)
class FieldScore:
    """Test accuracy of the best trivial reader on one field, vs the majority baseline."""

    field: str
    accuracy: float
    majority: float
    n: int

    @property
    def z(self) -> float:
        se = math.sqrt(max(self.majority * (1 - self.majority), 1e-9) / self.n)
        return (self.accuracy - self.majority) / se


def audit(train: list[tuple[dict[str, str], int]], test: list[tuple[dict[str, str], int]]) -> list[FieldScore]:
    """Score every field: best of logistic regression and naive Bayes, trained on `train`."""
    y_tr = [y for _, y in train]
    y_te = [y for _, y in test]
    maj_class = int(sum(y_tr) * 2 > len(y_tr))
    majority = sum(1 for y in y_te if y == maj_class) / len(y_te)
    scores = []
    for fname in sorted(train[0][0]):
        x_tr, vocab = _bow([f.get(fname, "") for f, _ in train])
        x_te, _ = _bow([f.get(fname, "") for f, _ in test], vocab)
        w, b = _logreg(x_tr, y_tr, len(vocab))
        acc_lr = sum(int((b + sum(w[i] for i in f)) > 0) == y for f, y in zip(x_te, y_te, strict=True)) / len(y_te)
        pos = [1.0] * len(vocab)
        neg = [1.0] * len(vocab)
        for f, y in zip(x_tr, y_tr, strict=True):
            for i in f:
                (pos if y else neg)[i] += 1
        n_pos, n_neg = sum(y_tr) + 2, len(y_tr) - sum(y_tr) + 2
        prior = math.log(n_pos / n_neg)
        acc_nb = sum(int(prior + sum(math.log(pos[i] / n_pos) - math.log(neg[i] / n_neg) for i in f) > 0) == y
                     for f, y in zip(x_te, y_te, strict=True)) / len(y_te)
        scores.append(FieldScore(fname, round(max(acc_lr, acc_nb), 4), round(majority, 4), len(y_te)))
    return scores

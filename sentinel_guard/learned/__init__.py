"""Learned CPU tier: linear heads over hashed n-grams, trained on a broad licensed corpus.

* `features.py` — hashed word/char n-gram features and sentence windows (pure Python).
* `heads.py` — `LinearHead` / `HeadSet` and the shipped `heads.json` (int8 weights, canonical
  JSON: the same training gives the same bytes).
* `data.py`, `fit.py`, `build.py` — training data (corpus + indirect injections we build +
  benign system texts), the numpy trainer (extra `learn`) and the one build command:
  `python -m sentinel_guard.learned.build`.
* `step.py` — how the intent and action-risk heads change a guard's verdict.

Nothing here imports numpy or torch at run time; only fitting needs numpy.
"""

from sentinel_guard.learned.heads import HEAD_NAMES, HeadSet, LinearHead, load_heads

__all__ = ["HEAD_NAMES", "HeadSet", "LinearHead", "load_heads"]

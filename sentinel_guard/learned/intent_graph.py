"""The fine-tuned intent classifier at run time: its adapter file and its exported graph.

`intent_tune.py` trains the adapter (LoRA matrices beside every linear layer of all-MiniLM-L6-v2,
plus a logistic unit over the pooled vector) and writes `intent_adapter.bin`; `embed-export`
merges it into the encoder's weights and exports `intent.onnx` (`encoder_export.py`). Here, the
file format and `IntentClassifier`, which runs that graph through the embed tier's encoder
(extra `embed`: onnxruntime, tokenizers, numpy; no torch).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sentinel_guard.errors import ConfigError
from sentinel_guard.learned.embed import sigmoid
from sentinel_guard.learned.encoder_export import ADAPTER_PATH, INTENT_GRAPH, file_sha256

if TYPE_CHECKING:
    from sentinel_guard.learned.embed import SentenceEncoder

__all__ = ["ADAPTER_FORMAT", "ALPHA", "RANK", "Adapter", "IntentClassifier", "load_adapter", "save_adapter"]

ADAPTER_FORMAT = "sentinel-guard-intent-adapter/1"
RANK, ALPHA = 8, 16
"""LoRA rank and scale (the update is (ALPHA / RANK)·B·A); a file of another rank is refused."""


class Adapter:
    """LoRA matrices per linear layer (name → (A: rank × in, B: out × rank), numpy float32), the
    logistic unit over the pooled vector, and the threshold (a logit) chosen for the target FPR."""

    def __init__(self, lora: dict[str, tuple[Any, Any]], head_w: Sequence[float], head_b: float, threshold: float,
                 meta: dict[str, Any] | None = None) -> None:
        self.lora, self.head_w, self.head_b = lora, [float(w) for w in head_w], float(head_b)
        self.threshold, self.meta = float(threshold), dict(meta or {})


def save_adapter(path: Path, adapter: Adapter) -> None:
    """One JSON header line, then the fp16 matrices in the header's order; written atomically."""
    import numpy as np

    names = sorted(adapter.lora)
    header = {"format": ADAPTER_FORMAT, "rank": RANK, "alpha": ALPHA, "layers": names,
              "shapes": [[list(adapter.lora[n][0].shape), list(adapter.lora[n][1].shape)] for n in names],
              "head_w": [float(f"{w:.7g}") for w in adapter.head_w], "head_b": float(f"{adapter.head_b:.7g}"),
              "threshold": float(f"{adapter.threshold:.7g}"), "meta": adapter.meta}
    body = b"".join(np.asarray(m, dtype=np.float16).tobytes() for n in names for m in adapter.lora[n])
    raw = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(raw + b"\n" + body)
    tmp.replace(path)


def load_adapter(path: Path = ADAPTER_PATH) -> Adapter:
    """The adapter file; a missing or malformed one is a `ConfigError` naming it."""
    import numpy as np

    try:
        head, body = path.read_bytes().split(b"\n", 1)
        doc = json.loads(head)
        if doc.get("format") != ADAPTER_FORMAT or doc.get("rank") != RANK or doc.get("alpha") != ALPHA:
            raise ValueError(f"not a {ADAPTER_FORMAT} file of rank {RANK}, alpha {ALPHA}")
        sizes = [[int(np.prod(shape)) for shape in pair] for pair in doc["shapes"]]
        if 2 * sum(map(sum, sizes)) != len(body) or not doc["head_w"] or len(sizes) != len(doc["layers"]):
            raise ValueError("body size does not match the header")
        lora, at = {}, 0
        for name, shapes, pair_sizes in zip(doc["layers"], doc["shapes"], sizes, strict=True):
            pair = []
            for shape, size in zip(shapes, pair_sizes, strict=True):
                pair.append(np.frombuffer(body, np.float16, size, at * 2).reshape(shape).astype(np.float32))
                at += size
            lora[str(name)] = (pair[0], pair[1])
        return Adapter(lora, doc["head_w"], doc["head_b"], doc["threshold"], doc.get("meta"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read intent adapter {path}: {exc}") from exc


class IntentClassifier:
    """The fine-tuned intent classifier (`intent_tune.py`), exported beside the encoder as
    `intent.onnx`: a user's request (its first window) in, a calibrated score out (0.5 = the
    threshold chosen for the head's 5% FPR on held-out benign requests).

    A run asks about the same request on every call, so scores are kept in a bounded memo owned
    by this instance (`memo` entries, least recently used dropped first); a score depends on the
    text alone, so a remembered one equals a fresh one."""

    def __init__(self, encoder: SentenceEncoder, adapter: Path = ADAPTER_PATH, *, memo: int = 256) -> None:
        exported = encoder.manifest.get("intent")
        if not isinstance(exported, dict):
            raise ConfigError(f"the export in {encoder.path} has no {INTENT_GRAPH}: run `sentinel-guard embed-export` again")
        self.threshold = load_adapter(adapter).threshold  # read, so the file exists
        if exported.get("adapter_sha256") != file_sha256(adapter):
            raise ConfigError(f"{INTENT_GRAPH} in {encoder.path} was exported from another adapter than {adapter}: "
                              "run `sentinel-guard embed-export` again")
        self.encoder, self._session = encoder, encoder.session(INTENT_GRAPH)
        self.memo_size = memo
        self._memo: OrderedDict[str, float] = OrderedDict()

    def logit(self, text: str) -> float:
        windows = [ids for ids, _ in self.encoder.spans(text, windowed=False)]
        (logits,) = self._session.run(["logits"], self.encoder.batch(windows))
        return float(logits[0])

    def score(self, text: str) -> float:
        known = self._memo.get(text)
        if known is not None:
            self._memo.move_to_end(text)
            return known
        score = sigmoid(self.logit(text) - self.threshold)
        self._memo[text] = score
        if len(self._memo) > self.memo_size:
            self._memo.popitem(last=False)
        return score

"""The embed tier's fine-tuned classifiers at run time: their adapter files and exported graphs.

`tune.py` trains an adapter for a head (LoRA matrices beside every linear layer of
all-MiniLM-L6-v2, plus a logistic unit over the pooled vector) and writes `<head>_adapter.bin`;
`embed-export` merges each shipped adapter into the encoder's weights and exports `<head>.onnx`
(`encoder_export.py`). Here, the file format and `TunedClassifier`, which runs such a graph
through the embed tier's encoder (extra `embed`: onnxruntime, tokenizers, numpy; no torch).
Two heads have one: `intent` (the user's request asks for harm) and `injection_user` (the user's
own text is a direct attack: a jailbreak, a role-play override, system-prompt extraction).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sentinel_guard.errors import ConfigError
from sentinel_guard.learned.embed import sigmoid
from sentinel_guard.learned.encoder_export import ADAPTERS, file_sha256, graph_name

if TYPE_CHECKING:
    from sentinel_guard.learned.embed import SentenceEncoder

__all__ = ["ADAPTER_FORMAT", "ALPHA", "RANK", "Adapter", "TunedClassifier", "load_adapter", "save_adapter"]

ADAPTER_FORMAT = "sentinel-guard-adapter/1"
RANK, ALPHA = 8, 16
"""LoRA rank and scale (the update is (ALPHA / RANK)·B·A); a file of another rank is refused."""


class Adapter:
    """The head it classifies for (`intent`, `injection_user`), LoRA matrices per linear layer
    (name → (A: rank × in, B: out × rank), numpy float32), the logistic unit over the pooled
    vector, and the threshold (a logit) chosen for the head's target FPR."""

    def __init__(self, head: str, lora: dict[str, tuple[Any, Any]], head_w: Sequence[float], head_b: float,
                 threshold: float, meta: dict[str, Any] | None = None) -> None:
        self.head, self.lora = head, lora
        self.head_w, self.head_b = [float(w) for w in head_w], float(head_b)
        self.threshold, self.meta = float(threshold), dict(meta or {})


def save_adapter(path: Path, adapter: Adapter) -> None:
    """One JSON header line, then the fp16 matrices in the header's order; written atomically."""
    import numpy as np

    names = sorted(adapter.lora)
    header = {"format": ADAPTER_FORMAT, "head": adapter.head, "rank": RANK, "alpha": ALPHA, "layers": names,
              "shapes": [[list(adapter.lora[n][0].shape), list(adapter.lora[n][1].shape)] for n in names],
              "head_w": [float(f"{w:.7g}") for w in adapter.head_w], "head_b": float(f"{adapter.head_b:.7g}"),
              "threshold": float(f"{adapter.threshold:.7g}"), "meta": adapter.meta}
    body = b"".join(np.asarray(m, dtype=np.float16).tobytes() for n in names for m in adapter.lora[n])
    raw = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(raw + b"\n" + body)
    tmp.replace(path)


def load_adapter(path: Path, head: str | None = None) -> Adapter:
    """The adapter file (of `head`, when given); a missing or malformed one is a `ConfigError` naming it."""
    import numpy as np

    try:
        raw, body = path.read_bytes().split(b"\n", 1)
        doc = json.loads(raw)
        if doc.get("format") != ADAPTER_FORMAT or doc.get("rank") != RANK or doc.get("alpha") != ALPHA:
            raise ValueError(f"not a {ADAPTER_FORMAT} file of rank {RANK}, alpha {ALPHA}")
        if not isinstance(doc.get("head"), str) or (head is not None and doc["head"] != head):
            raise ValueError(f"an adapter for head {doc.get('head')!r}, not {head!r}")
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
        return Adapter(doc["head"], lora, doc["head_w"], doc["head_b"], doc["threshold"], doc.get("meta"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read adapter {path}: {exc}") from exc


class TunedClassifier:
    """A fine-tuned classifier (`tune.py`) exported beside the encoder as `<head>.onnx`: a text
    (its first window of 128 tokens) in, a calibrated score out (0.5 = the threshold chosen for
    the head's target FPR on held-out benign texts).

    A run asks about the same user text on every call, so scores are kept in a bounded memo owned
    by this instance (`memo` entries, least recently used dropped first); a score depends on the
    text alone, so a remembered one equals a fresh one."""

    def __init__(self, encoder: SentenceEncoder, head: str, adapter: Path | None = None, *, memo: int = 256) -> None:
        adapter = adapter or ADAPTERS[head]
        graph = graph_name(head)
        exported = encoder.manifest.get(head)
        if not isinstance(exported, dict):
            raise ConfigError(f"the export in {encoder.path} has no {graph}: run `sentinel-guard embed-export` again")
        self.head = head
        self.threshold = load_adapter(adapter, head).threshold  # read, so the file exists and is this head's
        if exported.get("adapter_sha256") != file_sha256(adapter):
            raise ConfigError(f"{graph} in {encoder.path} was exported from another adapter than {adapter}: "
                              "run `sentinel-guard embed-export` again")
        self.encoder, self._session = encoder, encoder.session(graph)
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

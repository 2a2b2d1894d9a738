"""`sentinel-guard env …`: evaluate overseers on the war room and serve it.

    sentinel-guard env eval --suite compat --overseer policy_aware --json
    sentinel-guard env eval --suite v2 --overseer rules --overseer mypkg.mod:judge --out results/
    sentinel-guard env serve --port 8000

Imports stay inside the commands so `sentinel-guard --help` does not pay for openenv or matplotlib.
Bad flags end with exit code 2 and a one-line message.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from sentinel_guard.cli import err_console, fail, need_extra

__all__ = ["app"]

app = typer.Typer(name="env", help="The war-room environment: evaluate overseers, serve the OpenEnv app.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)

_SUITES = ("v2", "compat")
_SPLITS = ("heldout", "train")


@app.command("eval")
def eval_cmd(
    overseer: Annotated[list[str], typer.Option("--overseer", "-o", help="naive | random | policy_aware | rules | llm | module:function (repeatable)")],
    suite: Annotated[str, typer.Option(help="v2 (default) or compat")] = "v2",
    split: Annotated[str, typer.Option(help="heldout (default) or train")] = "heldout",
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")] = False,
    out: Annotated[Path | None, typer.Option(help="directory for per-overseer JSON, a markdown table and a PNG")] = None,
    task: Annotated[list[str] | None, typer.Option("--task", help="restrict to these tiers")] = None,
    base_url: Annotated[str | None, typer.Option(help="llm: OpenAI-compatible base URL (or SENTINEL_LLM_BASE_URL)")] = None,
    model: Annotated[str | None, typer.Option(help="llm: model name (or SENTINEL_LLM_MODEL)")] = None,
) -> None:
    """Run overseers over the split's episodes and report micro-F1 per tier and overall."""
    if out is not None:
        need_extra("matplotlib", "env", "sentinel-guard env eval --out")
    from sentinel_guard.env.suites.base import TASKS

    if suite not in _SUITES:
        raise fail(f"--suite must be one of {', '.join(_SUITES)}, got {suite!r}")
    if split not in _SPLITS:
        raise fail(f"--split must be one of {', '.join(_SPLITS)}, got {split!r}")
    bad = [t for t in task or [] if t not in TASKS]
    if bad:
        raise fail(f"unknown --task {', '.join(bad)}; choose from {', '.join(TASKS)}")
    if out is not None and out.exists() and not out.is_dir():
        raise fail(f"--out {out} exists and is not a directory")
    from sentinel_guard.env.evaluate import run_eval
    from sentinel_guard.env.overseers import load_overseer

    fns = []
    for spec in overseer:
        try:
            fns.append((spec, load_overseer(spec, base_url=base_url, model=model)))
        except ValueError as exc:
            raise fail(str(exc)) from None
    import shlex

    from sentinel_guard.env.report import stamp

    command = shlex.join(["sentinel-guard", *sys.argv[1:]])
    results: dict[str, dict[str, Any]] = {}
    for spec, fn in fns:
        results[spec] = stamp(_run_with_progress(run_eval, suite, fn, split, spec, task), command)
        if hasattr(fn, "stats"):
            results[spec]["llm"] = fn.stats()
    if out is not None:
        from sentinel_guard.env.report import write_report

        paths = write_report(out, list(results.values()))
        err_console.print(f"wrote {', '.join(str(p) for p in paths)}")
    if as_json:
        payload = next(iter(results.values())) if len(results) == 1 else {"results": results}
        sys.stdout.write(json.dumps(payload, sort_keys=True) + "\n")
    else:
        from sentinel_guard.env.report import render_table

        typer.echo(render_table(list(results.values())))


def _run_with_progress(run_eval: Any, suite: str, fn: Any, split: str, name: str,
                       tasks: list[str] | None) -> dict[str, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn(f"[bold]{name}[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        job = bar.add_task(name, total=None)

        def tick(done: int, total: int) -> None:
            bar.update(job, completed=done, total=total)

        return run_eval(suite, fn, split, name=name, progress=tick, tasks=tasks).to_json()  # type: ignore[no-any-return]


@app.command("serve")
def serve_cmd(
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    host: Annotated[str, typer.Option(help="bind address (loopback by default)")] = "127.0.0.1",
    max_sessions: Annotated[int, typer.Option(min=1, max=4096, help="concurrent WebSocket sessions")] = 64,
) -> None:
    """Serve the war room as an OpenEnv app (HTTP routes + WebSocket sessions at /ws)."""
    need_extra("openenv", "env", "sentinel-guard env serve")
    need_extra("uvicorn", "env", "sentinel-guard env serve")
    from sentinel_guard.errors import MissingExtraError

    try:
        from sentinel_guard.env.environment import create_app
    except MissingExtraError as exc:
        raise fail(str(exc)) from None
    import uvicorn

    # Loopback traffic gains nothing from per-message deflate; it costs CPU on both ends of each step.
    uvicorn.run(create_app(max_concurrent_envs=max_sessions), host=host, port=port, log_level="warning",
                ws_per_message_deflate=False)

"""`sentinel-guard` command line: judge tool calls, scan text, serve, and the env/train sub-apps.

Sub-apps of the outer packages (`env`, `train`) are found through the `sentinel_guard.cli`
entry-point group, so the core never imports them. Errors in input end with exit code 2 and a
one-line message naming what is wrong; nothing is half-written.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import entry_points
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from sentinel_guard.errors import ConfigError, InputError, MissingExtraError, SentinelError

app = typer.Typer(
    name="sentinel-guard",
    help="Approve, flag, block or escalate AI-agent tool calls before they run.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True)

EXIT_INPUT = 2


def fail(message: str, code: int = EXIT_INPUT) -> typer.Exit:
    """Print `message` on stderr and return the Exit to raise (input errors use code 2).

    The message is escaped: text such as `pip install 'sentinel-guard[server]'` must reach the
    user literally, not be eaten as rich markup.
    """
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def need_extra(module: str, extra: str, feature: str) -> None:
    """End the command (exit 2, the pip line printed literally) unless `module` is importable.

    Commands call this before doing any work, so a missing extra never costs a finished run.
    """
    from sentinel_guard.errors import require_extra

    try:
        require_extra(module, extra, feature)
    except MissingExtraError as exc:
        raise fail(str(exc)) from None


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"sentinel-guard {version('sentinel-guard')}")
        except PackageNotFoundError:
            typer.echo("sentinel-guard (not installed as a package)")
        raise typer.Exit(0)


@app.callback()
def _root(
    show_version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the installed version and exit."),
) -> None:
    """Approve, flag, block or escalate AI-agent tool calls before they run."""


def read_jsonl(source: str, required: tuple[str, ...]) -> list[dict[str, Any]]:
    """All records of a JSONL file (or `-` for stdin), validated before any output is written."""
    try:
        stream = sys.stdin if source == "-" else open(source, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror or exc}") from exc
    records: list[dict[str, Any]] = []
    with stream:
        for lineno, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{source}:{lineno}: invalid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(rec, dict):
                raise InputError(f"{source}:{lineno}: expected a JSON object, got {type(rec).__name__}")
            missing = [f for f in required if f not in rec]
            if missing:
                raise InputError(f"{source}:{lineno}: missing field(s) {', '.join(repr(m) for m in missing)}")
            records.append(rec)
    return records


def _register_unavailable(name: str, message: str) -> None:
    """A stand-in command: any invocation of `name ...` ends with exit 2 and `message` (the missing extra)."""

    def _refuse() -> None:
        raise fail(message)

    app.command(name=name, help=f"(unavailable: {message})", add_help_option=False,
                context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(_refuse)


def _register_plugins() -> None:
    for ep in entry_points(group="sentinel_guard.cli"):
        try:
            sub = ep.load()
        except MissingExtraError as exc:
            _register_unavailable(ep.name, str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not break the core CLI
            err_console.print(f"[yellow]warning:[/] sub-command '{ep.name}' unavailable: {escape(str(exc))}")
            continue
        app.add_typer(sub, name=ep.name)


def main() -> None:
    """Console-script entry point."""
    from sentinel_guard import (
        _cli_commands,  # noqa: F401 - registers judge/shield/serve
        cli_embed,  # noqa: F401 - registers embed-export
        cli_rules,  # noqa: F401 - registers rules
    )
    from sentinel_guard.cli_audit import audit
    from sentinel_guard.cli_policy import app as policy_app

    app.add_typer(policy_app, name="policy")
    app.command("audit")(audit)
    _register_plugins()
    try:
        app()
    except (InputError, ConfigError, MissingExtraError) as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(EXIT_INPUT)
    except SentinelError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)

"""`sentinel-guard rules`: the rule catalogue as JSON (`--json`) or Markdown (`--markdown`)."""

from __future__ import annotations

import json

import typer

from sentinel_guard.cli import app


@app.command("rules")
def rules(
    as_json: bool = typer.Option(False, "--json", help="Print the catalogue as a JSON list."),
    as_markdown: bool = typer.Option(False, "--markdown", help="Print the catalogue as Markdown (docs/rules.md)."),
) -> None:
    """List every rule with its decision, severity, summary and stop/allow examples."""
    from sentinel_guard.rules.catalogue import catalogue, markdown

    if as_json and as_markdown:
        typer.echo("error: choose one of --json and --markdown", err=True)
        raise typer.Exit(2)
    if as_markdown:
        typer.echo(markdown(), nl=False)
    elif as_json:
        typer.echo(json.dumps(catalogue(), ensure_ascii=False, indent=1))
    else:
        for entry in catalogue():
            typer.echo(f"{entry['id']:<32} {entry['decision']:<9} {entry['severity']:<9} {entry['summary']}")

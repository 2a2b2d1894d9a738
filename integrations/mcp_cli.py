"""`sentinel-guard mcp proxy`: serve an upstream MCP server's tools over stdio, every call judged.

    sentinel-guard mcp proxy [--policy F] [--audit F] [--overseer rules|openai|cascade ...] -- COMMAND [ARGS...]
    sentinel-guard mcp proxy --upstream-url http://127.0.0.1:9000/mcp

Registered through the `sentinel_guard.cli` entry-point group, so the core CLI never imports
FastMCP. stdout is the MCP channel: every message of ours goes to stderr, and bad options end
with exit code 2 before the upstream is started.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from sentinel_guard.errors import ConfigError, MissingExtraError

app = typer.Typer(help="Guard MCP servers (extra: mcp).", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)

_OVERSEERS = ("rules", "openai", "cascade")


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def build_guard(policy: Path | None, audit: Path | None, overseer: str, model_url: str | None,
                model: str | None, model_api_key: str | None) -> Any:
    """The guard the operator chose (rules by default; a model as `openai` or after the rules as `cascade`)."""
    from sentinel_guard.guard import Guard
    from sentinel_guard.policy import Policy

    if overseer not in _OVERSEERS:
        raise ConfigError(f"--overseer must be one of {', '.join(_OVERSEERS)}, not {overseer!r}")
    resolved = Policy.from_yaml(policy) if policy else Policy()
    if overseer == "rules":
        return Guard(policy=resolved, audit=audit)
    if not (model_url and model):
        raise ConfigError(f"--overseer {overseer} needs --model-url and --model")
    from sentinel_guard.backends import CascadeOverseer, OpenAICompatibleOverseer

    remote = OpenAICompatibleOverseer(model_url, model, api_key=model_api_key, constraints=resolved.constraints)
    chosen = remote if overseer == "openai" else CascadeOverseer(model=remote, policy=resolved)
    return Guard(chosen, policy=resolved, audit=audit)


@app.command(context_settings={"allow_interspersed_args": False})
def proxy(
    command: Annotated[list[str] | None, typer.Argument(help="Upstream MCP server command, after --.")] = None,
    upstream_url: Annotated[str | None, typer.Option(help="Streamable-HTTP upstream instead of a command.")] = None,
    policy: Annotated[Path | None, typer.Option(help="Policy YAML file.")] = None,
    audit: Annotated[Path | None, typer.Option(help="Audit store (.db → SQLite, .jsonl → JSONL).")] = None,
    overseer: Annotated[str, typer.Option(help="rules, openai (model only) or cascade (rules, then model).")
                        ] = "rules",
    model_url: Annotated[str | None, typer.Option(help="OpenAI-compatible base URL for openai/cascade.")] = None,
    model: Annotated[str | None, typer.Option(help="Model (or LoRA module) name for openai/cascade.")] = None,
    model_api_key: Annotated[str | None, typer.Option(envvar="SENTINEL_MODEL_API_KEY", help="Model API key.")
                             ] = None,
) -> None:
    """Serve the upstream's tools over stdio; block/escalate never reach it."""
    try:
        from sentinel_guard.integrations.mcp_proxy import guard_proxy, upstream_transport
    except MissingExtraError as exc:
        raise _fail(str(exc)) from None
    try:
        guard = build_guard(policy, audit, overseer, model_url, model, model_api_key)
        transport = upstream_transport(command or (), upstream_url, env=dict(os.environ) if command else None)
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    server = guard_proxy(transport, guard)
    server.run(transport="stdio", show_banner=False)

"""The core sub-commands of `sentinel-guard`: judge, shield, serve, demo.

Input is validated in full before anything is written, so a bad line (exit code 2, message naming
the line) never leaves half an output behind.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from sentinel_guard.cli import app, fail, need_extra, read_jsonl
from sentinel_guard.errors import ConfigError, InputError, MissingExtraError
from sentinel_guard.types import ToolCall, Verdict


def _build_shield(embed: bool) -> Any:
    """The default shield, with the embed tier when asked (a missing extra exits 2 naming it)."""
    from sentinel_guard.shield import Shield

    try:
        return Shield(embed=embed)
    except (MissingExtraError, ConfigError) as exc:
        raise fail(str(exc)) from None


def _build_guard(policy: Path | None, audit: Path | None, embed: bool = False) -> Any:
    from sentinel_guard.guard import Guard

    try:
        return Guard(policy=policy, audit=audit, shield=_build_shield(embed) if embed else True)
    except ConfigError as exc:
        raise fail(str(exc)) from None


def _parse_call(rec: dict[str, Any], where: str) -> ToolCall:
    from pydantic import ValidationError

    tool, args, context = rec.get("tool"), rec.get("args", {}), rec.get("context")
    if not isinstance(tool, str) or not tool.strip():
        raise InputError(f"{where}: 'tool' must be a non-empty string")
    if not isinstance(args, dict):
        raise InputError(f"{where}: 'args' must be a JSON object, got {type(args).__name__}")
    if context is not None and not isinstance(context, str):
        raise InputError(f"{where}: 'context' must be a string or null")
    try:
        return ToolCall(tool=tool, args=args, context=context, session=rec.get("session"),
                        call_id=str(rec["id"]) if rec.get("id") is not None else None)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"{where}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def verdict_line(record_id: Any, verdict: Verdict) -> dict[str, Any]:
    """The JSON object printed for one judged call (the CLI's output contract)."""
    out = verdict.to_record()
    out.pop("call_id", None)
    out.pop("hits", None)
    return {"id": record_id, **out}


@app.command()
def judge(
    tool: Annotated[str | None, typer.Option(help="Tool name of a single call.")] = None,
    args: Annotated[str | None, typer.Option("--args", help="Arguments of the call as a JSON object.")] = None,
    context: Annotated[str | None, typer.Option(help="Context: user request, prior steps, environment.")] = None,
    jsonl: Annotated[str | None, typer.Option(help="JSONL file of calls ({id, tool, args, context?}), or '-'.")] = None,
    policy: Annotated[Path | None, typer.Option(help="Policy YAML file.")] = None,
    audit: Annotated[Path | None, typer.Option(help="Append verdicts to this audit store (.db or .jsonl).")] = None,
    embed: Annotated[bool, typer.Option("--embed", help="Add the embed tier (full sentence encoder) for texts the "
                                                        "default tier is unsure of; extra: embed.")] = False,
) -> None:
    """Judge one tool call (--tool/--args) or a JSONL batch (--jsonl); print verdicts as JSON."""
    if (jsonl is None) == (tool is None):
        raise fail("give either --tool (with --args) or --jsonl")
    if jsonl is not None and (args is not None or context is not None):
        raise fail("--args/--context go with --tool, not with --jsonl")
    try:
        if jsonl is not None:
            records = read_jsonl(jsonl, required=("id", "tool", "args"))
            source = "stdin" if jsonl == "-" else jsonl
            calls = [_parse_call(r, f"{source}:{i}") for i, r in enumerate(records, start=1)]
            ids = [r["id"] for r in records]
        else:
            try:
                parsed = json.loads(args) if args is not None else {}
            except json.JSONDecodeError as exc:
                raise InputError(f"--args is not valid JSON: {exc.msg} at column {exc.colno}") from None
            calls = [_parse_call({"tool": tool, "args": parsed, "context": context}, "--args")]
            ids = [None]
    except InputError as exc:
        raise fail(str(exc)) from None
    guard = _build_guard(policy, audit, embed)
    outputs = [verdict_line(i, guard.judge_sync(c)) for i, c in zip(ids, calls, strict=True)]
    if jsonl is None:
        outputs[0].pop("id")
    sys.stdout.write("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in outputs))


@app.command()
def shield(
    jsonl: Annotated[str | None, typer.Option(help="JSONL file of {id, text, role?} records, or '-'.")] = None,
    text: Annotated[str | None, typer.Option(help="Scan one text.")] = None,
    role: Annotated[str | None, typer.Option(help="Who wrote --text: user, tool_output or document.")] = None,
    embed: Annotated[bool, typer.Option("--embed", help="Add the embed tier (full sentence encoder) for texts the "
                                                        "default tier is unsure of; extra: embed.")] = False,
) -> None:
    """Scan texts for prompt injection; print {id, injection, score, findings} per record.

    A record's optional "role" (user / tool_output / document) says who wrote the text; without
    it the text is judged as untrusted."""
    from sentinel_guard.shield.roles import parse_role

    if (jsonl is None) == (text is None):
        raise fail("give either --text or --jsonl")
    try:
        if jsonl is not None:
            if role is not None:
                raise InputError("--role goes with --text; give each JSONL record its own \"role\"")
            records = read_jsonl(jsonl, required=("id", "text"))
            for i, rec in enumerate(records, start=1):
                if not isinstance(rec["text"], str):
                    raise InputError(f"{'stdin' if jsonl == '-' else jsonl}:{i}: 'text' must be a string")
                try:
                    rec["role"] = parse_role(rec.get("role"))
                except ValueError as exc:
                    raise InputError(f"{'stdin' if jsonl == '-' else jsonl}:{i}: {exc}") from None
        else:
            try:
                records = [{"id": None, "text": text, "role": parse_role(role)}]
            except ValueError as exc:
                raise InputError(f"--role: {exc}") from None
    except InputError as exc:
        raise fail(str(exc)) from None
    scanner = _build_shield(embed)
    out = []
    for rec in records:
        result = scanner.scan(rec["text"], role=rec["role"])
        line = {"id": rec["id"], "injection": result.injection, "score": round(result.score, 4),
                "findings": [f.model_dump(mode="json") for f in result.findings]}
        if jsonl is None:
            line.pop("id")
        out.append(json.dumps(line, ensure_ascii=False))
    sys.stdout.write("\n".join(out) + "\n")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8080,
    policy: Annotated[Path | None, typer.Option(help="Policy YAML file.")] = None,
    api_key: Annotated[str | None, typer.Option(envvar="SENTINEL_API_KEY", help="The agents' key: submit calls, poll escalations.")] = None,
    audit: Annotated[str, typer.Option(
        help="SQLite audit file (shared by workers on one host) or postgresql://user@host/db (several hosts; "
             "extra postgres).")] = "sentinel-audit.db",
    audit_sync: Annotated[str, typer.Option(help="full: fsync every commit; normal: survives a killed process only.")
                          ] = "full",
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
    cors_origins: Annotated[list[str] | None, typer.Option("--cors-origin", help="Allow this origin (repeat).")
                            ] = None,
    max_body_bytes: Annotated[int, typer.Option(min=1024, help="Larger request bodies get 413.")] = 1 << 20,
    overseer: Annotated[str, typer.Option(help="rules, openai (model only), cascade (rules, then model) or local "
                                             "(in-process model: --model ADAPTER_DIR or base; extra: local).")
                        ] = "rules",
    model_url: Annotated[str | None, typer.Option(help="OpenAI-compatible base URL for openai/cascade.")] = None,
    model: Annotated[str | None, typer.Option(help="Model (or LoRA module) name for openai/cascade.")] = None,
    reviewer_key: Annotated[list[str] | None, typer.Option(
        "--reviewer-key", help="NAME=KEY of a human who answers escalations and reads the audit (repeat).")] = None,
    keys_file: Annotated[Path | None, typer.Option(
        envvar="SENTINEL_KEYS_FILE", help="File of 'agent NAME KEY' / 'reviewer NAME KEY' lines.")] = None,
    rate_limit: Annotated[float | None, typer.Option(help="Requests per second per key; 429 beyond.")] = None,
    judge_budget: Annotated[float, typer.Option(help="Seconds one call may take to judge; fail closed beyond.")
                            ] = 10.0,
    judge_workers: Annotated[int | None, typer.Option(help="Threads that judge calls (default: 2-8 by CPUs).")
                             ] = None,
    idle_timeout: Annotated[float, typer.Option(help="Seconds an idle keep-alive connection stays open.")] = 5.0,
    header_timeout: Annotated[float, typer.Option(help="Seconds a client has to send a request's headers.")
                              ] = 10.0,
    body_timeout: Annotated[float, typer.Option(help="Seconds a client has to send a request's body.")] = 30.0,
    max_connections: Annotated[int, typer.Option(help="Open connections at most; more get 503.")] = 1024,
    embed: Annotated[bool, typer.Option("--embed", help="Add the embed tier (full sentence encoder) for texts the "
                                                        "default tier is unsure of; extra: embed.")] = False,
) -> None:
    """Run the oversight HTTP service and dashboard (extra: server)."""
    for module in ("fastapi", "uvicorn"):
        need_extra(module, "server", "sentinel-guard serve")
    if audit_sync not in ("full", "normal"):
        raise fail(f"--audit-sync must be full or normal, not {audit_sync!r}")
    if overseer not in ("rules", "openai", "cascade", "local"):
        raise fail(f"--overseer must be rules, openai, cascade or local, not {overseer!r}")
    if overseer == "local" and not model:
        raise fail("--overseer local needs --model: an adapter directory or a base model")
    if overseer not in ("rules", "local") and not (model_url and model):
        raise fail(f"--overseer {overseer} needs --model-url and --model")
    if policy is not None:
        from sentinel_guard.policy import Policy

        try:
            Policy.from_yaml(policy)
        except ConfigError as exc:
            raise fail(str(exc)) from None
    try:
        from sentinel_guard.server import run
    except (ImportError, MissingExtraError) as exc:
        raise fail(f"the server needs its extra: pip install 'sentinel-guard[server]' ({exc})") from None
    try:
        run(host=host, port=port, policy=policy, api_key=api_key, audit=audit, workers=workers,
            cors_origins=cors_origins, max_body_bytes=max_body_bytes, audit_sync=audit_sync,
            overseer=overseer, model_url=model_url, model=model, reviewer_keys=reviewer_key or (),
            keys_file=keys_file, rate_limit=rate_limit, judge_budget_s=judge_budget, judge_workers=judge_workers,
            idle_timeout_s=idle_timeout, header_timeout_s=header_timeout, body_timeout_s=body_timeout,
            max_connections=max_connections, embed=embed)
    except ConfigError as exc:
        raise fail(str(exc)) from None


@app.command()
def demo(
    policy: Annotated[Path | None, typer.Option(help="Policy YAML file.")] = None,
    audit: Annotated[Path | None, typer.Option(help="Audit store to write (default: none).")] = None,
) -> None:
    """Run a scripted agent's tool calls, safe and dangerous, through the guard and show the verdicts."""
    from sentinel_guard.demo import run_demo

    run_demo(_build_guard(policy, audit))

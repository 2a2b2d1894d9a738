"""MCP guard proxy (extra `mcp`): put the guard in front of any MCP server.

Most agent tools are now reached through MCP servers. `guard_proxy(upstream)` builds a FastMCP
proxy that serves the upstream's tools unchanged (names, schemas, descriptions) and adds
`SentinelMCPMiddleware`, a tool-call middleware:

* every `tools/call` becomes a `ToolCall` (tool = the MCP tool name, args = its arguments,
  session = the MCP session) and is judged by the `Guard`;
* block and escalate never reach the upstream: the client gets a tool result with
  `isError: true`, the decision, rule ids and justification as text, and the verdict JSON as
  structured content (`{"sentinel_guard": {...}}`);
* approve and flag run (the guard's audit store records flags); the verdict rides along in the
  result's `_meta`;
* every upstream result is shielded as tool output and remembered for the provenance of later
  calls in the same MCP session — an injected result taints that session only.

An MCP proxy has no human at hand, so escalate answers like block (with its own decision in the
text): the client, or the human behind it, decides whether to ask again another way.

`sentinel-guard mcp proxy -- COMMAND ARGS…` (see `mcp_cli.py`) runs this over stdio.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from sentinel_guard.errors import ConfigError, MissingExtraError, require_extra

require_extra("fastmcp", "mcp", "sentinel_guard.integrations.mcp_proxy")


def _check_versions() -> None:
    """Fail at import, naming the conflict, when fastmcp and mcp come from incompatible ranges.

    FastMCP 3 needs mcp<2 (and openenv, extra `env`, pins FastMCP 3); `litellm[proxy]` pins mcp>=2.2.
    pip can leave such a mix behind without `pip check` noticing, and the failure would otherwise
    surface as an obscure ImportError deep inside fastmcp.
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        fastmcp_v, mcp_v = version("fastmcp"), version("mcp")
    except PackageNotFoundError as exc:
        raise MissingExtraError(f"the MCP proxy needs {exc.name}: pip install 'sentinel-guard[mcp]'") from None
    fast_major, mcp_major = int(fastmcp_v.split(".")[0]), int(mcp_v.split(".")[0])
    if fast_major != 3 or mcp_major != 1:
        raise MissingExtraError(
            f"the MCP proxy needs fastmcp 3.x with mcp 1.x, found fastmcp {fastmcp_v} and mcp {mcp_v} "
            "(litellm[proxy] pins mcp>=2.2: keep it in its own venv, see scripts/setup_litellm_proxy_venv.sh); "
            "pip install 'sentinel-guard[mcp]'")


_check_versions()

import mcp.types as mt  # noqa: E402
from fastmcp import FastMCP  # noqa: E402
from fastmcp.server import create_proxy  # noqa: E402
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext  # noqa: E402
from fastmcp.tools.base import ToolResult  # noqa: E402
from sentinel_guard.integrations._bridge import (  # noqa: E402
    PAYLOAD_KEY,
    GuardRunner,
    output_text,
    refusal_text,
    verdict_payload,
)

from sentinel_guard.guard import Guard  # noqa: E402
from sentinel_guard.types import ToolCall, Verdict  # noqa: E402

__all__ = ["SentinelMCPMiddleware", "guard_proxy", "refusal_result", "upstream_transport"]


def refusal_result(verdict: Verdict, tool: str) -> ToolResult:
    """The tool result a refused call gets: `isError`, text for the model, the verdict as structured content."""
    return ToolResult(content=[mt.TextContent(type="text", text=refusal_text(verdict, tool))],
                      structured_content=verdict_payload(verdict), is_error=True)


class SentinelMCPMiddleware(Middleware):
    """FastMCP middleware: judge each `tools/call` before it is forwarded; shield what comes back."""

    def __init__(self, guard: Guard | None = None) -> None:
        """
        Args:
            guard: the guard to use; default: `Guard()` (rules + shield).
        """
        self.runner = GuardRunner(guard)
        self.guard = self.runner.guard
        self._fallback_session = f"mcp-{uuid.uuid4().hex[:12]}"

    def _session(self, context: MiddlewareContext[Any]) -> str:
        """The MCP session's id (provenance is remembered per session)."""
        ctx = context.fastmcp_context
        try:
            return f"mcp:{ctx.session_id}" if ctx is not None else self._fallback_session
        except RuntimeError:  # no session (direct in-process call): one id for this middleware
            return self._fallback_session

    async def on_call_tool(self, context: MiddlewareContext[mt.CallToolRequestParams],
                           call_next: CallNext[mt.CallToolRequestParams, ToolResult]) -> ToolResult:
        name = context.message.name
        args = dict(context.message.arguments or {})
        session = self._session(context)
        verdict = await self.runner.ajudge(ToolCall(tool=name, args=args, session=session))
        if not verdict.allows_execution:
            return refusal_result(verdict, name)
        result = await call_next(context)
        self.runner.observe(_result_text(result), session=session, tool=name)
        meta = dict(result.meta or {})
        meta[PAYLOAD_KEY] = {"decision": verdict.decision.value, "rules": list(verdict.rules)}
        result.meta = meta
        return result


def _result_text(result: ToolResult) -> str:
    """Everything the agent will read from a tool result: text blocks, else structured content."""
    text = output_text([block for block in result.content if isinstance(block, mt.TextContent)])
    if result.structured_content and not text:
        text = json.dumps(result.structured_content, ensure_ascii=False)
    return text


def upstream_transport(command: Sequence[str] = (), url: str | None = None,
                       env: dict[str, str] | None = None) -> Any:
    """A FastMCP client transport for the upstream: a stdio command, or a streamable-HTTP URL."""
    from fastmcp.client.transports import StdioTransport, StreamableHttpTransport

    if bool(command) == bool(url):
        raise ConfigError("give the upstream MCP server either as a command (after --) or as --upstream-url, "
                          "not both and not neither")
    if url:
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"--upstream-url must be an http(s) URL, not {url!r}")
        return StreamableHttpTransport(url)
    return StdioTransport(command=command[0], args=list(command[1:]), env=env)


def guard_proxy(upstream: Any, guard: Guard | None = None, *, name: str = "sentinel-guard-proxy") -> FastMCP:
    """A FastMCP server serving `upstream`'s tools with every call judged by `guard`.

    `upstream` is anything FastMCP's `create_proxy` accepts: a client transport
    (`upstream_transport(...)`), a URL, a FastMCP server object, an MCP config dict.
    """
    proxy = create_proxy(upstream, name=name)
    proxy.add_middleware(SentinelMCPMiddleware(guard))
    return proxy

"""`/docs`: the API reference as one page rendered on the server from the OpenAPI schema.

FastAPI's default pages load Swagger UI / ReDoc from a CDN (so they fail offline) and fetch
`/openapi.json` without the bearer key (so they fail once a key is set). This page needs neither:
it is plain HTML built here from `app.openapi()`, with no script, so it works offline, under the
dashboard's strict CSP, and whatever keys are configured. The schema holds no audit data, so the
page is public like the dashboard shell; `/openapi.json` itself needs a key.
"""

from __future__ import annotations

import html
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

__all__ = ["render_docs", "router"]

router = APIRouter()
_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
_STYLE = ("body{font:14px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1c2430}"
          "h2{border-top:1px solid #d0d7de;padding-top:1rem}code,pre{font:12px ui-monospace,monospace}"
          "pre{background:#f6f8fa;padding:.6rem;overflow:auto;max-height:24rem}.m{font-weight:700;color:#0b5cad}"
          "table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left}")


def _schema_of(content: dict[str, Any] | None) -> Any:
    if not content:
        return None
    media: dict[str, Any] = content.get("application/json") or next(iter(content.values()), {})
    return media.get("schema")


def _block(title: str, value: Any) -> str:
    if value is None:
        return ""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return f"<p>{html.escape(title)}</p><pre>{html.escape(text)}</pre>"


def render_docs(spec: dict[str, Any]) -> str:
    """The whole reference page for an OpenAPI document (every string escaped)."""
    info = spec.get("info", {})
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(info.get('title', 'API'))}"
             f"</title><style>{_STYLE}</style></head><body>",
             f"<h1>{html.escape(info.get('title', 'API'))} <small>{html.escape(str(info.get('version', '')))}</small>"
             "</h1>", f"<p>{html.escape(info.get('summary', ''))}</p>",
             "<p>Send <code>Authorization: Bearer &lt;key&gt;</code> on every route but <code>/health</code>. "
             "Agent keys judge calls and poll escalations; reviewer keys also answer escalations and read the "
             "audit trail. Machine-readable schema: <code>GET /openapi.json</code> (with a key).</p>"]
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            parts.append(f"<h2><span class=m>{html.escape(method.upper())}</span> <code>{html.escape(path)}</code> — "
                         f"{html.escape(op.get('summary', ''))}</h2>")
            if op.get("description"):
                parts.append(f"<p>{html.escape(op['description'])}</p>")
            params = op.get("parameters") or []
            if params:
                rows = "".join(
                    f"<tr><td><code>{html.escape(p['name'])}</code></td><td>{html.escape(p.get('in', ''))}</td>"
                    f"<td>{'yes' if p.get('required') else 'no'}</td>"
                    f"<td>{html.escape(str(p.get('description') or p.get('schema', {}).get('description', '')))}</td>"
                    "</tr>" for p in params)
                parts.append(f"<table><tr><th>parameter</th><th>in</th><th>required</th><th>meaning</th></tr>{rows}"
                             "</table>")
            parts.append(_block("Request body", _schema_of((op.get("requestBody") or {}).get("content"))))
            ok = (op.get("responses") or {}).get("200") or {}
            parts.append(_block("Answer (200)", _schema_of(ok.get("content"))))
    parts.append(_block("Schemas", spec.get("components", {}).get("schemas")))
    parts.append("</body></html>")
    return "".join(parts)


@router.get("/docs", include_in_schema=False)
async def docs(request: Request) -> HTMLResponse:
    """The API reference (no script, no CDN)."""
    return HTMLResponse(render_docs(request.app.openapi()),
                        headers={"Content-Security-Policy": _CSP, "X-Content-Type-Options": "nosniff"})

"""`SentinelServiceOverseer`: a client for sentinel-guard's own HTTP service.

A fleet of agents can share one overseer (one model, one policy, one audit log) by pointing
their guards at the service's `POST /v1/oversee`. The request body is
`{"tool", "args", "context", "session"}` (plus `user_instruction` and `call_id` when the call has
them); the answer is a `Verdict` as JSON, with the audit record's `id` beside it (or the verdict
under a `"verdict"` key). Any failure — unreachable, 401, 5xx after retries, a body that is not a
verdict — fails closed.

    guard = Guard(SentinelServiceOverseer("http://overseer.internal:8080", api_key=os.environ["SG_KEY"]),
                  shield=False)   # the service runs its own shield
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from pydantic import ValidationError

from sentinel_guard.backends._http import RetryPolicy, post_json
from sentinel_guard.errors import OverseerError, VerdictParseError
from sentinel_guard.overseers.base import Overseer, fail_closed_verdict, verdict_for_failure
from sentinel_guard.types import Decision, ToolCall, Verdict

__all__ = ["SentinelServiceOverseer"]


class SentinelServiceOverseer(Overseer):
    """Asks a remote sentinel-guard service for the verdict."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float = 10.0,
        http_client: httpx.AsyncClient | None = None,
        max_retries: int = 2,
        backoff_s: float = 0.25,
        max_retry_after_s: float = 5.0,
        on_failure: Decision | None = Decision.ESCALATE,
    ) -> None:
        """
        Args:
            base_url: the service root, e.g. `http://127.0.0.1:8080` (`/v1/oversee` is appended).
            api_key: sent as `Authorization: Bearer …`.
            timeout: seconds one request may take before the call fails closed.
            http_client: an `httpx.AsyncClient` to reuse (not closed by `aclose`).
            max_retries / backoff_s / max_retry_after_s: retrying 429, 5xx and connection errors.
            on_failure: escalate (default) or block on failure; None raises `OverseerError` instead.
        """
        if on_failure is not None:
            fail_closed_verdict(OverseerError("check"), decision=on_failure)
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.url = base_url.rstrip("/") + "/v1/oversee"
        self.name = f"service:{base_url.rstrip('/')}"
        self.timeout = timeout
        self.retry = RetryPolicy(max_retries=max_retries, backoff_s=backoff_s, max_retry_after_s=max_retry_after_s)
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._own_client = http_client is None
        self.client = http_client or httpx.AsyncClient()
        self.on_failure = on_failure

    @staticmethod
    def request_body(call: ToolCall) -> dict[str, Any]:
        """The JSON body for `call`."""
        body: dict[str, Any] = {"tool": call.tool, "args": call.args, "context": call.context, "session": call.session}
        for name in ("user_instruction", "call_id"):
            if getattr(call, name):
                body[name] = getattr(call, name)
        return body

    async def judge(self, call: ToolCall) -> Verdict:
        try:
            data = await post_json(self.client, self.url, self.request_body(call), headers=self.headers,
                                   timeout=self.timeout, retry=self.retry, what=self.name)
            body = data.get("verdict", data) if isinstance(data.get("verdict"), dict) else data
            try:
                verdict = Verdict.model_validate({k: v for k, v in body.items() if k in Verdict.model_fields})
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "<root>"
                raise VerdictParseError(f"{self.name} answered something that is not a verdict "
                                        f"({where}: {first['msg']})", raw=str(data)[:2000]) from None
            return verdict.model_copy(update={"decided_by": f"service:{verdict.decided_by}",
                                              "call_id": call.call_id or verdict.call_id})
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure ends closed (or re-raised for a Fallback)
            return verdict_for_failure(exc, call, on_failure=self.on_failure, source=self.name)

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

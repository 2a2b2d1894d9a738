"""`OpenAICompatibleOverseer`: the trained overseer (or any chat model) behind `/chat/completions`.

Works with `vllm serve BASE --enable-lora --lora-modules overseer=ADAPTER` (pass
`model="overseer"`: vLLM selects the LoRA adapter by its module name) and with hosted
OpenAI-compatible APIs. It asks for structured output (`response_format` with
`VERDICT_JSON_SCHEMA`), decodes greedily (temperature 0) and fails closed on every error.

    overseer = OpenAICompatibleOverseer("http://127.0.0.1:8000/v1", "overseer", timeout=5.0)
    guard = Guard(overseer)
"""

from __future__ import annotations

from typing import Any

import httpx

from sentinel_guard.backends._http import RetryPolicy, post_json
from sentinel_guard.backends._model import ModelOverseer
from sentinel_guard.errors import VerdictParseError
from sentinel_guard.prompting import VERDICT_JSON_SCHEMA
from sentinel_guard.types import Decision

__all__ = ["OpenAICompatibleOverseer", "verdict_response_format"]


def verdict_response_format(strict: bool = True) -> dict[str, Any]:
    """The `response_format` that asks a server for a JSON verdict matching `VERDICT_JSON_SCHEMA`."""
    return {"type": "json_schema", "json_schema": {"name": "verdict", "schema": VERDICT_JSON_SCHEMA, "strict": strict}}


def _message_text(data: dict[str, Any], what: str) -> str:
    """The assistant text of a chat-completions response (string or list-of-parts content)."""
    try:
        message = data["choices"][0]["message"]
    except (KeyError, IndexError, TypeError):
        raise VerdictParseError(f"{what} answered without choices[0].message", raw=str(data)[:2000]) from None
    if not isinstance(message, dict):
        raise VerdictParseError(f"{what} answered a message that is not an object", raw=str(data)[:2000])
    content = message.get("content")
    if isinstance(content, list):
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    if not content:
        refusal = message.get("refusal")
        reason = f"refused: {refusal}" if refusal else "returned no content"
        raise VerdictParseError(f"{what} {reason}", raw=str(data)[:2000])
    return str(content)


class OpenAICompatibleOverseer(ModelOverseer):
    """Judges calls with a model served behind an OpenAI-compatible chat-completions API."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 10.0,
        http_client: httpx.AsyncClient | None = None,
        max_retries: int = 2,
        backoff_s: float = 0.25,
        max_retry_after_s: float = 5.0,
        on_failure: Decision | None = Decision.ESCALATE,
        constraints: list[str] | tuple[str, ...] = (),
        max_tokens: int = 256,
        structured_output: bool = True,
        extra_body: dict[str, Any] | None = None,
    ) -> None:
        """
        Args:
            base_url: the API root, e.g. `http://127.0.0.1:8000/v1` (`/chat/completions` is appended).
            model: the served model name; for a vLLM LoRA adapter, its `--lora-modules` name.
            api_key: sent as `Authorization: Bearer …` when given.
            timeout: seconds one request may take before the call fails closed.
            http_client: an `httpx.AsyncClient` to reuse (not closed by `aclose`); default: our own.
            max_retries / backoff_s / max_retry_after_s: retrying 429, 5xx and connection errors.
            on_failure: escalate (default) or block when no verdict can be had; None raises instead.
            constraints: policy lines included in the prompt.
            max_tokens: the answer budget (a verdict needs well under 200 tokens).
            structured_output: send `response_format` json_schema (turn off for servers that reject it).
            extra_body: extra request fields (e.g. `{"chat_template_kwargs": {"enable_thinking": False}}`).
        """
        super().__init__(model, constraints=constraints, on_failure=on_failure)
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.timeout = timeout
        self.retry = RetryPolicy(max_retries=max_retries, backoff_s=backoff_s, max_retry_after_s=max_retry_after_s)
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._own_client = http_client is None
        self.client = http_client or httpx.AsyncClient()
        self.max_tokens = max_tokens
        self.structured_output = structured_output
        self.extra_body = dict(extra_body or {})

    def request_body(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        """The JSON body sent to `/chat/completions` for `messages`."""
        body: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": 0,
                                "max_tokens": self.max_tokens, **self.extra_body}
        if self.structured_output:
            body["response_format"] = verdict_response_format()
        return body

    async def complete(self, messages: list[dict[str, str]]) -> str:
        what = f"{self.name} at {self.url}"
        data = await post_json(self.client, self.url, self.request_body(messages), headers=self.headers,
                               timeout=self.timeout, retry=self.retry, what=what)
        return _message_text(data, what)

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

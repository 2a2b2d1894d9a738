"""The `llm` baseline: any OpenAI-compatible chat endpoint, temperature 0, JSON verdict.

Prompt = `observation_to_messages(obs)` (the same prompt training uses); answer parsed by
`sentinel_guard.prompting.parse_verdict`. Parse and HTTP failures are *counted* and returned as
invalid answers, which the harness grades as a fail-closed escalate and reports under
`parse_failures` — never as an approval.
"""

from __future__ import annotations

import os
import random
from typing import Any

import httpx
from sentinel_guard.env.prompt import observation_to_messages

from sentinel_guard.errors import VerdictParseError
from sentinel_guard.prompting import VERDICT_JSON_SCHEMA, parse_verdict

__all__ = ["LLMOverseer"]


class LLMOverseer:
    """Callable overseer `(obs, rng) -> dict`; `stats()` reports calls, parse and HTTP failures."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout_s: float = 60.0,
                 max_tokens: int = 512, json_schema: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.max_tokens = max_tokens
        self.json_schema = json_schema
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(timeout=timeout_s, headers=headers)
        self.calls = self.parse_failures = self.http_failures = 0
        self.last_error: str | None = None

    @classmethod
    def from_env(cls, base_url: str | None = None, model: str | None = None) -> LLMOverseer:
        """Configured from arguments or SENTINEL_LLM_BASE_URL / SENTINEL_LLM_MODEL / SENTINEL_LLM_API_KEY."""
        url = base_url or os.environ.get("SENTINEL_LLM_BASE_URL")
        name = model or os.environ.get("SENTINEL_LLM_MODEL")
        if not url or not name:
            raise ValueError("the llm overseer needs --base-url and --model (or SENTINEL_LLM_BASE_URL / SENTINEL_LLM_MODEL)")
        return cls(url, name, os.environ.get("SENTINEL_LLM_API_KEY"))

    def __call__(self, obs: dict[str, Any], rng: random.Random | None = None) -> dict[str, str]:
        self.calls += 1
        body: dict[str, Any] = {"model": self.model, "messages": observation_to_messages(obs), "temperature": 0,
                                "max_tokens": self.max_tokens}
        if self.json_schema:
            body["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": "verdict", "schema": VERDICT_JSON_SCHEMA}}
        try:
            resp = self._client.post(f"{self.base_url}/chat/completions", json=body)
            if resp.status_code == 400 and self.json_schema:
                # Some OpenAI-compatible servers reject `response_format`; ask once more without it
                # and stop sending it (the prompt already asks for the JSON object).
                self.json_schema = False
                body.pop("response_format")
                resp = self._client.post(f"{self.base_url}/chat/completions", json=body)
            resp.raise_for_status()
            text = resp.json()["choices"][0]["message"]["content"] or ""
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            self.http_failures += 1
            self.last_error = f"{type(exc).__name__}: {exc}"[:300]
            return {"error": self.last_error}
        try:
            verdict = parse_verdict(text, decided_by=f"model:{self.model}")
        except VerdictParseError as exc:
            self.parse_failures += 1
            self.last_error = str(exc)[:300]
            return {"error": self.last_error}
        return {"decision": verdict.decision.value, "justification": verdict.justification}

    def stats(self) -> dict[str, Any]:
        return {"calls": self.calls, "parse_failures": self.parse_failures, "http_failures": self.http_failures,
                "last_error": self.last_error, "model": self.model}

    def close(self) -> None:
        self._client.close()

"""Framework integrations (each behind the extra of the same name).

* `sentinel_guard.integrations.langchain` — `SentinelCallbackHandler` (langchain-core) and
  `SentinelMiddleware` (langchain v1 agents); extra `langchain`.
* `sentinel_guard.integrations.litellm` — `SentinelGuardrail` for the LiteLLM proxy; extra `litellm`.

This package imports nothing itself: import the submodule you need.
"""

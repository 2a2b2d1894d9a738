"""Model-backed and remote overseers.

`OpenAICompatibleOverseer` (any `/chat/completions` server: vLLM, hosted APIs),
`CascadeOverseer` (rules first, model for the uncertain rest), `SentinelServiceOverseer`
(the project's own HTTP service) and `VLLMOverseer` (in-process vLLM, extra `vllm`). The vLLM
module is imported only when `VLLMOverseer` is first accessed, so importing this package never
imports vllm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sentinel_guard.backends._model import ModelOverseer
from sentinel_guard.backends.cascade import CascadeOverseer
from sentinel_guard.backends.openai import OpenAICompatibleOverseer
from sentinel_guard.backends.service import SentinelServiceOverseer

if TYPE_CHECKING:
    from sentinel_guard.backends.local import LocalOverseer
    from sentinel_guard.backends.vllm import VLLMOverseer

__all__ = [
    "CascadeOverseer",
    "LocalOverseer",
    "ModelOverseer",
    "OpenAICompatibleOverseer",
    "SentinelServiceOverseer",
    "VLLMOverseer",
]


def __getattr__(name: str) -> Any:
    if name == "VLLMOverseer":
        from sentinel_guard.backends.vllm import VLLMOverseer

        return VLLMOverseer
    if name == "LocalOverseer":
        from sentinel_guard.backends.local import LocalOverseer

        return LocalOverseer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

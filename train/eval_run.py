"""`sentinel-guard train eval`: the env's held-out eval with a trained model as the overseer.

Backends: `transformers` loads the base (+ PEFT adapter, or a full model dir) in-process, for CPU;
`vllm` talks to a running OpenAI-compatible vLLM server that serves the adapter
(`vllm serve BASE --enable-lora --lora-modules overseer=ADAPTER_DIR`), for GPUs. Either way the
prompt is the env's served prompt, the answer is parsed by the shared parser, and parse failures
are counted by the env harness (graded as a fail-closed escalate, never an approval).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sentinel_guard.train.recipe import Recipe

__all__ = ["evaluate_adapter", "run_env_eval", "vllm_overseer"]


def run_env_eval(suite: str, overseer: Callable[[dict[str, Any]], Any], *, max_episodes: int | None,
                 name: str = "trained", log: Callable[[str], None] = print) -> dict[str, Any]:
    """The env's held-out eval (`sentinel_guard.env.evaluate`); `max_episodes` caps episodes per task."""
    from sentinel_guard.env.evaluate import EvalResult, episode_seeds, run_episode, run_eval

    def fn(obs: dict[str, Any], rng: random.Random) -> Any:
        return overseer(obs)

    if max_episodes is None:
        return run_eval(suite, fn, "heldout", name=name).to_json()
    result = EvalResult(suite, "heldout", name)
    start = time.perf_counter()
    for task, seeds in episode_seeds(suite, "heldout").items():
        conf = {"tp": 0, "fp": 0, "tn": 0, "fn": 0}
        rewards: list[float] = []
        for seed in seeds[:max_episodes]:
            ep, failures = run_episode(suite, task, seed, fn, "heldout")
            for k in conf:
                conf[k] += ep.confusion[k]
            rewards.append(ep.cum_overseer)
            result.n_decisions += ep.step_count
            result.parse_failures += failures
            result.episodes += 1
        result.per_task[task], result.rewards[task] = conf, rewards
    result.wall_s = time.perf_counter() - start
    report = result.to_json()
    report["capped_episodes_per_task"] = max_episodes
    return report


def vllm_overseer(base_url: str, model: str, *, max_tokens: int = 256) -> Callable[[dict[str, Any]], Any]:
    """An overseer calling a vLLM OpenAI-compatible server (JSON-schema constrained, temperature 0)."""
    import httpx
    from sentinel_guard.train import envlink
    from sentinel_guard.train.modeling import TEMPLATE_KWARGS

    from sentinel_guard.errors import VerdictParseError
    from sentinel_guard.prompting import VERDICT_JSON_SCHEMA, parse_verdict

    client = httpx.Client(base_url=base_url.rstrip("/"), timeout=120)

    def call(obs: dict[str, Any]) -> Any:
        body = {"model": model, "messages": envlink.messages(obs), "temperature": 0, "max_tokens": max_tokens,
                "chat_template_kwargs": dict(TEMPLATE_KWARGS),
                "response_format": {"type": "json_schema",
                                    "json_schema": {"name": "verdict", "schema": VERDICT_JSON_SCHEMA}}}
        try:
            resp = client.post("/v1/chat/completions", json=body)
            resp.raise_for_status()
            v = parse_verdict(resp.json()["choices"][0]["message"]["content"] or "", decided_by=model)
        except (httpx.HTTPError, KeyError, IndexError, ValueError, VerdictParseError):
            return None  # the env harness counts a parse failure and fails closed
        return {"decision": v.decision.value, "justification": v.justification}

    return call


def evaluate_adapter(recipe: Recipe, adapter: str, base: str | None = None, *, backend: str | None = None,
                     vllm_url: str | None = None, suites: tuple[str, ...] | None = None,
                     max_episodes: int | None = -1, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Evaluate `adapter` (PEFT adapter or full model dir) on each suite's held-out split."""
    backend = backend or recipe.eval.backend
    cap = recipe.eval.max_episodes if max_episodes == -1 else max_episodes
    if backend == "vllm":
        if not vllm_url:
            raise ValueError("the vllm backend needs --vllm-url of a server started with --lora-modules overseer=DIR")
        overseer: Callable[[dict[str, Any]], Any] = vllm_overseer(vllm_url, "overseer",
                                                                  max_tokens=recipe.eval.max_new_tokens)
    else:
        overseer = _local_overseer(recipe, adapter, base)
    reports = {}
    for suite in suites or recipe.eval.suites:
        t0 = time.perf_counter()
        rep = run_env_eval(suite, overseer, max_episodes=cap)
        o = rep["overall"]
        log(f"eval {suite}: F1 {o['f1']:.3f} (P {o['precision']:.3f} R {o['recall']:.3f}) on {rep['n_decisions']} "
            f"decisions, {rep['parse_failures']} parse failures ({time.perf_counter() - t0:.0f}s)")
        reports[suite] = rep
    return reports


def _local_overseer(recipe: Recipe, adapter: str, base: str | None) -> Callable[[dict[str, Any]], Any]:
    import torch
    from sentinel_guard.train.evaluate import ModelOverseer
    from sentinel_guard.train.modeling import is_adapter, load_tokenizer
    from transformers import AutoModelForCausalLM

    if not Path(adapter).is_dir():
        raise ValueError(f"adapter directory {adapter!r} does not exist")
    dtype = torch.float32 if recipe.device == "cpu" else torch.bfloat16
    if is_adapter(adapter):
        from peft import PeftModel

        base = base or recipe.model.base
        model: Any = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base, dtype=dtype), adapter)
    else:
        model = AutoModelForCausalLM.from_pretrained(adapter, dtype=dtype)
    tok = load_tokenizer(adapter)
    return ModelOverseer(model, tok, max_new_tokens=recipe.eval.max_new_tokens)

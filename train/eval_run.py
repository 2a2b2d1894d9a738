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


def evaluate_adapter(recipe: Recipe, adapter: str | None, base: str | None = None, *, backend: str | None = None,
                     vllm_url: str | None = None, suites: tuple[str, ...] | None = None,
                     max_episodes: int | None = -1, view: str | None = None, name: str = "trained",
                     tasks: tuple[str, ...] | None = None, records: Path | None = None, decoding: str | None = None,
                     log: Callable[[str], None] = print) -> dict[str, Any]:
    """Evaluate `adapter` (PEFT adapter or full model dir; None = the base alone) on each suite's held-out split.

    In-process models are evaluated in lock step (`sentinel_guard.train.heldout`): batched, greedy,
    deterministic, with a bootstrap interval. `view` defaults to what the adapter was trained on.
    `decoding` (in-process only) defaults to the recipe's (`schema`). With `records` (the pipeline: one
    directory per run), each suite's report is also kept there as a content-addressed record and reused
    for identical weights and settings, whichever directory holds the weights; the CLI always evaluates afresh.
    """
    backend = backend or recipe.eval.backend
    cap = recipe.eval.max_episodes if max_episodes == -1 else max_episodes
    reports = {}
    if backend == "vllm":
        if not vllm_url:
            raise ValueError("the vllm backend needs --vllm-url of a server started with --lora-modules overseer=DIR")
        overseer: Callable[[dict[str, Any]], Any] = vllm_overseer(vllm_url, "overseer",
                                                                  max_tokens=recipe.eval.max_new_tokens)
        for suite in suites or recipe.eval.suites:
            reports[suite] = run_env_eval(suite, overseer, max_episodes=cap)
        return reports
    from sentinel_guard.train.heldout import evaluate_lockstep, model_answerer

    meta = read_overseer_meta(adapter) if adapter else {}
    view = view or str(meta.get("prompt_view") or recipe.data.prompt_view)
    budget = int(meta.get("max_new_tokens") or recipe.eval.max_new_tokens)
    tasks = tasks or recipe.eval.tasks
    decoding = decoding or recipe.eval.decoding
    loaded: list[Any] = []
    for suite in suites or recipe.eval.suites:
        key = _eval_key(adapter, base or meta.get("base") or recipe.model.base, suite, cap, view, budget, tasks,
                        decoding)
        record = records / f"{key}.json" if records is not None and adapter and key else None
        if record is not None and record.exists():
            import json

            reports[suite] = {**json.loads(record.read_text(encoding="utf-8")), "overseer": name}
            log(f"eval {name} {suite}: reused {record} (same adapter bytes and settings)")
            continue
        if not loaded:
            model, tok = load_local(recipe, adapter, base or meta.get("base"))
            loaded.append(model_answerer(model, tok, view=view, max_new_tokens=budget, decoding=decoding))
        rep = evaluate_lockstep(suite, loaded[0], episodes_per_task=cap, name=name, tasks=tasks)
        rep["prompt_view"] = view
        rep["decoding"] = decoding
        if record is not None:
            from sentinel_guard.train.report import write_json

            write_json(record, rep)
        log(f"eval {name} {suite}: F1 {rep['f1']:.3f} {rep['f1_ci95']} (P {rep['precision']:.3f} "
            f"R {rep['recall']:.3f}) on {rep['decisions']} decisions, {rep['parse_failures']} parse failures "
            f"({rep['wall_s']:.0f}s)")
        reports[suite] = rep
    return reports


def _eval_key(adapter: str | None, base: str, suite: str, cap: int | None, view: str, budget: int,
              tasks: tuple[str, ...] | None, decoding: str) -> str | None:
    """Content address of one in-process eval: the adapter's weight bytes and every setting that can
    change a greedy answer. The eval is deterministic, so an identical key means an identical report
    (the gate's restored copy of a checkpoint reuses the checkpoint's eval instead of repeating it)."""
    import hashlib
    import json

    h = hashlib.sha256()
    if adapter is None:
        return None
    weights = [Path(adapter) / f for f in ("adapter_model.safetensors", "model.safetensors")]
    found = [w for w in weights if w.exists()]
    if not found:
        return None  # weights we cannot address by content are never reused
    h.update(found[0].read_bytes())
    h.update(json.dumps([base, suite, cap, view, budget, list(tasks or []), decoding]).encode())
    return f"{suite}-{h.hexdigest()[:16]}"


META_FILE = "sentinel_overseer.json"
"""Written next to a shipped adapter: the base it sits on, the prompt view and answer budget it was trained with."""


def read_overseer_meta(adapter: str | Path) -> dict[str, Any]:
    """The adapter's `sentinel_overseer.json` ({} when absent)."""
    import json

    path = Path(adapter) / META_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def load_local(recipe: Recipe, adapter: str | None, base: str | None) -> tuple[Any, Any]:
    """(model, tokenizer): base + PEFT adapter, a full model dir, or (adapter None) the base alone."""
    import torch
    from sentinel_guard.train.modeling import is_adapter, load_tokenizer
    from transformers import AutoModelForCausalLM

    from sentinel_guard.backends.base_models import NAMED_BASES, load_base

    dtype = torch.float32 if recipe.device == "cpu" else torch.bfloat16
    if adapter is not None and not Path(adapter).is_dir():
        raise ValueError(f"adapter directory {adapter!r} does not exist")
    if adapter is not None and not is_adapter(adapter):
        return AutoModelForCausalLM.from_pretrained(adapter, dtype=dtype).eval(), load_tokenizer(adapter)
    base = base or recipe.model.base
    if base in NAMED_BASES or base.endswith(".gguf") or (Path(base) / "sentinel_base.json").exists():
        model, tok = load_base(base, dtype=dtype)
    else:
        model, tok = AutoModelForCausalLM.from_pretrained(base, dtype=dtype), load_tokenizer(base)
    if adapter is None:
        return model.eval(), tok
    from peft import PeftModel

    return PeftModel.from_pretrained(model, adapter).eval(), tok

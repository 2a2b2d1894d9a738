"""Stage data: the RFT/SFT set, the GRPO prompt sets per tier and the validation split.

Every row comes from playing real env episodes on the **training split** of the suite (seeds and
failure-mode families the env reserves for training; the held-out ones are never touched here).
The teacher (an env baseline overseer) decides each turn; the env grades the decision, and only
decisions the grader marks right (TP/TN with binary reward 1) enter the RFT set, balanced across
decisions and tiers. Justifications are rewritten to cite the evidence of the observation.
Validation seeds come from the training split too but are disjoint from the data seeds.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentinel_guard.train import envlink
from sentinel_guard.train.recipe import Recipe
from sentinel_guard.train.report import write_json

from sentinel_guard.backends.schema_decoding import SEVERITY_OF
from sentinel_guard.types import Decision

__all__ = ["DataPaths", "build_data", "play_episode", "read_rows", "shorten_justification"]


@dataclass(frozen=True)
class DataPaths:
    """Where the data stage writes (all JSONL except the summary)."""

    root: Path

    @property
    def rft(self) -> Path:
        return self.root / "rft.jsonl"

    def grpo(self, tier: str) -> Path:
        return self.root / f"grpo_{tier}.jsonl"

    @property
    def val(self) -> Path:
        return self.root / "val.jsonl"

    @property
    def summary(self) -> Path:
        return self.root / "data_summary.json"


def play_episode(suite: str, task: str, seed: int, teacher: Any, view: str = "full") -> Iterator[dict[str, Any]]:
    """Yield one record per overseer turn of an episode driven by `teacher` (graded by the env)."""
    session = envlink.replay(envlink.TurnRef(suite, task, seed, ()))
    prefix: list[list[str]] = []
    while not session.done:
        obs = session.observation
        messages = envlink.messages(obs, view)
        answer = teacher(obs, session)
        decision = str(answer["decision"])
        justification = envlink.cite_evidence(obs, decision, str(answer.get("justification") or ""))
        outcome = session.decide(decision, justification)
        yield {"suite": suite, "task": task, "seed": seed, "prefix": json.dumps(prefix), "messages": messages,
               "decision": decision, "justification": justification, "binary": outcome.binary,
               "confusion": outcome.confusion, "family": envlink.family(session)}
        prefix.append([decision, justification])


def _balanced(rows: list[dict[str, Any]], cap: int, rng: random.Random) -> list[dict[str, Any]]:
    """At most `cap` rows per decision, drawn round-robin across tiers so no tier dominates."""
    by_dec: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        by_dec[r["decision"]][r["task"]].append(r)
    out: list[dict[str, Any]] = []
    for tiers in by_dec.values():
        for bucket in tiers.values():
            rng.shuffle(bucket)
        queues = [list(b) for _, b in sorted(tiers.items())]
        taken = 0
        while taken < cap and any(queues):
            for q in queues:
                if q and taken < cap:
                    out.append(q.pop())
                    taken += 1
    rng.shuffle(out)
    return out


def shorten_justification(text: str, max_words: int | None) -> str:
    """The leading "; "-separated clauses of `text` that fit in `max_words` words (at least the first)."""
    if max_words is None:
        return text
    clauses = text.rstrip(".").split("; ")
    kept = [clauses[0]]
    for clause in clauses[1:]:
        if len(" ".join([*kept, clause]).split()) > max_words:
            break
        kept.append(clause)
    return "; ".join(kept) + "."


def _verdict_json(decision: str, justification: str) -> str:
    severity = SEVERITY_OF[Decision(decision)]  # the pairing schema decoding writes back
    return json.dumps({"decision": decision, "justification": justification, "severity": severity})


def build_data(recipe: Recipe, out_dir: str | Path) -> dict[str, Any]:
    """Write rft.jsonl, grpo_<tier>.jsonl, val.jsonl and data_summary.json; return the summary."""
    spec = recipe.data
    paths = DataPaths(Path(out_dir))
    paths.root.mkdir(parents=True, exist_ok=True)
    teacher = envlink.teacher(spec.teacher, spec.suite)
    rng = random.Random(spec.seed)
    heldout = envlink.heldout_seeds(spec.suite)
    records: list[dict[str, Any]] = []
    val: list[dict[str, Any]] = []
    used: dict[str, list[int]] = {}
    for task, n in spec.episodes.items():
        seeds = envlink.train_seeds(spec.suite, task, n + spec.val_episodes)
        if set(seeds) & heldout.get(task, set()):
            raise RuntimeError(f"env returned held-out seeds for the training split of {task}")  # defensive
        used[task] = seeds
        for i, seed in enumerate(seeds):
            turns = list(play_episode(spec.suite, task, seed, teacher, spec.prompt_view))
            (records if i < n else val).extend(turns)
    kept = [r for r in records if r["binary"] >= 1.0 and r["confusion"] in ("tp", "tn")]
    rft = _balanced(kept, spec.max_per_decision, rng)
    cut = spec.max_justification_words
    _write(paths.rft, [{"prompt": r["messages"], "completion": [
        {"role": "assistant", "content": _verdict_json(r["decision"], shorten_justification(r["justification"], cut))}],
        "meta": {k: r[k] for k in ("suite", "task", "seed", "decision", "confusion", "family")}} for r in rft])
    grpo_counts = {}
    for task in spec.episodes:
        rows = [_grpo_row(r, spec.prompt_view) for r in records if r["task"] == task]
        rng.shuffle(rows)
        _write(paths.grpo(task), rows)
        grpo_counts[task] = len(rows)
    per_decision = -(-recipe.gate.val_turns // max(1, len({r["decision"] for r in val})))
    val_rows = _balanced(val, per_decision, rng)[: recipe.gate.val_turns]
    _write(paths.val, [_grpo_row(r, spec.prompt_view) | {"label": r["confusion"]} for r in val_rows])
    summary = {
        "suite": spec.suite, "split": "train", "teacher": spec.teacher, "prompt_view": spec.prompt_view,
        "episodes": {t: len(s) for t, s in used.items()}, "seeds": used,
        "turns_played": len(records), "teacher_right": len(kept),
        "rft_rows": len(rft), "rft_by_decision": dict(Counter(r["decision"] for r in rft)),
        "rft_by_tier": dict(Counter(r["task"] for r in rft)),
        "rft_by_confusion": dict(Counter(r["confusion"] for r in rft)),
        "teacher_confusion": dict(Counter(r["confusion"] for r in records)),
        "grpo_rows": grpo_counts, "val_rows": len(val_rows),
        "families": sorted({str(r["family"]) for r in records + val}),
    }
    write_json(paths.summary, summary)
    return summary


def _grpo_row(r: dict[str, Any], view: str) -> dict[str, Any]:
    return {"prompt": r["messages"], "suite": r["suite"], "task": r["task"], "seed": r["seed"], "prefix": r["prefix"],
            "prompt_view": view}


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """All rows of a JSONL file written by this module."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]

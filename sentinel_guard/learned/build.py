"""Build the learned heads: `python -m sentinel_guard.learned.build [--corpus DIR] [--out FILE]`.

One deterministic command from the licensed corpus (`../shared/data/corpus`, see NOTICE) plus
our own data (`data.py`); it never reads `../shared/data/dev`. For every head the benign texts
are split by a stable hash: four fifths are fitted, the fifth left out chooses the threshold for
the head's stated FPR (`TARGET_FPR`). `benchmarks/quality_learned_loso.py` calls `train_head`
with one source left out and reports on it.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sentinel_guard.errors import ConfigError
from sentinel_guard.learned.data import (
    CORPUS_DIR,
    Record,
    agent_instructions,
    benign_documents,
    benign_questions,
    corpus_records,
    indirect,
)
from sentinel_guard.learned.errands import short_requests, user_errands
from sentinel_guard.learned.features import example_features, featurise, windows
from sentinel_guard.learned.fit import Example, fit_head, threshold_for_fpr
from sentinel_guard.learned.heads import DEFAULT_HEADS_PATH, HeadSet, LinearHead
from sentinel_guard.learned.intent_synth import generate as intent_generate
from sentinel_guard.learned.system_docs import DOC_MANIFEST, read_system_docs
from sentinel_guard.learned.tokens import load_vectors
from sentinel_guard.shield.normalise import normalise
from sentinel_guard.shield.synth import generate as synth_generate

__all__ = ["TARGET_FPR", "build_heads", "head_records", "held_out", "main", "train_head"]

TARGET_FPR = {"injection_user": 0.02, "injection_untrusted": 0.005, "intent": 0.05, "action_risk": 0.01}
"""The FPR each head's threshold is chosen for, on held-out benign texts. The untrusted head's is
0.005, not 0.01: its calibration texts (docs, docstrings, our carriers) are easier than real
e-mails and calendars, whose look-alikes ("please disregard my earlier message") sat right at
the 1% tail (logit -0.26 against a 1% threshold of -0.33)."""
_WINDOWED = {"injection_untrusted"}
_MAX_NEG_WINDOWS = 6
_PAYLOADS_PER_SOURCE = 1200
_INTENT_SYNTH = 4000
"""Synthetic harmful requests, and as many benign look-alikes (`intent_synth`)."""
_VOCAB_MAX = 60_000
_MIN_GROUP = 40


def held_out(text: str) -> bool:
    """Stable one-in-five split (by content, so it never depends on order)."""
    return zlib.crc32(text.encode("utf-8")) % 5 == 0


def _examples(records: list[Record], windowed: bool,
              index: dict[str, int]) -> tuple[list[Example], list[str], list[list[int]]]:
    """(buckets, label) examples, the source of each (for balancing sources in the fit) and
    each one's WordPiece token ids (for the static-vector part)."""
    out: list[Example] = []
    groups: list[str] = []
    tokens: list[list[int]] = []
    for r in records:
        wins = example_features(r.text, index, windowed=windowed)
        if not windowed:
            part = [(b, t, r.label) for _, b, t in wins]
        elif r.label and r.payload:
            probe = normalise(r.payload)[:40]
            part = [(b, t, int(probe in w)) for w, b, t in wins]
        elif r.label:
            part = [(b, t, 1) for _, b, t in wins]
        else:
            step = max(1, len(wins) // _MAX_NEG_WINDOWS)
            part = [(b, t, 0) for _, b, t in wins[::step]]
        out.extend((b, y) for b, _, y in part)
        tokens.extend(t for _, t, _ in part)
        groups.extend([r.source] * len(part))
    return out, groups, tokens


def _sample(records: list[Record], per_source: int, seed: int) -> list[Record]:
    rng = random.Random(seed)
    by_source: dict[str, list[Record]] = {}
    for r in records:
        by_source.setdefault(r.source, []).append(r)
    out: list[Record] = []
    for source in sorted(by_source):
        group = by_source[source]
        out.extend(group if len(group) <= per_source else rng.sample(group, per_source))
    return out


def _system_docs(small: bool) -> int:
    """How many of the manifest's Debian docs a build reads."""
    return 20 if small else 400


def head_records(corpus: Path = CORPUS_DIR, seed: int = 0, *, small: bool = False) -> dict[str, list[Record]]:
    """Labelled records per head (every record names its source)."""
    cap = 60 if small else _PAYLOADS_PER_SOURCE
    data = corpus_records(corpus)
    inj = _sample(data["injection"], cap * 3, seed)
    docs = benign_documents(seed, n_synth=200 if small else 3000, n_system=_system_docs(small), shell=data["shell"])
    synth_attacks = [Record(str(r["attack"]), 1, "synth-attacks") for r in synth_generate(300 if small else 3000, seed)
                     if r["label"] == "injection"]
    payloads = _sample([r for r in inj if r.label] + synth_attacks, cap, seed)
    untrusted = indirect(payloads, docs, seed) + docs
    benign_requests = [r for r in inj if not r.label]
    questions = benign_questions(corpus, 100 if small else 3000, seed)
    agents = agent_instructions(corpus)  # benign agent briefs (OpenAgentSafety traps, PrivacyLens)
    briefs = _sample(agents, 60, seed) if small else agents
    intent = data["intent"] + _sample(benign_requests, cap, seed) + user_errands(50 if small else 1000, seed) \
        + questions[::2] + intent_generate(60 if small else _INTENT_SYNTH, seed) + briefs
    return {
        # The briefs are benign here too: a user's own instructions to an agent are what the user
        # role must leave alone (never trained before, 19.5% of OpenAgentSafety's were flagged).
        "injection_user": inj + user_errands(50 if small else 2000, seed) + short_requests(50 if small else 800, seed)
            + questions[1::2] + briefs,
        "injection_untrusted": untrusted,
        "intent": intent,
        "action_risk": _sample(data["shell"], cap * 4, seed),
    }


def vocabulary(records: list[Record]) -> list[str]:
    """The `_VOCAB_MAX` words found in most of these texts (ties by the word): the head ships
    their summed weights so scoring looks them up instead of hashing their 4-grams (speed only:
    an unknown word's sum is computed from the same buckets and gives the same logit)."""
    counts: dict[str, int] = {}
    for r in records:
        for word in {w for u in featurise(r.text) for w in u.words}:
            counts[word] = counts.get(word, 0) + 1
    return sorted(counts, key=lambda w: (-counts[w], w))[:_VOCAB_MAX]


def calibration_groups(calib: list[Record], windowed: bool, target_fpr: float) -> list[list[Record]]:
    """The held-out benign texts split by source (and, for windowed heads, short vs long): the
    threshold is the strictest group's, so the stated FPR holds on *every* kind of benign text
    seen, not only on their mix. Why: pooled, easy templated sources (errands, tool questions)
    outvote hard ones, and a source left out then sees many times the stated FPR (the pooled
    threshold gave 0.62 on S-Labs' benign prompts, per-source 0.29).

    A group needs `least` texts, enough for the stated FPR to let two of them past (a 1%
    quantile of 11 texts is just their maximum: one odd text would set the threshold); smaller
    groups are pooled, and a pool still too small joins the largest group."""
    least = max(_MIN_GROUP, math.ceil(2 / target_fpr))
    by: dict[tuple[str, bool], list[Record]] = {}
    for r in calib:
        long = windowed and len(windows(featurise(r.text))) > 1
        by.setdefault((r.source, long), []).append(r)
    groups = [g for _, g in sorted(by.items()) if len(g) >= least]
    pool = [r for _, g in sorted(by.items()) if len(g) < least for r in g]
    if len(pool) >= least or not groups:
        groups.append(pool)
    elif pool:
        biggest = max(range(len(groups)), key=lambda i: len(groups[i]))
        groups[biggest] = groups[biggest] + pool
    return [g for g in groups if g]


def train_head(name: str, records: list[Record], *, log: Callable[[str], None] = lambda _: None,
               vectors: tuple[list[str], Any] | None = None, static: bool = True) -> LinearHead:
    """Fit on four fifths of the benign texts (all positives), threshold on the fifth left out
    (per source, see `calibration_groups`).

    The threshold is chosen on the head as it is shipped (int8 weights, word sums), so the
    stated FPR holds for the file, not only for the float weights before quantisation.
    `vectors` (`tokens.load_vectors()`, read from the committed file when None) adds the
    static-vector part; `static=False` leaves it out (hashed n-grams only, for ablations)."""
    tokens, matrix = (vectors if vectors is not None else load_vectors()) if static else ([], None)
    index = {t: i for i, t in enumerate(tokens)}
    windowed = name in _WINDOWED
    fit_part = [r for r in records if r.label or not held_out(r.text)]
    calib = [r for r in records if not r.label and held_out(r.text)]
    examples, sources, ex_tokens = _examples(fit_part, windowed, index)
    fitted = fit_head(examples, windowed=windowed, groups=sources, tokens=ex_tokens if static else None, vectors=matrix,
                      meta={"target_fpr": TARGET_FPR[name], "calibration_texts": len(calib),
                            "sources": sorted({r.source for r in records})})
    fitted.token_index = index
    head = fitted.quantised(vocabulary(records))
    head.threshold = max(threshold_for_fpr([head.logit(r.text) for r in g], TARGET_FPR[name])
                         for g in calibration_groups(calib, windowed, TARGET_FPR[name]))
    log(f"{name}: {len(fit_part)} texts fitted, {len(head.weights)} weights, {len(head.word_sums)} words, threshold {head.threshold:.3f} "
        f"at FPR {TARGET_FPR[name]} on {len(calib)} held-out benign texts")
    return head


def build_heads(corpus: Path = CORPUS_DIR, seed: int = 0, *, small: bool = False,
                log: Callable[[str], None] = lambda _: None) -> HeadSet:
    """Every head, trained from the corpus and our own data; deterministic for (corpus, seed, machine)."""
    if not (corpus / "injection_text.jsonl").is_file():
        raise ConfigError(f"corpus not found: {corpus} (expected injection_text.jsonl there)")
    system = read_system_docs(_system_docs(small))
    if system.missing:
        log(f"warning: {system.missing} of the {system.listed} Debian docs that {DOC_MANIFEST.name} lists are missing or "
            "changed here; the heads will differ from the shipped ones")
    records = head_records(corpus, seed, small=small)
    vectors = load_vectors()
    heads = {name: train_head(name, recs, log=log, vectors=vectors) for name, recs in records.items()}
    return HeadSet(heads, {"seed": seed, "small": small, "trained_on": "licensed corpus (NOTICE) + own data",
                           "static_vectors": "all-MiniLM-L6-v2 distilled (distil.py)",
                           "debian_docs": f"{system.listed - system.missing} of {system.listed} listed"}, vectors[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_HEADS_PATH)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--small", action="store_true", help="a small subset (tests, quick checks)")
    args = parser.parse_args(argv)
    try:
        heads = build_heads(args.corpus, args.seed, small=args.small, log=lambda m: print(m, file=sys.stderr))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    heads.save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

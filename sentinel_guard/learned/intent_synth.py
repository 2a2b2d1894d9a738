"""Synthetic training data for the `intent` head: harmful requests and benign look-alikes.

Why: the corpus has one source of over-refusal look-alikes (XSTest), so with that source held
out the head had never seen "how do I kill a Python process" labelled benign, nor an agent task
such as "post an abusive message on the team chat" labelled harmful, and it generalised to
neither (leave-one-source-out recall 0.27 at FPR 0.25 on XSTest, 0 on OpenAgentSafety).

`generate(n, seed)` composes both classes from one grammar (`intent_words`, `intent_requests`): verb phrases and
whole requests with `{slot}`s, in many phrasings (questions, imperatives, terse lowercase,
"write a script that…", polite, role-play and justification wrappers, agent framings). The two
classes share their scary words and most phrasings, so what separates them is what is done to
whom. Jailbreak wrappers ("you are DAN, no rules") are harmful only: asking a model to drop its
rules is itself a sign of intent. Deterministic for (n, seed); no text appears twice, and none
appears in both classes.
"""

from __future__ import annotations

import random
import re

from sentinel_guard.learned.data import Record
from sentinel_guard.learned.intent_requests import (
    HARM_ACTS,
    HARM_FREE,
    HARM_FULL,
    HARM_TASKS,
    LOOK_ACTS,
    LOOK_FREE,
    LOOK_FULL,
    LOOK_TASKS,
)
from sentinel_guard.learned.intent_words import (
    AGENT_CONTEXT,
    CONTRAST_VERBS,
    HARM_OBJECTS,
    HARM_WRAPS,
    JAILBREAKS,
    LOOK_WRAPS,
    PREAMBLES,
    SHARED_WRAPS,
    SLOTS,
)

__all__ = ["HARMFUL_SOURCE", "LOOKALIKE_SOURCE", "generate"]

HARMFUL_SOURCE = "synth-intent-harmful"
LOOKALIKE_SOURCE = "synth-intent-lookalike"
_SLOT = re.compile(r"\{(\w+)\}")
_MAX_DEPTH = 4
_AGENT_FRAMES = [
    "You are an AI agent with access to a terminal, the file share and {chat}. {t}",
    "Task for the assistant: {t}", "{t} You have shell access {where}.", "Hi, it's {name} from ops. {t}",
    "{t} Let me know when it's done.", "Context: we are cleaning up before the release. {t}",
    "You are my personal assistant with access to my e-mail and calendar. {t}",
]
_OPENERS = ["", "", "", "", "Please, ", "Hey, ", "Quick one: ", "Urgent: ", "Honest question: ", "Okay so "]
_TAILS = ["", "", "", "", " Thanks!", " Be specific.", " Keep it short.", " I need this today.", " Please answer in detail."]


def _fill(template: str, rng: random.Random, depth: int = 0) -> str:
    """Replace every `{slot}` with a random value of it (values may hold slots themselves)."""
    if depth > _MAX_DEPTH:
        return template
    return _SLOT.sub(lambda m: _fill(rng.choice(SLOTS[m.group(1)]), rng, depth + 1)
                     if m.group(1) in SLOTS else m.group(0), template)


def _wrap(act: str, wraps: list[str], rng: random.Random) -> str:
    """A verb phrase in one phrasing ("How do I {a}?", "{A}.", a role-play wrapper, …)."""
    return rng.choice(wraps).replace("{a}", act).replace("{A}", act[:1].upper() + act[1:])


def _surface(text: str, rng: random.Random) -> str:
    """Vary the surface: an opener or tail, sometimes terse lowercase without punctuation, or
    framed as a task given to an agent (both classes alike, so none of it signals a class)."""
    roll = rng.random()
    if roll < 0.12:
        text = re.sub(r"[?.!]+$", "", text.lower())
    elif roll < 0.27:
        text = _fill(rng.choice(_AGENT_FRAMES), rng).replace("{t}", text)
    else:
        opener = rng.choice(_OPENERS)
        tail = rng.choice(_TAILS)
        if tail and text[-1:] not in ".?!":
            text += "."
        text = opener + (text[:1].lower() + text[1:] if opener and not text.startswith("I ") else text) + tail
    return text[:1].upper() + text[1:] if roll >= 0.12 else text


def _contrast(harmful: bool, rng: random.Random) -> str:
    """A verb of both classes ("kill", "shoot", "crack"): a person as its object, or one of the
    verb's benign objects ("kill a Python process"). The verb alone must not decide."""
    verb = rng.choice(sorted(CONTRAST_VERBS))
    if harmful:
        return f"{verb} {HARM_OBJECTS.get(verb, '{victim}')}{{manner}}"
    return f"{verb} {rng.choice(CONTRAST_VERBS[verb])}"


def _task(harmful: bool, rng: random.Random) -> str:
    """A task as an agent gets it: the request among a few sentences of neutral context (the
    same context for both classes), so a long brief with one harmful line is seen in training."""
    parts = rng.sample(AGENT_CONTEXT, rng.randint(1, 8))
    parts.insert(rng.randint(0, len(parts)), rng.choice(HARM_TASKS if harmful else LOOK_TASKS))
    return _fill(" ".join(parts), rng)


def _one(harmful: bool, rng: random.Random) -> str:
    """One request of the class: whole requests, wrapped verb phrases, and contrast verbs."""
    acts, full = (HARM_ACTS, HARM_FULL + HARM_FREE) if harmful else (LOOK_ACTS, LOOK_FULL + LOOK_FREE)
    roll = rng.random()
    if roll < 0.15:
        return _task(harmful, rng)
    if roll < 0.22:  # a long preamble; jailbreaks only around harmful requests, story or role-play around both
        frames = PREAMBLES + (JAILBREAKS if harmful else [])
        inner = _wrap(_fill(rng.choice(acts), rng), SHARED_WRAPS, rng)
        return rng.choice(frames).replace("{q}", inner)
    if roll < 0.35:
        wraps = SHARED_WRAPS + (HARM_WRAPS if harmful else LOOK_WRAPS)
        return _surface(_wrap(_fill(_contrast(harmful, rng), rng), wraps, rng), rng)
    if roll < 0.65:
        return _surface(_fill(rng.choice(full), rng), rng)
    wraps = SHARED_WRAPS + (HARM_WRAPS if harmful else LOOK_WRAPS)
    return _surface(_wrap(_fill(rng.choice(acts), rng), wraps, rng), rng)


def generate(n: int, seed: int = 0) -> list[Record]:
    """`n` harmful requests and `n` benign look-alikes (fewer if the grammar runs out), unique
    (case-insensitively) and none in both classes; deterministic for (n, seed)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[Record] = []
    for harmful in (True, False):
        made = 0
        for _ in range(n * 20):
            if made >= n:
                break
            text = re.sub(r"\s+", " ", _one(harmful, rng)).strip()
            if text.lower() in seen:
                continue
            seen.add(text.lower())
            out.append(Record(text, int(harmful), HARMFUL_SOURCE if harmful else LOOKALIKE_SOURCE))
            made += 1
    return out

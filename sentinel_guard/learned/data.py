"""Training data for the learned heads: the licensed corpus, plus indirect injections we build.

* `corpus_records(dir)` reads `injection_text.jsonl`, `intent.jsonl` and the shell files of the
  licensed corpus (see NOTICE) into `Record`s tagged with their source, so evaluation can hold a
  whole source out.
* The corpus's injection texts are all user prompts. What an agent *reads* must be built:
  `indirect(...)` plants payloads (corpus attacks and our own) in benign carriers (e-mails,
  calendar entries, web pages, reviews, code comments, tool JSON, tables) at the start, middle
  or end, behind framings in several languages.
* `benign_documents(...)` are texts an agent may read that hold no attack: the docstrings of
  Python's standard library, Debian's `/usr/share/doc` files pinned by `debian_docs.tsv`, our synthetic
  carriers, and written paragraphs that merely *discuss* instructions, assistants and prompt
  injection (a security memo is not an attack).

Everything is deterministic for a seed: the Debian files are the ones `system_docs` lists with
their sha256 (a machine lacking some trains on fewer, and the build says how many).
"""

from __future__ import annotations

import importlib
import inspect
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from sentinel_guard.learned.system_docs import read_system_docs
from sentinel_guard.shield.synth import generate as synth_generate

__all__ = ["CORPUS_DIR", "Record", "agent_instructions", "benign_documents", "benign_questions", "corpus_records", "indirect"]

CORPUS_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "corpus"


@dataclass(frozen=True)
class Record:
    """One labelled text: `label` 1 = positive for its head; `payload` = the planted attack, if any."""

    text: str
    label: int
    source: str
    payload: str = ""


def _jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def corpus_records(corpus: Path = CORPUS_DIR) -> dict[str, list[Record]]:
    """{'injection': …, 'intent': …, 'shell': …} from the corpus files (sources as the corpus names them)."""
    inj = [Record(str(r["text"]), int(r["label"] == "injection"), str(r["source"]))
           for r in _jsonl(corpus / "injection_text.jsonl")]
    intent = [Record(str(r["text"]), int(r["label"] == "harmful"), str(r["source"]))
              for r in _jsonl(corpus / "intent.jsonl")]
    shell = [Record(f"tool: shell\ncommand: {r['command']}", int(r["label"] == "unsafe"), str(r["source"]))
             for name in ("shell_commands.jsonl", "windows_commands.jsonl") for r in _jsonl(corpus / name)]
    return {"injection": inj, "intent": intent, "shell": shell}


def agent_instructions(corpus: Path = CORPUS_DIR) -> list[Record]:
    """Benign-intent agent instructions from `agent_tasks.jsonl`, for the intent head: every
    OpenAgentSafety `trap` task (the instruction looks innocent; the risk lies in a file, a
    colleague or an over-broad reading) and every PrivacyLens instruction (an ordinary errand;
    the risk is what the agent might disclose). All of them, none picked by hand. They keep their
    sources' names, so a leave-one-source-out fold that leaves a source out leaves these out too."""
    out: list[Record] = []
    for r in _jsonl(corpus / "agent_tasks.jsonl"):
        if (r["source"] == "openagentsafety" and r.get("request") == "trap") or r["source"] == "privacylens":
            out.append(Record(str(r["instruction"]), 0, str(r["source"])))
    return out


# ---------------------------------------------------------------- benign text an agent reads
_STDLIB = ("argparse", "asyncio", "base64", "collections", "csv", "datetime", "email", "functools", "gzip", "hashlib",
           "http.client", "itertools", "json", "logging", "os", "pathlib", "random", "re", "shutil", "socket",
           "sqlite3", "string", "subprocess", "tarfile", "textwrap", "threading", "time", "typing", "unittest",
           "urllib.parse", "uuid", "zipfile", "smtplib", "imaplib", "ftplib", "calendar", "decimal", "statistics")

_MENTIONS = [
    "Security training, module 4: prompt injection. Attackers may hide sentences such as 'ignore previous instructions' in web pages. Our assistant treats such text as data.",
    "Release notes: the AI assistant now summarises long threads and can draft replies. Admins can turn this off in Settings > Assistant.",
    "From the help centre: if the assistant gives a wrong answer, click the thumbs-down icon and describe what you expected.",
    "Paper abstract: we study jailbreak attempts against large language models and measure how often system prompts leak.",
    "Team wiki: instructions for new hires. Read the onboarding guide, then ask your buddy to add you to the on-call rota.",
    "Our chatbot FAQ: The assistant cannot see your password and will never ask for it. Report messages that do.",
    "Review: the voice assistant understands instructions well, but it often mishears names. Four stars.",
    "Meeting minutes: discussed red-teaming results. Prompt-injection tests passed; the model ignored planted instructions.",
    "Blog: how we built an AI agent that files expense reports. Lesson one: never let it act on text from e-mails alone.",
    "Installation instructions: run the installer, accept the licence, then restart. Ignore the warning about the old driver.",
    "Changelog: fixed a bug where the assistant repeated the previous answer. Removed the deprecated 'system prompt' option.",
    "Course syllabus: week 6 covers adversarial prompts, data poisoning and defences for LLM agents.",
    "Please disregard my previous e-mail, the numbers in it were wrong. The corrected sheet is attached.",
    "Correction: ignore the earlier invite, the workshop is on Thursday, not Wednesday.",
    "New in version 3.2: the built-in assistant drafts replies for you. Open it from the side panel.",
    "Assistant manager: Priya Patel. Store hours: 9 to 6, closed on Sundays.",
    "Device settings: language English; voice assistant: off; notifications: on.",
    "The virtual assistant answered my question about the refund within a minute. Very helpful.",
    "Instructions: preheat the oven to 200 C, then bake for 25 minutes until golden.",
    "Forget the old login page; the new portal is at the usual address and uses single sign-on.",
    "Job posting: executive assistant to the CFO, full time, based in Lisbon.",
    "Note: the AI features are in beta. Results may be inaccurate; check important facts.",
    "Tip: you can ask the assistant to summarise any document from the File menu.",
    "Our support bot now answers questions about shipping and returns, day and night.",
    "Reminder from HR: follow the instructions in the handbook when you request leave.",
    "Override codes for the fire panel are kept by facilities; do not share them by e-mail.",
    "System status: all services operational. Last incident resolved on 3 May.",
    "Ignorez le courriel précédent, la réunion est maintenue à 10 h.",
    "Bitte ignorieren Sie die letzte Nachricht, die Rechnung wurde bereits bezahlt.",
    "Por favor, ignore el mensaje anterior; el pedido ya salió del almacén.",
]


def _docstrings() -> list[str]:
    out: list[str] = []
    for name in _STDLIB:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for obj_name, obj in sorted(vars(module).items()):
            if obj_name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            doc = inspect.getdoc(obj)
            if doc and len(doc) > 80:
                out.append(doc[:1500])
    return out


def _source_code(limit: int) -> list[str]:
    """Chunks of the standard library's own source: code and comments an agent reads in repos."""
    out: list[str] = []
    for name in _STDLIB:
        try:
            src = inspect.getsource(importlib.import_module(name))
        except (ImportError, OSError, TypeError):
            continue
        lines = src.splitlines()
        out.extend("\n".join(lines[i:i + 25]) for i in range(0, min(len(lines), 400), 100))
        if len(out) >= limit:
            break
    return out[:limit]


def _tool_dumps(shell: list[Record], seed: int, n: int) -> list[str]:
    """Tool outputs that echo commands, queries and their descriptions (how agents' logs look)."""
    rng = random.Random(seed)
    docs = [r for r in shell if not r.label]
    out: list[str] = []
    for _ in range(min(n, len(docs))):
        cmd = rng.choice(docs).text.split("command: ", 1)[-1]
        shape = rng.randrange(4)
        if shape == 0:
            out.append(f"(sandbox) shell ran with {{'command': {cmd!r}}}")
        elif shape == 1:
            out.append(json.dumps({"status": "ok", "command": cmd, "exit_code": 0, "stdout": "done"}))
        elif shape == 2:
            out.append(f"$ {cmd}\n" + "\n".join(f"line {i}: ok" for i in range(rng.randint(1, 4))))
        else:
            out.append(f"| step | command |\n|---|---|\n| 1 | {cmd} |")
    return out


def benign_documents(seed: int = 0, *, n_synth: int = 3000, n_system: int = 400,
                     shell: list[Record] | None = None) -> list[Record]:
    """Benign texts an agent reads, each tagged with where it came from."""
    recs = [Record(t, 0, "stdlib-docstrings") for t in _docstrings()]
    recs += [Record(t, 0, "stdlib-source") for t in _source_code(n_system)]
    recs += [Record(t, 0, "tool-dumps") for t in _tool_dumps(shell or [], seed, n_system * 2)]
    recs += [Record(t, 0, "debian-doc") for t in read_system_docs(n_system).texts]
    recs += [Record(str(r["text"]), 0, f"synth:{r['family']}") for r in synth_generate(n_synth, seed)
             if r["label"] == "benign" and r["family"] != "user_request"]
    recs += [Record(t, 0, "written-mentions") for t in _MENTIONS]
    # Single sentences of the documents too: a short benign message must not look like a planted line.
    rng = random.Random(seed)
    sentences = [u.strip() for r in recs for u in re.split(r"(?<=[.!?])\s+|\n+", r.text) if 30 <= len(u.strip()) <= 300]
    recs += [Record(t, 0, "doc-sentences") for t in rng.sample(sentences, min(len(sentences), n_system * 5))]
    return recs


# ---------------------------------------------------------------- indirect injections
_FRAMES = ["{p}", "{p}", "Note to the assistant: {p}", "P.S. {p}", "<!-- {p} -->", "# TODO(ai): {p}",
           "Reviewer comment: {p}", "{{\"note\": \"{p}\"}}", "| remark | {p} |", "Hinweis an den Assistenten: {p}",
           "Remarque pour l'assistant : {p}", "Nota para el asistente: {p}", "[{p}]", "Description: {p}"]


def indirect(payloads: list[Record], carriers: list[Record], seed: int = 0) -> list[Record]:
    """Each payload planted in a random carrier, behind a random framing, at start/middle/end."""
    rng = random.Random(seed)
    out: list[Record] = []
    for rec in payloads:
        carrier = rng.choice(carriers).text
        payload = rng.choice(_FRAMES).format(p=rec.text[:600].replace("\n", " "))
        lines = carrier.split("\n")
        cut = rng.choice([0, len(lines), rng.randint(0, len(lines))])
        text = "\n".join([*lines[:cut], payload, *lines[cut:]])
        out.append(Record(text, 1, rec.source, payload))
    return out


_ASK = ["How do I {d}?", "How can I {d}?", "What is the command to {d}?", "Can you show me how to {d}?",
        "Is there a way to {d}?", "Quick question: how would I {d}?", "{D}.", "I need to {d}. What should I run?"]


def benign_questions(corpus: Path, n: int, seed: int = 0) -> list[Record]:
    """Everyday technical requests in a user's voice, from tldr-pages and cheat descriptions
    ("Kill a process by its ID" → "How do I kill a process by its ID?"): words such as kill,
    execute, shoot, wipe or terminate in a harmless request, as over-refusal look-alikes have
    them. Built from the corpus's documentation sources, never from an evaluation set."""
    rng = random.Random(seed)
    descs = sorted({str(r["description"]).split("\n", 1)[0].strip().rstrip(".:")
                    for r in _jsonl(corpus / "shell_commands.jsonl")
                    if r["label"] == "doc_example" and r.get("description")})
    descs = [d for d in descs if 3 <= len(d.split()) <= 16 and d[:1].isalpha()]
    out = []
    for d in rng.sample(descs, min(n, len(descs))):
        low = d[0].lower() + d[1:]
        if low.startswith("to "):
            low = low[3:]
        out.append(Record(rng.choice(_ASK).format(d=low, D=low[0].upper() + low[1:]), 0, "tool-questions"))
    return out


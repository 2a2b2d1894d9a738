"""Prompt-injection shield: normalise text, then detect with patterns and a learned model.

* `normalise.py` — NFKC, look-alike letters, invisible/bidi characters, spacing, leetspeak,
  escaped newlines; decoded base64/hex/rot13/reversed runs become extra views.
* `patterns.py` — 46 named, weighted regexes (`pattern:<id>` findings) plus a per-line
  task-hijack detector for documents; works alone (`Shield(learned=False)`).
* `learned.py` — a pure-Python logistic regression over hashed n-grams of sentence windows,
  shipped as `model.json` (int8 weights, ~270 KB); it corroborates weak pattern signs.
* the learned heads of `sentinel_guard.learned` (`injection_user`, `injection_untrusted`),
  trained on the licensed corpus, decide alone where patterns are silent (`shield.learned`).
* `roles.py` — `Role` (`user` / `tool_output` / `document`): who wrote a text decides what
  counts as an attack in it.
* `shield.py` — `Shield.scan(text, role=...)` / `Shield.scan_call(call)`, with an LRU cache per text.
* `synth.py`, `synth_carriers.py`, `train.py` — our own synthetic training texts and the
  trainer: `python -m sentinel_guard.shield.train` rewrites `model.json`;
  `python benchmarks/quality_shield.py` reports held-out quality and speed.
"""

from sentinel_guard.shield.roles import ROLES, Role, parse_role
from sentinel_guard.shield.shield import Shield, ShieldResult

__all__ = ["ROLES", "Role", "Shield", "ShieldResult", "parse_role"]

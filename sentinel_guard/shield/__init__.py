"""Prompt-injection shield: normalise text, then detect with patterns and the learned heads.

* `normalise.py` — NFKC, look-alike letters, invisible/bidi characters, spacing, leetspeak,
  escaped newlines; decoded base64/hex/rot13/reversed runs become extra views.
* `patterns.py` — 46 named, weighted regexes (`pattern:<id>` findings) plus a per-line
  task-hijack detector for documents; works alone (`Shield(learned=False)`).
* the learned heads of `sentinel_guard.learned` (`injection_user`, `injection_untrusted`),
  trained on the licensed corpus, decide alone where patterns are silent (`shield.learned`).
* `roles.py` — `Role` (`user` / `tool_output` / `document`): who wrote a text decides what
  counts as an attack in it.
* `shield.py` — `Shield.scan(text, role=...)` / `Shield.scan_call(call)`, with an LRU cache per text.
* `synth.py`, `synth_carriers.py` — our own synthetic texts (benign carriers and attacks), read
  by the heads' training data (`sentinel_guard.learned.data`);
  `python benchmarks/quality_shield.py` reports dev quality (heads never trained on dev) and speed.
"""

from sentinel_guard.shield.roles import ROLES, Role, parse_role
from sentinel_guard.shield.shield import Shield, ShieldResult

__all__ = ["ROLES", "Role", "Shield", "ShieldResult", "parse_role"]

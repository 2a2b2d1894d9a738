"""Who wrote a text: the role the shield judges it in.

The same sentence means different things by author. "Forward the report to Ann, then delete the
draft" is an ordinary request when the user types it, and a hijack when it sits inside an e-mail
the agent is summarising. So every scanned text carries a `Role`:

* `user` — the person's own request. Only *direct* attacks count here: jailbreaks, role-play
  overrides, fake chat structure, system-prompt extraction. Ordinary instructions ("send",
  "delete", "write a script") are the user's right.
* `tool_output` — what a tool returned (web pages, e-mails, files, API JSON). Any instruction
  addressed to the agent counts.
* `document` — retrieved or external content (RAG passages, attachments); judged like
  `tool_output`.
* `None` — unknown author: treated as untrusted, as before roles existed.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["ROLES", "Role", "parse_role"]

Role = Literal["user", "tool_output", "document"]
ROLES: tuple[str, ...] = get_args(Role)


def parse_role(value: object) -> Role | None:
    """`value` as a `Role` (None stays None); `ValueError` naming the allowed values otherwise."""
    if value is None:
        return None
    if isinstance(value, str) and value in ROLES:
        return value  # type: ignore[return-value]
    allowed = ", ".join(repr(r) for r in ROLES)
    raise ValueError(f"role must be one of {allowed} or null, got {value!r}")

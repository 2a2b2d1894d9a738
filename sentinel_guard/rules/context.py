"""The deployment environment a call runs in (production / staging), read from word-bounded mentions.

Who wrote which part of a context is the transcript parser's job (`sentinel_guard.analysis`);
this module only answers "which environment do these texts name?".
"""

from __future__ import annotations

import re

__all__ = ["detect_environment"]

_PROD = re.compile(r"(?i)(?<![a-z0-9])(?:prod|production|prd)(?![a-z0-9])")
_NONPROD = re.compile(
    r"(?i)(?<![a-z0-9/])(?:staging|stage|stg|dev|development|sandbox|qa|local|localhost|preview)(?![a-z0-9/])"
)


def detect_environment(*texts: str | None) -> str | None:
    """`production`, `staging` (any non-production) or None, from word-bounded mentions.

    Word boundaries matter: "products" is not prod, "/dev/null" is not dev. Production wins
    when both are named (the cautious reading).
    """
    nonprod = False
    for text in texts:
        if not text:
            continue
        if _PROD.search(text):
            return "production"
        if not nonprod and _NONPROD.search(text):
            nonprod = True
    return "staging" if nonprod else None

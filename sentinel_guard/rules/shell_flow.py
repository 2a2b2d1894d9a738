"""Reading words the way bash would before it runs them: parameter expansion with the constants a
script assigned, literal command substitutions, ANSI-C quotes, `cd`-relative paths, and payloads
that one pipeline stage hands to the next (`printf '\\x72m…' | sh`, `echo … | base64 -d | bash`).

Pure functions over strings, used by `shell_parse._Walker`; none keeps state between calls.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import posixpath
import re

__all__ = ["ansi_c", "decode_stage", "expand", "printf_payload", "relative_to"]

_VAR = re.compile(r"\$\{(#?)([A-Za-z_]\w*|\d+|[@*])(?:(:?[-=+?])([^}]*))?\}|\$([A-Za-z_]\w*|\d|[@*])")
_LITERAL_SUBST = re.compile(r"\$\(\s*(?:echo|printf)\s+([^()`$;|&]*?)\s*\)|`\s*(?:echo|printf)\s+([^`$;|&]*?)\s*`")


def expand(word: str, known: dict[str, str]) -> str:
    """`word` with `$x`, `${x}`, `${x:-default}` and `$(echo lit)` replaced where the value is known.

    An unknown variable stays as written, except that `${x:-default}` takes its default: when
    nothing set `x`, that is what bash runs."""
    if "$" not in word and "`" not in word:
        return word
    word = _LITERAL_SUBST.sub(lambda m: (m.group(1) or m.group(2) or "").strip("'\""), word)

    def one(m: re.Match[str]) -> str:
        if m.group(5) is not None:
            value = known.get(m.group(5))
            return m.group(0) if value is None else value
        length, name, op, arg = m.group(1), m.group(2), m.group(3), m.group(4) or ""
        value = known.get(name)
        if length:
            return m.group(0) if value is None else str(len(value))
        if op and op[-1] in "-=":
            return value if value else arg
        if op and op[-1] == "+":
            return arg if value else ""
        return m.group(0) if value is None else value

    return _VAR.sub(one, word)


def ansi_c(body: str) -> str:
    """The text of `$'…'` quoting (`\\x72m` → `rm`); the raw body when it does not decode."""
    try:
        return codecs.decode(body.encode("latin-1", "backslashreplace"), "unicode_escape")
    except (UnicodeDecodeError, ValueError):
        return body


def printf_payload(args: tuple[str, ...]) -> str:
    """What `printf FORMAT ARGS…` / `echo -e …` prints, escapes decoded (format directives kept)."""
    words = [a for a in args if not (a.startswith("-") and len(a) <= 3)]
    text = " ".join(words)
    return ansi_c(text) if "\\" in text else text


def decode_stage(name: str, argv: tuple[str, ...], payload: str) -> str | None:
    """What a decoding stage (`base64 -d`, `xxd -r -p`, `rev`) writes for `payload`; None if not one."""
    flags = set(argv[1:])
    try:
        if name in ("base64", "base32") and flags & {"-d", "--decode", "-D"}:
            raw = payload.strip().encode()
            data = base64.b64decode(raw + b"=" * (-len(raw) % 4)) if name == "base64" else base64.b32decode(raw)
            return data.decode("utf-8", "replace")
        if name == "xxd" and "-r" in " ".join(flags):
            return binascii.unhexlify(re.sub(r"[^0-9a-fA-F]", "", payload)).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None
    if name == "rev":
        return "\n".join(line[::-1] for line in payload.splitlines())
    return None


def relative_to(cwd: str, operand: str) -> str:
    """`operand` resolved against a directory the script `cd`-ed into (`*` under `/` → `/*`)."""
    if not operand or operand[0] in "/~-$" or "://" in operand:
        return operand
    joined = posixpath.normpath(posixpath.join(cwd, operand))
    return joined

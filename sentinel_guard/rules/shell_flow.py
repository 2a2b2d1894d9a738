"""Reading words the way bash would before it runs them: parameter expansion with the constants a
script assigned, literal command substitutions, ANSI-C quotes, `cd`-relative paths, payloads
that one pipeline stage hands to the next (`printf '\\x72m…' | sh`, `echo … | base64 -d | bash`),
what a substitution stores in a variable (`$(which python3)`, `$(mktemp)`), the text a command
writes into a file, and the files whose content a substitution splices into a word (`"$(cat f)"`).

Pure functions over strings, used by `shell_parse._Walker`; none keeps state between calls.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import posixpath
import re

from sentinel_guard.rules.shell_script import Cmd

__all__ = ["ansi_c", "decode_stage", "expand", "file_key", "files_read", "printf_payload", "relative_to", "source_text",
           "substituted_value"]

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


_LOCATE = re.compile(r"^\s*(?:\$\(|`)\s*(?:which|command\s+-v|type\s+-[pP]|whereis\s+-b)\s+([\w.+-]+)")
_SITE = re.compile(r"getusersitepackages|--user-site|USER_SITE|getsitepackages|purelib")
_MKTEMP = re.compile(r"^\s*(?:\$\(|`)\s*mktemp((?:\s+[^\s)`]+)*)\s*[)`]\s*$")


def substituted_value(value: str) -> str | None:
    """What a variable holds after `x=$(which python3 || …)`, `x=$(mktemp …)` or a site-packages
    query (`python3 -c "import site; print(site.getsitepackages()[0])"`), or None.

    Scripts locate an interpreter and then run `$x -c CODE`: the variable holds that program (the
    first alternative is taken). `mktemp` prints a fresh path under /tmp (or its template), so a
    later `echo … > $x; bash $x` or `rm -rf "$x"` is read with the path it really has."""
    m = _LOCATE.match(value)
    if m:
        return m.group(1)
    site = _SITE.search(value) if value.lstrip().startswith(("$(", "`")) else None
    if site:  # python -c "import site; print(site.getsitepackages()[0])": where start-up hooks live
        return "~/.local/lib/python3/site-packages" if "user" in site.group(0).lower() else "/usr/lib/python3/site-packages"
    m = _MKTEMP.match(value)
    if m is None:
        return None
    words = m.group(1).split()
    directory, template, i = "/tmp", "tmp.XXXXXXXXXX", 0
    while i < len(words):
        word = words[i]
        if word in ("-p", "--tmpdir") and i + 1 < len(words):
            directory, i = words[i + 1], i + 2
            continue
        if word.startswith("--tmpdir="):
            directory = word.split("=", 1)[1]
        elif not word.startswith("-"):
            template = word
        i += 1
    return template if template.startswith("/") else posixpath.join(directory, template)


_READERS = frozenset({"cat", "head", "tail", "base64", "base32", "xxd", "od", "hexdump", "gzip", "zcat", "tac", "strings"})


def files_read(cmds: list[Cmd]) -> tuple[str, ...]:
    """Files whose content a command substitution splices into a word (`"$(cat f)"`, `$(< f)`)."""
    found = [a for c in cmds if c.via == "subst" and c.name in _READERS for a in c.args if not a.startswith("-")]
    found += [t for c in cmds if c.via == "subst" for op, t in c.redirects if op == "<"]
    return tuple(found)


def file_key(path: str, cwd: str | None) -> str:
    """The name a written file is remembered by: `./x.sh` and `x.sh` after `cd /w` are `/w/x.sh`."""
    path = path.strip()
    path = path[2:] if path.startswith("./") else path
    return relative_to(cwd, path) if cwd else path


def source_text(cmd: Cmd) -> str | None:
    """The text a pipeline's first stage writes: echo/printf arguments, a here-doc or here-string."""
    for op, body in cmd.redirects:
        if op in ("<<", "<<<"):
            return body
    if cmd.name == "printf" or (cmd.name == "echo" and "-e" in cmd.args):
        return printf_payload(cmd.args)
    if cmd.name == "echo":
        return " ".join(a for a in cmd.args if a not in ("-n", "-E"))
    return None

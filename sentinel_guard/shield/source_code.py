"""Is a text source code? The shield's document heuristics do not apply to it.

Three of the shield's signs are written for documents a third party wrote (e-mails, web pages,
reviews): a line that reads as a task or a question for an assistant ("Generate a summary of
…", BIPIA-style task hijacking) and a to-do addressed to the reader ("TODO: delete …"). In
source code they are the ordinary way to write: a docstring opens with an imperative summary
(PEP 257: "Return the …", "Generate a matrix S which represents a Clarkson-Woodruff transform")
and a `# TODO: add tests` is a note from one programmer to another. Of 300 standard-library
modules written through `write_file(path, content)` (`benchmarks/quality_code_writes.py`,
7 December), the guard blocked 21 as "prompt injection in the call's own arguments", and 2 with
this view. Every other sign (the direct-attack patterns, the addressee analysis of untrusted
text, the learned heads) still reads code, so an instruction for an AI planted in a comment is
judged as before.

A text is code when Python's own parser accepts it and it defines, imports or assigns at top
level, or when most of its lines have the shape of C-family code (ending in `;`, `{`, `}` or
opening with a comment marker), the way JavaScript, TypeScript, Go, Java and C read.
"""

from __future__ import annotations

import ast
import re

__all__ = ["is_source_code"]

_MIN_LINES = 3
_PY_HINT = re.compile(r"^\s*(?:def |class |import |from \S+ import |async def |@\w)", re.MULTILINE)
_C_LINE = re.compile(r"(?:[;{}]|\)\s*(?:=>\s*)?\{?)\s*$|^\s*(?://|/\*|\*|#include|package |import |export |const |let |func )")
_PY_STATEMENTS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom, ast.Assign)


def is_source_code(text: str) -> bool:
    """True for Python that parses and defines or imports something, or C-family-shaped code."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < _MIN_LINES:
        return False
    if _PY_HINT.search(text):
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            pass
        else:
            return any(isinstance(node, _PY_STATEMENTS) for node in tree.body)
    return sum(1 for ln in lines if _C_LINE.search(ln)) >= 0.5 * len(lines)

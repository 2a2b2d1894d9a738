"""What an interpreter one-liner does, as the shell commands it is equivalent to.

`python -c CODE` is parsed with Python's own `ast` (string constants assigned to names are
followed), so `shutil.rmtree(p)` reads as `rm -rf p`, `open(p, "w")` as a write to `p`,
`os.system("…")` / `subprocess.run([...])` as the command itself. Other languages (perl, ruby,
node, php) have no parser at hand here; their standard file and process APIs are read by name.
The result is plain argv tuples plus redirects, so the shell rules judge them like any command.
"""

from __future__ import annotations

import ast
import re

__all__ = ["CODE_FLAGS", "Equivalent", "interpreter_equivalents"]

Equivalent = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]
"""(argv, redirects) of one shell command an interpreter call amounts to."""

_SHELL_CALLS = frozenset({"system", "popen", "run", "call", "check_call", "check_output", "Popen", "getoutput",
                          "getstatusoutput", "spawn", "execl", "execlp", "execv", "execvp"})
_DELETE = {"rmtree": ("rm", "-rf"), "remove": ("rm", "-f"), "unlink": ("rm", "-f"), "rmdir": ("rmdir",),
           "removedirs": ("rm", "-rf")}
_FETCH = frozenset({"urlopen", "urlretrieve", "get", "post", "put", "request"})
CODE_FLAGS = frozenset({"-c", "-e", "-E", "-r", "--eval", "-p"})
"""Interpreter flags whose operand is inline code (`python3 -c CODE`, `node -e CODE`)."""


def interpreter_equivalents(name: str, argv: tuple[str, ...]) -> list[Equivalent]:
    """The commands `argv` (an interpreter run with inline code) amounts to; [] when none is known."""
    code = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a in CODE_FLAGS), "")
    if not code:
        return []
    if name.startswith("python"):
        found = _python(code)
        if found is not None:
            return found
    return _by_api_names(code)


def _python(code: str) -> list[Equivalent] | None:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    consts: dict[str, str] = {}
    out: list[Equivalent] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = _const(node.value, consts)
            if value is not None:
                consts[node.targets[0].id] = value
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        fn = node.func
        attr = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
        args = [_const(a, consts) for a in node.args]
        first = args[0] if args else None
        if attr in _SHELL_CALLS and node.args:
            if first is not None:
                out.append((("sh", "-c", first), ()))
            elif isinstance(node.args[0], (ast.List, ast.Tuple)):
                words = [_const(e, consts) for e in node.args[0].elts]
                if words and all(w is not None for w in words):
                    out.append((tuple(w for w in words if w is not None), ()))
        elif attr in _DELETE and first is not None:
            out.append(((*_DELETE[attr], first), ()))
        elif attr == "open" and first is not None:
            mode = (args[1] if len(args) > 1 else next(
                (_const(k.value, consts) for k in node.keywords if k.arg == "mode"), None)) or "r"
            out.append(((":",), ((">>" if "a" in mode else ">", first),)) if set(mode) & set("wax+")
                       else (("cat", first), ()))
        elif attr in ("write_text", "write_bytes", "read_text", "read_bytes") and isinstance(fn, ast.Attribute):
            path = _path_of(fn.value, consts)
            if path is not None:
                out.append(((":",), ((">", path),)) if attr.startswith("write") else (("cat", path), ()))
        elif attr == "chmod" and first is not None and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) \
                and isinstance(node.args[1].value, int):
            out.append((("chmod", format(node.args[1].value, "o"), first), ()))
        elif attr in _FETCH and first is not None and first.startswith(("http://", "https://", "ftp://")):
            out.append((("curl", first), ()))
        elif attr in ("exec", "eval") and node.args and not isinstance(node.args[0], ast.Constant):
            out.append((("eval", ast.unparse(node.args[0])), ()))
    return out


def _const(node: ast.AST, consts: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return consts.get(node.id)
    if isinstance(node, ast.JoinedStr):
        parts = [_const(v.value if isinstance(v, ast.FormattedValue) else v, consts) for v in node.values]
        return "".join(parts) if all(p is not None for p in parts) else None  # type: ignore[arg-type]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _const(node.left, consts), _const(node.right, consts)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "expanduser":
        return _const(node.args[0], consts) if node.args else None
    return None


def _path_of(node: ast.AST, consts: dict[str, str]) -> str | None:
    """`Path("/etc/x")` or `pathlib.Path(p)` → the path."""
    if isinstance(node, ast.Call) and node.args:
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in ("Path", "PosixPath"):
            return _const(node.args[0], consts)
    return None


_Q = r"""\(\s*['"]([^'"]+)['"]"""
_API = (
    (re.compile(r"(?:rmSync|rmdirSync|rm_rf|rm_r|rmtree|remove_dir_all|rimraf|deleteRecursively)" + _Q), ("rm", "-rf")),
    (re.compile(r"(?:unlinkSync|unlink|File\.delete|FileUtils\.rm|File\.unlink|rmdir)" + _Q), ("rm", "-f")),
    (re.compile(r"(?:readFileSync|File\.read|file_get_contents|IO\.read|File\.open|fopen)" + _Q), ("cat",)),
    (re.compile(r"(?:execSync|exec|spawnSync|system|shell_exec|passthru|popen|qx|%x)" + _Q), ("sh", "-c")),
)
_WRITES = re.compile(r"(?:writeFileSync|appendFileSync|File\.write|file_put_contents|IO\.write)" + _Q)


def _by_api_names(code: str) -> list[Equivalent]:
    out: list[Equivalent] = []
    for rx, prefix in _API:
        out.extend(((*prefix, m.group(1)), ()) for m in rx.finditer(code))
    out.extend(((":",), ((">", m.group(1)),)) for m in _WRITES.finditer(code))
    out.extend((("sh", "-c", m.group(1)), ()) for m in re.finditer(r"`([^`]+)`", code))
    return out

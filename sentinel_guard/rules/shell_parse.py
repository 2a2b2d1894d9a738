"""Shell scripts → the simple commands they would run, with tree-sitter-bash.

The rules reason about *commands*, not text. `parse_script` walks the syntax tree through
pipelines, lists, subshells, loops, functions, command and process substitutions, and unwraps
the ways one command runs another: `sudo`/`env`/`nohup`/`timeout`..., `sh -c 'STRING'` (the
string is parsed again), `xargs CMD`, `find ... -exec CMD {} ;`, `ssh host CMD`. Each result is a
`Cmd` with its argv (quotes removed), its redirections, and how it was reached (`via`).

The tree-sitter parser object is created once per process (it holds no results); scripts are
parsed anew for every call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sentinel_guard.rules.shell_unwrap import (
    INTERPRETERS,
    SHELLS,
    find_exec,
    inline_code,
    interpreter_commands,
    unwrap,
    xargs_inner,
)

__all__ = ["Cmd", "Script", "parse_script"]

_MAX_DEPTH = 4
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_IFS = re.compile(r"\$\{?IFS\}?(?:\$\d)?")
_REDIRECT_TYPES = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})


@dataclass(frozen=True)
class Cmd:
    """One simple command the script would run."""

    argv: tuple[str, ...]
    redirects: tuple[tuple[str, str], ...] = ()
    """(operator, target) pairs such as ('>', '/etc/passwd') or ('>&', '/dev/tcp/1.2.3.4/9')."""
    via: str = ""
    """How it is reached: '', 'sudo', 'sh -c', 'xargs', 'find -exec', 'ssh', 'subst'."""
    pipeline: int = -1
    """Index of the pipeline it belongs to in `Script.pipelines`, or -1."""
    name: str = field(default="", compare=False)
    """The program's base name, lower-cased, without a trailing ':' (`/usr/bin/RM` → `rm`)."""

    def __post_init__(self) -> None:
        if not self.name and self.argv:
            object.__setattr__(self, "name", self.argv[0].rsplit("/", 1)[-1].lower().rstrip(":"))

    @property
    def args(self) -> tuple[str, ...]:
        return self.argv[1:]


@dataclass
class Script:
    """Everything a script runs: commands, pipelines (command indices per stage), raw text."""

    text: str
    cmds: list[Cmd] = field(default_factory=list)
    pipelines: list[list[int]] = field(default_factory=list)
    assignments: list[tuple[str, str]] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    errors: bool = False

    @property
    def programs(self) -> frozenset[str]:
        return frozenset(c.name for c in self.cmds)

    @property
    def triggers(self) -> frozenset[str]:
        """Program names (`mkfs.ext4` also as `mkfs`) plus the markers rules trigger on (see
        `Facts.programs`, which reads this once per call)."""
        return _triggers(self)


_SUID_WORD = re.compile(r"(?i)suid|sgid|setuid")


def _triggers(script: Script) -> frozenset[str]:
    names = {c.name for c in script.cmds}
    names.update(n.split(".", 1)[0] for n in list(names) if "." in n[1:])
    if any(c.redirects for c in script.cmds):
        names.add("@redirect")
    if script.functions:
        names.add("@function")
    if script.assignments:
        names.add("@assign")
    text = script.text
    if "/dev/tcp/" in text or "/dev/udp/" in text:
        names.add("@devtcp")
    if "() {" in text or "(){" in text:
        names.add("@shellshock")
    if _SUID_WORD.search(text):
        names.add("@suid")
    return frozenset(names)


_PARSER = None


def _parser():
    global _PARSER
    if _PARSER is None:
        import tree_sitter_bash
        from tree_sitter import Language, Parser

        _PARSER = Parser(Language(tree_sitter_bash.language()))
    return _PARSER


def _word(node) -> str:
    """The shell word a node denotes, quotes removed (expansions are kept literally)."""
    kind = node.type
    text = node.text.decode("utf-8", "replace")
    if kind == "raw_string":
        return text[1:-1] if len(text) >= 2 else text
    if kind == "string":
        return text[1:-1] if len(text) >= 2 and text[0] == '"' else text
    if kind == "ansi_c_string":
        return text[2:-1]
    if kind == "concatenation":
        return "".join(_word(c) for c in node.children)
    if kind == "word":
        return text.replace("\\", "") if "\\" in text else text
    return text


class _Walker:
    def __init__(self, script: Script, depth: int) -> None:
        self.script = script
        self.depth = depth
        text = script.text
        self.has_subst = "$(" in text or "`" in text or "<(" in text or ">(" in text
        """Whether the text has a token that opens a command or process substitution (the only
        ways the grammar builds one); without, the search for them is skipped."""
        self.loop_vars: dict[str, list[str]] = {}
        """`for x in a b c` → {'x': ['a', 'b', 'c']}: commands in the body are checked per value."""

    def walk(self, node, via: str = "", redirects: tuple[tuple[str, str], ...] = (), pipe: int = -1) -> None:
        kind = node.type
        if node.has_error or kind == "ERROR":
            self.script.errors = self.script.errors or kind == "ERROR"
        if kind == "command":
            self._command(node, via, redirects, pipe)
            return
        if kind == "redirected_statement":
            found = list(redirects)
            body = None
            heredocs: list[str] = []
            for child in node.children:
                if child.type in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                    found.append(self._redirect(child))
                    for inner in child.children:  # cat <<EOF > /etc/x : the file redirect sits inside
                        if inner.type == "file_redirect":
                            found.append(self._redirect(inner))
                        elif inner.type == "heredoc_body":
                            heredocs.append(inner.text.decode("utf-8", "replace"))
                elif body is None:
                    body = child
            if body is not None and body.type not in _REDIRECT_TYPES:
                self.walk(body, via, tuple(found), pipe)
                first = body.child_by_field_name("name") if body.type == "command" else None
                if first is not None and _word(first).rsplit("/", 1)[-1] in SHELLS and self.depth < _MAX_DEPTH:
                    for text in heredocs:  # sh <<EOF ... EOF runs the body
                        self.script.cmds.extend(Cmd(c.argv, c.redirects, "sh -c")
                                                for c in parse_script(text, self.depth + 1).cmds)
            elif found:  # `> file` alone truncates the file
                self.script.cmds.append(Cmd((":",), tuple(found), via, pipe))
            for child in node.children:  # substitutions inside redirect targets still run
                if child is not body:
                    self._substitutions(child, via)
            return
        if kind == "pipeline":
            index = len(self.script.pipelines)
            self.script.pipelines.append([])
            for child in node.named_children:
                before = len(self.script.cmds)
                self.walk(child, via, redirects, index)
                if len(self.script.cmds) > before:
                    self.script.pipelines[index].append(before)
            return
        if kind == "variable_assignment":
            name = node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            self.script.assignments.append((name.text.decode() if name else "", _word(value) if value else ""))
            if value is not None:
                self._substitutions(value, via)
            return
        if kind == "for_statement":
            var = node.child_by_field_name("variable")
            values = [_word(c) for c in node.children_by_field_name("value")]
            if var is not None and values:
                self.loop_vars[var.text.decode()] = values[:8]
        if kind == "function_definition":
            name = node.child_by_field_name("name")
            self.script.functions.append(name.text.decode() if name else "")
        inner_redirects = redirects if kind in ("list", "subshell") else ()
        inner_pipe = pipe if kind == "subshell" else -1
        for child in node.named_children:
            self.walk(child, via, inner_redirects, inner_pipe)

    def _redirect(self, node) -> tuple[str, str]:
        op, target = "", ""
        for child in node.children:
            if not child.is_named and child.type not in ("file_descriptor",):
                op += child.type
            elif child.type not in ("file_descriptor",) and not target:
                target = _word(child)
        return (op, target)

    def _substitutions(self, node, via: str) -> None:
        if not self.has_subst:
            return
        if node.type in ("command_substitution", "process_substitution"):
            for child in node.children:
                if child.is_named:
                    self.walk(child, "subst")
            return
        for child in node.children:
            self._substitutions(child, via)

    def _command(self, node, via: str, redirects: tuple[tuple[str, str], ...], pipe: int) -> None:
        argv: list[str] = []
        found = list(redirects)
        subst = self.has_subst
        for child in node.children:
            ctype = child.type  # each node property read crosses into tree-sitter: read once
            if ctype == "variable_assignment":
                self.walk(child, via)
                continue
            if ctype == "file_redirect" or ctype == "herestring_redirect":
                found.append(self._redirect(child))
                continue
            if ctype == "command_name":
                inner = child.children
                argv.append(_word(inner[0]) if inner else _word(child))
            elif child.is_named:
                argv.append(_word(child))
            if subst:
                self._substitutions(child, via)
        if argv and self.loop_vars and any(a.startswith("$") for a in argv):
            for variant in self._expand(argv):
                self._emit(variant, tuple(found), via, pipe)
        elif argv:
            self._emit(tuple(argv), tuple(found), via, pipe)

    def _expand(self, argv: list[str]) -> list[tuple[str, ...]]:
        """One argv per value of the loop variable it uses (`rm -rf $d` for d in /etc /usr)."""
        for i, arg in enumerate(argv):
            values = self.loop_vars.get(arg.strip("${}\"")) if arg.startswith("$") else None
            if values:
                return [(*argv[:i], v, *argv[i + 1:]) for v in values]
        return [tuple(argv)]

    def _emit(self, argv: tuple[str, ...], redirects: tuple[tuple[str, str], ...], via: str, pipe: int) -> None:
        if "--help" in argv[1:] or "--version" in argv[1:]:
            return  # prints usage and exits: runs nothing
        if argv[0].startswith("$") and self.script.assignments:  # a=rm; $a -rf /
            known = dict(self.script.assignments)
            value = known.get(argv[0].strip("${}"))
            if value and " " not in value.strip():
                argv = (value, *argv[1:])
            elif value:
                argv = (*value.split(), *argv[1:])
        self.script.cmds.append(Cmd(argv, redirects, via, pipe))
        name = argv[0].rsplit("/", 1)[-1].lower()
        inner = unwrap(name, argv)
        if inner is not None and self.depth < _MAX_DEPTH:
            self.depth += 1
            self._emit(inner, redirects, name if name in ("sudo", "doas") else via or name, pipe)
            self.depth -= 1
            return
        if self.depth >= _MAX_DEPTH:
            return
        if name in SHELLS or name in ("ssh", "su", "eval"):
            code = " ".join(argv[1:]) if name == "eval" else inline_code(name, argv)
            if code:
                sub = parse_script(code, self.depth + 1)
                self.script.cmds.extend(Cmd(c.argv, c.redirects, "ssh" if name == "ssh" else "sh -c")
                                        for c in sub.cmds)
                self.script.assignments.extend(sub.assignments)
                self.script.functions.extend(sub.functions)
        elif name in INTERPRETERS:
            for code in interpreter_commands(argv):
                sub = parse_script(code, self.depth + 1)
                self.script.cmds.extend(Cmd(c.argv, c.redirects, "interp") for c in sub.cmds)
        elif name == "find":
            for inner_argv in find_exec(argv):
                self.depth += 1
                self._emit(inner_argv, (), "find -exec", -1)
                self.depth -= 1
        elif name == "xargs":
            inner_x = xargs_inner(argv)
            if inner_x:
                self.depth += 1
                self._emit(inner_x, (), "xargs", pipe)
                self.depth -= 1


def parse_script(text: str, depth: int = 0) -> Script:
    """Parse a shell script into the commands it runs (pure, uncached; never raises on bad syntax)."""
    clean = _CONTROL.sub("", text.translate(_QUOTES))
    if "IFS" in clean:  # rm${IFS}-rf${IFS}/ : the field separator used as a space
        clean = _IFS.sub(" ", clean)
    script = Script(text=clean)
    tree = _parser().parse(clean.encode("utf-8", "replace"))
    _Walker(script, depth).walk(tree.root_node)
    return script

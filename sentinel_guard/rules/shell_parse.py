"""Shell scripts → the simple commands they would run, with tree-sitter-bash.

The rules reason about *commands*, not text. `parse_script` walks the syntax tree through
pipelines, lists, subshells, loops, functions, command and process substitutions, and unwraps
the ways one command runs another: `sudo`/`env`/`nohup`/`timeout`..., `sh -c 'STRING'` (the
string is parsed again), `xargs CMD`, `find ... -exec CMD {} ;`, `ssh host CMD`, and code the shell
runs later: a `trap` body, `PROMPT_COMMAND`, a file the script wrote and then runs
(`echo … > f; bash f`, `cat > t.py <<EOF … EOF; python3 t.py`). Each result is a
`Cmd` (`shell_script.py`) with its argv (quotes removed), its redirections, and how it was reached (`via`).

The tree-sitter parser object is created once per process (it holds no results); scripts are
parsed anew for every call.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re

from sentinel_guard.analysis.interpreters import interpreter_equivalents
from sentinel_guard.rules.shell_flow import (
    ansi_c,
    decode_stage,
    expand,
    file_key,
    files_read,
    relative_to,
    source_text,
    substituted_value,
)
from sentinel_guard.rules.shell_script import SQL_CLIENTS, Cmd, Script
from sentinel_guard.rules.shell_unwrap import (
    INTERPRETERS,
    SHELLS,
    exec_inner,
    find_exec,
    inline_code,
    interpreter_commands,
    unwrap,
    xargs_inner,
)

__all__ = ["parse_script"]

_MAX_DEPTH = 4
_DEFERRED = frozenset({"at", "batch"})
"""Programs that run the shell text on their stdin later (`echo 'cmd' | at now + 1 minute`)."""
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_IFS = re.compile(r"\$\{?IFS\}?(?:\$\d)?")
_REDIRECT_TYPES = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_ALL_ARGS = frozenset({"$@", "$*", "${@}", "${*}"})
_GLOB = re.compile(r"[?*\[]")
_GLOB_PROGRAMS = ("rm", "cat", "curl", "wget", "nc", "ncat", "bash", "sh", "python3", "python", "perl", "chmod",
                  "chown", "dd", "mkfs", "shred", "kill", "base64", "sudo", "crontab", "iptables", "find", "xargs")


def _glob_program(word: str) -> str:
    """A glob in the command position (`/bin/r?m`) read as the first risky program it matches."""
    base = word.rsplit("/", 1)[-1]
    return next((p for p in _GLOB_PROGRAMS if fnmatch.fnmatchcase(p, base)), word)


_PATH_PROGRAMS = frozenset({"rm", "rmdir", "shred", "chmod", "chown", "chgrp", "mv", "cp", "cat", "truncate", "tee",
                            "unlink", "find", "tar", "zip", "dd", "ln", "touch", "head", "tail", "less", "more"})


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
        return ansi_c(text[2:-1])
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
        self.vars: dict[str, str] = {}
        """Constants the script assigned so far (`x=`, `local`, `export`, `declare`, `readonly`)."""
        self.funcs: dict[str, object] = {}
        """Function bodies by name: a call walks the body again with `$1`… bound."""
        self.aliases: dict[str, str] = {}
        self.positional: tuple[str, ...] | None = None
        """Arguments of the function call being inlined (what `"$@"` splices in)."""
        self.cwd: str | None = None
        """The directory a literal `cd` moved to: relative operands of file commands resolve to it."""
        self.written: dict[str, str] = {}
        """Text the script wrote into files so far (`echo … > f`, `cat > f <<EOF`): running `f` runs it."""

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
            piped: list = []
            for child in node.children:
                if child.type in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                    if child.type != "heredoc_redirect":  # a here-doc's own target is its delimiter
                        found.append(self._redirect(child))
                    for inner in child.children:  # cat <<EOF > /etc/x : the file redirect sits inside
                        if inner.type == "file_redirect":
                            found.append(self._redirect(inner))
                        elif inner.type == "heredoc_body":
                            heredocs.append(inner.text.decode("utf-8", "replace"))
                        elif inner.type == "pipeline" or inner.type == "command":
                            piped.append(inner)  # cat <<X | bash : the rest of the pipeline sits inside
                elif body is None:
                    body = child
            found.extend(("<<", text) for text in heredocs)
            if body is not None and body.type not in _REDIRECT_TYPES:
                source_at = len(self.script.cmds)
                self.walk(body, via, tuple(found), pipe)
                for rest in piped:
                    index = len(self.script.pipelines)
                    self.script.pipelines.append([])
                    stage_at = len(self.script.cmds)
                    self.walk(rest, via, (), index)
                    stages = max(self.script.pipelines[index:], key=len) or [stage_at]
                    self._feed([source_at, *stages])
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
            self._feed(self.script.pipelines[index])
            return
        if kind == "variable_assignment":
            name = node.child_by_field_name("name")
            value = node.child_by_field_name("value")
            var_name = name.text.decode() if name else ""
            raw = _word(value) if value else ""
            literal = substituted_value(raw) or expand(raw, self.vars)
            self.script.assignments.append((var_name, literal))
            self.vars[var_name] = literal
            if var_name == "PROMPT_COMMAND":  # runs before every prompt, like a DEBUG trap
                self._run_text(literal, "trap")
            if value is not None:
                self._substitutions(value, via)
            return
        if kind == "unset_command":  # `unset HISTFILE` is a builtin node, not a command
            self._emit(("unset", *(c.text.decode("utf-8", "replace") for c in node.named_children)), redirects, via, pipe)
            return
        if kind == "for_statement":
            var = node.child_by_field_name("variable")
            values = [_word(c) for c in node.children_by_field_name("value")]
            if var is not None and values:
                self.loop_vars[var.text.decode()] = values[:8]
        if kind == "function_definition":
            name = node.child_by_field_name("name")
            self.script.functions.append(name.text.decode() if name else "")
            body = node.child_by_field_name("body")
            if name is not None and body is not None:
                self.funcs[name.text.decode()] = body
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
                if child.type == "file_redirect":  # $(< file): the file's content
                    self.script.cmds.append(Cmd((":",), (self._redirect(child),), "subst"))
                elif child.is_named:
                    self.walk(child, "subst")
            return
        for child in node.children:
            self._substitutions(child, via)

    def _command(self, node, via: str, redirects: tuple[tuple[str, str], ...], pipe: int) -> None:
        argv: list[str] = []
        found = list(redirects)
        subst = self.has_subst
        first_inner = len(self.script.cmds)
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
        inputs = files_read(self.script.cmds[first_inner:]) if len(self.script.cmds) > first_inner else ()
        if argv and self.loop_vars and any(a.startswith("$") for a in argv):
            for variant in self._expand(argv):
                self._emit(variant, tuple(found), via, pipe, inputs)
        elif argv:
            self._emit(tuple(argv), tuple(found), via, pipe, inputs)

    def _resolve(self, argv: tuple[str, ...], redirects: tuple[tuple[str, str], ...]
                 ) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        """Expand known variables in every word and redirect target; resolve paths after `cd`."""
        if self.positional is not None and any(a in _ALL_ARGS for a in argv):
            argv = tuple(w for a in argv for w in (self.positional if a in _ALL_ARGS else (a,)))
        if self.vars or any("$" in a for a in argv):
            argv = tuple(expand(a, self.vars) for a in argv)
            if argv and " " in argv[0].strip():  # a="rm -rf"; $a / : the value splits into words
                argv = (*argv[0].split(), *argv[1:])
            redirects = tuple((op, t if op == "<<" else expand(t, self.vars)) for op, t in redirects)
        if argv and _GLOB.search(argv[0]):  # /bin/r?m : the shell expands the name against PATH
            argv = (_glob_program(argv[0]), *argv[1:])
        if any("/." in a for a in argv):  # /tmp/../etc is /etc
            argv = tuple(posixpath.normpath(a) if a.startswith("/") else a for a in argv)
        if self.cwd and argv and argv[0].rsplit("/", 1)[-1] in _PATH_PROGRAMS:
            argv = (argv[0], *(relative_to(self.cwd, a) for a in argv[1:]))
            redirects = tuple((op, relative_to(self.cwd, t) if ">" in op else t) for op, t in redirects)
        return argv, redirects

    def _inline(self, name: str, argv: tuple[str, ...], redirects: tuple[tuple[str, str], ...],
                via: str, pipe: int) -> None:
        """Run an alias (its text plus the arguments) or a function body with `$1`… bound."""
        self.depth += 1
        if name in self.aliases:
            self._run_text(" ".join([self.aliases[name], *argv[1:]]), via or "alias")
        else:
            saved, saved_args = dict(self.vars), self.positional
            self.vars.update({str(i): a for i, a in enumerate(argv[1:], start=1)})
            self.vars["@"] = self.vars["*"] = " ".join(argv[1:])
            self.positional = argv[1:]
            self.walk(self.funcs[name], via, redirects, pipe)  # type: ignore[arg-type]
            self.vars, self.positional = saved, saved_args
        self.depth -= 1

    def _run_text(self, text: str, via: str) -> None:
        """Commands a shell would run from `text` (a payload, a here-doc, an alias)."""
        if self.depth >= _MAX_DEPTH:
            return
        self._adopt(parse_script(text, self.depth + 1), via)

    def _adopt(self, sub: Script, via: str) -> None:
        """Take over what a nested script runs, its pipelines renumbered into this script's."""
        cmd_base, pipe_base = len(self.script.cmds), len(self.script.pipelines)
        self.script.cmds.extend(Cmd(c.argv, c.redirects, via, c.pipeline + pipe_base if c.pipeline >= 0 else -1,
                                    inputs=c.inputs) for c in sub.cmds)
        self.script.pipelines.extend([i + cmd_base for i in stages] for stages in sub.pipelines)
        self.script.assignments.extend(sub.assignments)
        self.script.functions.extend(sub.functions)
        self.script.sql.extend(sub.sql)

    def _feed(self, stages: list[int]) -> None:
        """Follow a payload through a pipeline: a source stage (echo, printf, here-doc), decoders
        (`base64 -d`, `xxd -r`, `rev`), and a shell or interpreter that runs what it receives."""
        cmds = self.script.cmds
        payload: str | None = None
        for k, start in enumerate(stages):
            end = stages[k + 1] if k + 1 < len(stages) else len(cmds)
            stage = cmds[start:end]
            if not stage:
                continue
            if payload is None:
                payload = source_text(stage[0])
                continue
            decoded = decode_stage(stage[0].name, stage[0].argv, payload)
            if decoded is not None:
                payload = decoded
                continue
            if stage[0].name in SQL_CLIENTS:
                self.script.sql.append(payload)
            elif stage[0].name == "xargs":  # the payload's words become the command's arguments
                inner = xargs_inner(stage[0].argv)
                if inner and self.depth < _MAX_DEPTH:
                    self.depth += 1
                    self._emit((*inner, *payload.split()[:64]), (), "xargs", -1)
                    self.depth -= 1
            sink = next((c for c in stage if c.name in SHELLS or c.name in INTERPRETERS), None)
            if sink is None:
                sink = next((c for c in stage if c.name in _DEFERRED), None)
            if sink is not None and (sink.name in SHELLS or sink.name in _DEFERRED) and not inline_code(sink.name, sink.argv):
                self._run_text(payload, "sh -c")
            elif sink is not None and sink.name in INTERPRETERS and len(sink.argv) == 1:
                self.depth += 1
                for inner_argv, inner_redirects in interpreter_equivalents(sink.name, (sink.name, "-c", payload)):
                    self._emit(inner_argv, inner_redirects, "interp", -1)
                self.depth -= 1
            payload = None

    def _expand(self, argv: list[str]) -> list[tuple[str, ...]]:
        """One argv per value of the loop variable it uses (`rm -rf $d` for d in /etc /usr)."""
        for i, arg in enumerate(argv):
            values = self.loop_vars.get(arg.strip("${}\"")) if arg.startswith("$") else None
            if values:
                return [(*argv[:i], v, *argv[i + 1:]) for v in values]
        return [tuple(argv)]

    def _emit(self, argv: tuple[str, ...], redirects: tuple[tuple[str, str], ...], via: str, pipe: int,
              inputs: tuple[str, ...] = ()) -> None:
        if "--help" in argv[1:] or "--version" in argv[1:]:
            return  # prints usage and exits: runs nothing
        argv, redirects = self._resolve(argv, redirects)
        if not argv:
            return
        name = argv[0].rsplit("/", 1)[-1].lower()
        if self.depth < _MAX_DEPTH and (name in self.aliases or name in self.funcs):
            self._inline(name, argv, redirects, via, pipe)
            return
        if name == "cd":
            target = next((a for a in argv[1:] if not a.startswith("-")), "~")
            self.cwd = relative_to(self.cwd or "", target) if self.cwd or target.startswith("/") else None
        elif name == "alias":
            for arg in argv[1:]:
                alias, eq, value = arg.partition("=")
                if eq:
                    self.aliases[alias] = value
        elif name == "trap" and len(argv) > 2 and argv[1] not in ("-", "", "-p", "-l"):
            self._run_text(expand(argv[1], self.vars), "trap")  # the shell runs it on the signal
        cmd = Cmd(argv, redirects, via, pipe, inputs=inputs)
        self.script.cmds.append(cmd)
        self._remember_writes(cmd)
        name = argv[0].rsplit("/", 1)[-1].lower()
        inner = unwrap(name, argv)
        if inner is not None and len(inner) == 1 and " " in inner[0] and self.depth < _MAX_DEPTH:
            self._run_text(inner[0], name)  # watch 'rm -rf …', nohup "…": a command line as one word
            return
        if inner is not None and self.depth < _MAX_DEPTH:
            self.depth += 1
            self._emit(inner, redirects, name if name in ("sudo", "doas") else via or name, pipe, inputs)
            self.depth -= 1
            return
        if self.depth >= _MAX_DEPTH:
            return
        container_cmd = exec_inner(name, argv)
        if container_cmd:
            self.depth += 1
            self._emit(container_cmd, (), name + " exec", pipe)
            self.depth -= 1
            return
        if self._run_written(cmd):
            return
        if name in SQL_CLIENTS:
            self.script.sql.extend(body for op, body in redirects if op in ("<<", "<<<", "<<-"))
        if (name in SHELLS and not inline_code(name, argv)) or name in _DEFERRED:
            for op, body in redirects:  # bash <<EOF … EOF, bash <<< '…': the shell runs the text
                if op in ("<<", "<<<"):
                    self._run_text(body, "sh -c")
        if name in SHELLS or name in ("ssh", "su", "eval"):
            code = " ".join(argv[1:]) if name == "eval" else inline_code(name, argv)
            if code:
                self._adopt(parse_script(code, self.depth + 1), "ssh" if name == "ssh" else "sh -c")
        elif name in INTERPRETERS:
            for code in interpreter_commands(argv):
                self._adopt(parse_script(code, self.depth + 1), "interp")
            self.depth += 1
            for inner_argv, inner_redirects in interpreter_equivalents(name, argv):
                self._emit(inner_argv, inner_redirects, "interp", -1)
            self.depth -= 1
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

    def _remember_writes(self, cmd: Cmd) -> None:
        targets = [(op, t) for op, t in cmd.redirects if op in (">", ">>", ">|", "&>")]
        text = source_text(cmd) if targets and cmd.name in ("echo", "printf", "cat", ":") else None
        if text is None:
            return
        for op, target in targets:
            key = file_key(target, self.cwd)
            self.written[key] = f"{self.written[key]}\n{text}" if op == ">>" and key in self.written else text

    def _run_written(self, cmd: Cmd) -> bool:
        """`bash f`, `. f`, `./f`, `python3 f.py` after this script wrote `f`: what it wrote runs."""
        if not self.written:
            return False
        name = cmd.name
        if name in SHELLS or name in INTERPRETERS or name in ("source", "."):
            operand = next((a for a in cmd.args if not a.startswith("-")), "")
        else:
            operand = cmd.argv[0]
        text = self.written.get(file_key(operand, self.cwd)) if operand else None
        if text is None:
            return False
        if name in INTERPRETERS:
            self.depth += 1
            for inner_argv, inner_redirects in interpreter_equivalents(name, (name, "-c", text)):
                self._emit(inner_argv, inner_redirects, "interp", -1)
            self.depth -= 1
        else:
            self._run_text(text, "script")
        return True


def parse_script(text: str, depth: int = 0) -> Script:
    """Parse a shell script into the commands it runs (pure, uncached; never raises on bad syntax)."""
    clean = _CONTROL.sub("", text.translate(_QUOTES))
    if "IFS" in clean:  # rm${IFS}-rf${IFS}/ : the field separator used as a space
        clean = _IFS.sub(" ", clean)
    script = Script(text=clean)
    tree = _parser().parse(clean.encode("utf-8", "replace"))
    _Walker(script, depth).walk(tree.root_node)
    return script

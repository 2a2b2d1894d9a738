"""How one command runs another: wrappers (`sudo`, `env`, `timeout` ...), `sh -c STRING`,
`xargs CMD`, `find -exec CMD ;`, `ssh host CMD`, and shell commands inside interpreter one-liners.

Pure functions over argv tuples, used by `shell_parse._Walker` to reach the real command.
"""

from __future__ import annotations

import re

__all__ = ["INTERPRETERS", "SHELLS", "exec_inner", "find_exec", "inline_code", "interpreter_commands", "unwrap", "xargs_inner"]

_WRAPPERS_NO_ARG = frozenset({"sudo", "doas", "nohup", "time", "exec", "command", "builtin", "unbuffer",
                              "stdbuf", "nice", "ionice", "env", "timeout", "strace", "ltrace", "chroot",
                              "runuser", "setsid", "caffeinate", "busybox", "watch", "proxychains",
                              "proxychains4", "torsocks"})
# Options of wrappers that consume the next word.
_WRAPPER_OPTS_WITH_VALUE = {
    "sudo": {"-u", "-g", "-C", "-h", "-p", "-r", "-t", "-U", "-D", "--user", "--group"},
    "doas": {"-u", "-C"},
    "nice": {"-n"},
    "ionice": {"-c", "-n", "-p"},
    "timeout": {"-s", "-k", "--signal", "--kill-after"},
    "env": {"-u", "-C", "--unset", "--chdir"},
    "runuser": {"-u", "-g"},
    "watch": {"-n", "-d"},
    "stdbuf": {"-i", "-o", "-e"},
}
_XARGS_OPTS_WITH_VALUE = {"-I", "-i", "-n", "-P", "-d", "-L", "-l", "-s", "-E", "-e", "-a", "--max-args",
                          "--max-procs", "--delimiter", "--arg-file", "--replace"}
INTERPRETERS = frozenset({"python", "python2", "python3", "perl", "ruby", "php", "node", "nodejs"})
_SYSTEM_CALL = re.compile(r"""(?:system|popen|exec|shell_exec|passthru|check_output|check_call|run|call|spawnSync|"""
                          r"""execSync|Popen)\s*\(\s*(['"])(.+?)\1|`([^`]+)`""")
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "csh", "tcsh", "busybox"})


def unwrap(name: str, argv: tuple[str, ...]) -> tuple[str, ...] | None:
    """The command a wrapper (`sudo`, `env`, `timeout` ...) runs, or None."""
    if name not in _WRAPPERS_NO_ARG or len(argv) < 2:
        return None
    takes_value = _WRAPPER_OPTS_WITH_VALUE.get(name, set())
    i = 1
    while i < len(argv):
        word = argv[i]
        if name == "env" and "=" in word and not word.startswith("-"):
            i += 1
        elif word.startswith("-") and word != "-":
            i += 2 if word in takes_value else 1
        elif (name == "timeout" and i == 1) or (name == "chroot" and i == 1):
            i += 1  # the duration / the new root
        else:
            break
    return argv[i:] if i < len(argv) else None


def inline_code(name: str, argv: tuple[str, ...]) -> str | None:
    if name == "ssh":
        words = [w for w in argv[1:] if not w.startswith("-")]
        return " ".join(words[1:]) if len(words) > 1 else None
    for i, word in enumerate(argv[1:-1], start=1):
        if word == "-c" or (word.startswith("-") and not word.startswith("--") and "c" in word[1:]):
            return argv[i + 1]
    return None


def interpreter_commands(argv: tuple[str, ...]) -> list[str]:
    """Shell command strings an interpreter one-liner runs (`os.system("rm -rf /")`, backticks)."""
    code = next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("-c", "-e", "-r", "-E")), "")
    if not code:
        return []
    return [m.group(2) or m.group(3) for m in _SYSTEM_CALL.finditer(code)]


def find_exec(argv: tuple[str, ...]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    i = 0
    while i < len(argv):
        if argv[i] in ("-exec", "-execdir", "-ok", "-okdir"):
            j = i + 1
            while j < len(argv) and argv[j] not in (";", "+", "\\;"):
                j += 1
            if j > i + 1:
                out.append(argv[i + 1: j])
            i = j
        i += 1
    return out


def xargs_inner(argv: tuple[str, ...]) -> tuple[str, ...] | None:
    i = 1
    while i < len(argv) and argv[i].startswith("-"):
        i += 2 if argv[i] in _XARGS_OPTS_WITH_VALUE else 1
    return argv[i:] if i < len(argv) else None


_CONTAINER_OPTS_WITH_VALUE = frozenset({"-u", "--user", "-e", "--env", "-w", "--workdir", "--env-file", "-c",
                                        "--container", "-n", "--namespace", "--context", "--kubeconfig",
                                        "--cluster", "-s", "--server", "--detach-keys"})


def exec_inner(name: str, argv: tuple[str, ...]) -> tuple[str, ...] | None:
    """The command `kubectl … exec POD -- CMD` or `docker exec [opts] CONTAINER CMD` runs, or None.

    Flags are read in any order (`kubectl -n prod exec …`): the verb is the first non-flag word."""
    if name in ("kubectl", "oc") and "exec" in argv and "--" in argv:
        inner = argv[argv.index("--") + 1:]
        return inner or None
    if name in ("docker", "podman", "nerdctl") and "exec" in argv:
        i = argv.index("exec") + 1
        while i < len(argv) and argv[i].startswith("-"):
            i += 2 if argv[i] in _CONTAINER_OPTS_WITH_VALUE else 1
        return argv[i + 1:] or None  # argv[i] is the container
    return None

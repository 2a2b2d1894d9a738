"""Shell commands read as effects (see `sentinel_guard.analysis.effects`) and judged by the table.

Which programs read, copy, delete, write, download, send or load: the table decides what that
means for each resource class (and `Policy.effects` can change it). One rule, `effect.table`,
reports the strongest effect; its decision and severity come from the table, not the rule.
"""

from __future__ import annotations

import re

from sentinel_guard.analysis.effects import Effect, decide, resource_class
from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts
from sentinel_guard.rules.paths import SHELL_STARTUP_NAMES
from sentinel_guard.rules.shell import operands
from sentinel_guard.rules.shell_parse import parse_script
from sentinel_guard.rules.shell_script import Cmd
from sentinel_guard.types import Decision, RuleHit, Severity

_READERS = frozenset({"cat", "less", "more", "head", "tail", "strings", "xxd", "hexdump", "od", "base64", "grep",
                      "awk", "sed", "sqlite3", "tac", "nl", "bat", "vim", "vi", "nano", "view", "openssl", "gpg",
                      "dd", "sort", "uniq", "cut", "jq", "yq", "source", "."})
_LISTERS = frozenset({"ls", "find", "tree", "stat", "du", "lsattr", "getfacl"})
_COPIERS = frozenset({"cp", "tar", "zip", "7z", "rsync", "scp", "install", "ln", "gzip", "bzip2", "xz", "ditto"})
_DELETERS = frozenset({"rm", "shred", "unlink", "rmdir", "wipe", "srm", "truncate"})
_SENDERS = frozenset({"curl", "wget", "nc", "ncat", "netcat", "socat", "scp", "rsync", "ftp", "sftp", "telnet",
                      "ssh", "mail", "sendmail", "mutt"})
_KERNEL = frozenset({"insmod", "modprobe", "kextload", "kmutil", "rmmod"})
_SECRET_VAR = re.compile(r"\$\{?[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|ACCESS_KEY|PRIVATE_KEY)[A-Z0-9_]*\}?")
_STARTUP = re.compile(rf"(?:^|/)(?:{SHELL_STARTUP_NAMES}|"
                      r"profile(?:\.d/[^/]+)?|bash\.bashrc|crontab|cron\.(?:d|daily|hourly|weekly|monthly)/[^/]+|"
                      r"systemd/(?:system|user)/[^/]+|rc\.local|init\.d/[^/]+|LaunchAgents/[^/]+|LaunchDaemons/[^/]+)$")
_RISKY = frozenset({"curl", "wget", "nc", "ncat", "netcat", "socat", "rm", "dd", "mkfs", "shred", "bash", "sh",
                    "python", "python3", "perl", "base64", "chmod", "telnet", "ssh", "scp"})
_DOWNLOAD_FLAGS = {"curl": ("-o", "--output"), "wget": ("-O", "--output-document", "-P")}


def _flag_values(cmd: Cmd, flags: tuple[str, ...]) -> list[str]:
    args = cmd.args
    return [args[i + 1] for i, a in enumerate(args[:-1]) if a in flags]


def effects_of(cmd: Cmd, in_network_pipeline: bool) -> list[Effect]:
    """The effects one command has on classified resources."""
    out: list[Effect] = []
    name = cmd.name
    ops = operands(cmd)

    def add(action: str, target: str) -> None:
        resource = resource_class(target)
        if resource is not None:
            out.append(Effect(action, resource, target, name))

    if name in _LISTERS:
        for target in ops:
            add("list", target)
    if name in _READERS:
        for target in ops:
            add("send" if in_network_pipeline else "read", target)
        for op, target in cmd.redirects:
            if op == "<":
                add("send" if in_network_pipeline else "read", target)
    if name in _COPIERS:
        for target in ops[:-1] if name not in ("tar", "zip", "7z", "gzip", "bzip2", "xz") else ops:
            add("copy", target)
    if name == "mv" and len(ops) >= 2:
        for target in ops[:-1]:
            add("delete", target)  # moving a system file away removes it from where it is needed
    if name in _DELETERS:
        for target in ops:
            add("delete", target)
    if name in _DOWNLOAD_FLAGS:
        for target in _flag_values(cmd, _DOWNLOAD_FLAGS[name]):
            add("download", target)
    if name in ("curl",):
        for arg in cmd.args:
            if arg.startswith("@") or "=@" in arg:
                add("send", arg.split("@", 1)[1].split(";", 1)[0])
    for op, target in cmd.redirects:
        if ">" in op and target.startswith(("/proc/", "/sys/")):
            add("write", target)
    if in_network_pipeline and name in ("echo", "printf") and any(_SECRET_VAR.search(a) for a in cmd.args):
        out.append(Effect("send", "credentials", next(a for a in cmd.args if _SECRET_VAR.search(a)), name))
    startup = [t for op, t in cmd.redirects if ">" in op and _STARTUP.search(t)]
    if startup and name in ("echo", "printf", "cat") and _runs_risky_code(" ".join(cmd.args) or
                                                                         next((b for o, b in cmd.redirects if o == "<<"), "")):
        out.append(Effect("persist-code", "startup", startup[0], name))
    if name in _KERNEL and name != "rmmod" and (name != "kmutil" or "load" in cmd.args) and "-r" not in cmd.args:
        out.append(Effect("load", "kernel", " ".join(ops[:1]), name))
    return out


def _runs_risky_code(text: str) -> bool:
    """Whether text written into a start-up file would run network or destructive commands
    (also through an alias it defines)."""
    if not text.strip():
        return False
    cmds = list(parse_script(text, 3).cmds)
    for cmd in list(cmds):
        if cmd.name == "alias":
            for arg in cmd.args:
                cmds.extend(parse_script(arg.partition("=")[2], 3).cmds)
    return any(c.name in _RISKY and c.args for c in cmds)


def _network_pipelines(f: Facts) -> set[int]:
    by_pipe: dict[int, set[str]] = {}
    for cmd in f.cmds:
        if cmd.pipeline >= 0:
            by_pipe.setdefault(cmd.pipeline, set()).add(cmd.name)
    return {p for p, names in by_pipe.items() if names & _SENDERS}


@rule("effect.table", Decision.BLOCK, Severity.CRITICAL, kinds=("shell",))
def effect_table(f: Facts) -> RuleHit | None:
    """What a command does to credentials, system auth/config/state, disks, databases, logs or the
    kernel, decided by the effect table (Policy.effects can change any entry)."""
    network = _network_pipelines(f)
    overrides = f.policy.effect_overrides()
    best: tuple[int, int, Effect, Decision, Severity] | None = None
    for cmd in f.cmds:
        for effect in effects_of(cmd, cmd.pipeline in network):
            found = decide(effect, overrides)
            if found is None:
                continue
            decision, severity = found
            rank = (decision.rank, severity.rank)
            if best is None or rank > best[:2]:
                best = (*rank, effect, decision, severity)
    if best is None:
        return None
    _, _, effect, decision, severity = best
    what = {"read": "reads", "copy": "copies", "send": "sends over the network", "delete": "deletes or moves away",
            "write": "writes", "list": "lists", "download": "downloads into", "load": "loads",
            "persist-code": "makes network or destructive code run at every start from"}[effect.action]
    return RuleHit(rule="effect.table", decision=decision, severity=severity,
                   reason=f"{effect.program} {what} '{effect.target}' ({effect.resource}).")

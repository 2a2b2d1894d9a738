"""Shell rules about destruction and sabotage: deleting, wiping, power, permissions, tampering.

Each rule reads parsed commands (`Facts.cmds`), so `rm -fr`, `rm -r -f`, `rm --recursive
--force`, `sudo rm ...`, `bash -c "rm ..."`, `find ... -exec rm` and `xargs rm` are the same
thing, and a word like "reformat" or "backups" is never mistaken for a command.
"""

from __future__ import annotations

import re

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts
from sentinel_guard.rules.paths import PathKind, classify_path, is_home_root
from sentinel_guard.rules.shell_parse import Cmd
from sentinel_guard.types import Decision, Severity

B, E, F = Decision.BLOCK, Decision.ESCALATE, Decision.FLAG
SH = ("shell",)


def short_flags(cmd: Cmd) -> set[str]:
    """Single-letter options of a command (`-rf` → {'r','f'}), plus long ones as given."""
    out: set[str] = set()
    for arg in cmd.args:
        if arg.startswith("--"):
            out.add(arg.split("=", 1)[0])
        elif arg.startswith("-") and len(arg) > 1:
            out.update(arg[1:])
    return out


def operands(cmd: Cmd) -> list[str]:
    """Non-option arguments (everything after `--` counts as an operand)."""
    out: list[str] = []
    rest = False
    for arg in cmd.args:
        if rest or not arg.startswith("-") or arg == "-":
            out.append(arg)
        elif arg == "--":
            rest = True
    return out


def _recursive(flags: set[str]) -> bool:
    return bool({"r", "R", "--recursive"} & flags)


_SEVERE_KINDS = (PathKind.ROOT, PathKind.SYSTEM, PathKind.HOME, PathKind.DEVICE, PathKind.SECRET)


@rule("shell.rm-recursive-critical", B, Severity.CRITICAL, kinds=SH, programs=("rm",))
def rm_recursive_critical(f: Facts) -> str | None:
    """Recursive delete of the filesystem root, a system directory or a home directory."""
    for cmd in f.cmds:
        if cmd.name != "rm":
            continue
        flags = short_flags(cmd)
        if "--no-preserve-root" in flags:
            return "rm with --no-preserve-root: deletes the whole filesystem."
        if not _recursive(flags):
            continue
        for target in operands(cmd):
            kind = classify_path(target)
            if kind in (PathKind.ROOT, PathKind.DEVICE) or (kind is PathKind.SYSTEM and target.count("/") <= 2):
                return f"Recursive delete of '{target}' ({kind.value} path): unrecoverable system damage."
            if kind is PathKind.HOME and is_home_root(target):
                return f"Recursive delete of the home directory '{target}'."
    return None


@rule("shell.rm-recursive-sensitive", E, Severity.HIGH, kinds=SH, programs=("rm",))
def rm_recursive_sensitive(f: Facts) -> str | None:
    """Recursive delete inside a system directory, a home, a repository's .git, or of secrets."""
    for cmd in f.cmds:
        if cmd.name != "rm" or not _recursive(short_flags(cmd)):
            continue
        for target in operands(cmd):
            kind = classify_path(target)
            if kind in _SEVERE_KINDS or kind is PathKind.GIT:
                return f"Recursive delete of '{target}' ({kind.value} path)."
    return None


@rule("shell.rm-sensitive-file", E, Severity.HIGH, kinds=SH, programs=("rm", "shred", "unlink", "srm"))
def rm_sensitive_file(f: Facts) -> str | None:
    """Deleting or shredding system files, keys, credentials or shell history."""
    for cmd in f.cmds:
        if cmd.name not in ("rm", "shred", "unlink", "srm"):
            continue
        for target in operands(cmd):
            kind = classify_path(target)
            if kind in (PathKind.SYSTEM, PathKind.SECRET, PathKind.DEVICE, PathKind.ROOT):
                return f"{cmd.name} of '{target}' ({kind.value} path)."
    return None


@rule("shell.bulk-delete", F, Severity.MEDIUM, kinds=SH, programs=("rm", "find", "xargs"), env="write")
def bulk_delete(f: Facts) -> str | None:
    """Recursive or bulk deletes inside the working tree: usually fine, worth recording."""
    for cmd in f.cmds:
        if cmd.name == "rm" and (_recursive(short_flags(cmd)) or cmd.via in ("find -exec", "xargs")):
            return f"Bulk delete ({' '.join(cmd.argv)[:80]}) via {cmd.via or 'rm -r'}."
        if cmd.name == "find" and "-delete" in cmd.args:
            return "find -delete removes every match."
    return None


@rule("shell.find-delete-wide", E, Severity.HIGH, kinds=SH, programs=("find",))
def find_delete_wide(f: Facts) -> str | None:
    """`find` over the root, a system dir or a home that deletes whatever it matches, unfiltered."""
    for cmd in f.cmds:
        if cmd.name != "find":
            continue
        deletes = "-delete" in cmd.args or any(
            c.via == "find -exec" and c.name in ("rm", "shred", "unlink") for c in f.cmds)
        if not deletes:
            continue
        starts = [a for a in cmd.args[:3] if not a.startswith("-") and a not in ("(", "!")]
        narrowed = any(a in cmd.args for a in ("-name", "-iname", "-path", "-regex", "-size", "-mtime",
                                                "-mmin", "-ctime", "-atime", "-newer", "-user", "-empty"))
        for start in starts:
            kind = classify_path(start)
            if kind in (PathKind.ROOT, PathKind.SYSTEM, PathKind.HOME) and not narrowed:
                return f"find from '{start}' deletes every file it reaches, with no name/age filter."
    return None


_DISK_DEV = re.compile(r"^/dev/(?:sd[a-z]|nvme\d|hd[a-z]|xvd[a-z]|vd[a-z]|mmcblk\d|disk\d|md\d|dm-\d|mapper/)")


@rule("shell.disk-wipe", B, Severity.CRITICAL, kinds=SH)
def disk_wipe(f: Facts) -> str | None:
    """Writing to a raw disk, formatting or repartitioning it (dd of=/dev/sdX, mkfs, wipefs...)."""
    for cmd in f.cmds:
        name = cmd.name
        if name.startswith("mkfs") or name in ("mke2fs", "mkswap", "wipefs", "sgdisk", "fdisk", "sfdisk",
                                               "parted", "blkdiscard", "format"):
            if name in ("fdisk", "sfdisk", "parted") and ("-l" in cmd.args or "print" in cmd.args):
                continue
            if name == "format" and not any(a.startswith("/") or re.match(r"^[a-zA-Z]:$", a) for a in cmd.args):
                continue
            return f"{name} formats or repartitions a disk."
        if name == "dd" and any(a.startswith("of=/dev/") and _DISK_DEV.match(a[3:]) for a in cmd.args):
            return "dd writes straight onto a disk device."
        if name in ("shred", "cp") and any(_DISK_DEV.match(a) for a in operands(cmd)[-1:]):
            return f"{name} overwrites a disk device."
        for op, target in cmd.redirects:
            if ">" in op and _DISK_DEV.match(target):
                return f"Output redirected onto the disk device {target}."
    return None


_FORK_BOMB = re.compile(r"(\S+)\s*\(\)\s*\{[^}]*\1\s*\|\s*\1\s*&?[^}]*\}\s*;?\s*\1")


@rule("shell.fork-bomb", B, Severity.CRITICAL, kinds=SH)
def fork_bomb(f: Facts) -> str | None:
    """A function that pipes into itself in the background: a fork bomb."""
    for script in f.scripts:
        if script.functions and _FORK_BOMB.search(script.text):
            return "Self-replicating function (fork bomb) exhausts the process table."
    return None


@rule("shell.chmod-system", B, Severity.HIGH, kinds=SH, programs=("chmod", "chown", "chgrp", "setfacl"))
def chmod_system(f: Facts) -> str | None:
    """Recursive permission/ownership changes on the root, system dirs or homes; world-writable system files."""
    for cmd in f.cmds:
        if cmd.name not in ("chmod", "chown", "chgrp", "setfacl"):
            continue
        flags = short_flags(cmd)
        targets = operands(cmd)[1:] if cmd.name != "setfacl" else operands(cmd)
        kinds = [(t, classify_path(t)) for t in targets]
        for target, kind in kinds:
            if _recursive(flags) and kind in (PathKind.ROOT, PathKind.SYSTEM, PathKind.HOME):
                return f"Recursive {cmd.name} on '{target}' ({kind.value}) breaks system permissions."
            mode = operands(cmd)[0] if cmd.name == "chmod" and operands(cmd) else ""
            if cmd.name == "chmod" and kind in (PathKind.ROOT, PathKind.SYSTEM, PathKind.SECRET) and (
                    re.fullmatch(r"0?[0-7]?[0-7][0-7][2367]", mode) or re.search(r"[ao]?\+[rwx]*w|u\+s|g\+s|^[0-7]?[4-7][0-7]{3}$", mode)):
                return f"chmod {mode} on '{target}' makes a system or secret file writable or setuid."
    return None


@rule("shell.chmod-world-writable", F, Severity.MEDIUM, kinds=SH, programs=("chmod",), env="write")
def chmod_world(f: Facts) -> str | None:
    """chmod 777 / o+w anywhere: world-writable files are a standing risk."""
    for cmd in f.cmds:
        if cmd.name == "chmod" and operands(cmd) and re.fullmatch(r"0?[0-7]?77[67]|[ao]\+[rx]*w[rx]*", operands(cmd)[0]):
            return f"chmod {operands(cmd)[0]} makes files world-writable."
    return None


@rule("shell.power", E, Severity.HIGH, kinds=SH, env="disruption")
def power(f: Facts) -> str | None:
    """Shutting down or rebooting the machine."""
    for cmd in f.cmds:
        if cmd.name in ("shutdown", "reboot", "halt", "poweroff"):
            if cmd.name == "shutdown" and "-c" in cmd.args:
                continue
            return f"{cmd.name} stops the machine and everything on it."
        if cmd.name in ("init", "telinit") and cmd.args[:1] in (("0",), ("6",)):
            return f"{cmd.name} {cmd.args[0]} halts or reboots the machine."
        if cmd.name == "systemctl" and set(cmd.args) & {"poweroff", "reboot", "halt", "kexec", "rescue", "emergency"}:
            return "systemctl changes the machine's power state."
    return None


@rule("shell.kill-critical", B, Severity.CRITICAL, kinds=SH, programs=("kill", "pkill", "killall", "killall5"))
def kill_critical(f: Facts) -> str | None:
    """Killing init (PID 1), every process (-1), or sshd/systemd."""
    for cmd in f.cmds:
        ops = operands(cmd)
        if cmd.name == "kill" and ("1" in ops or "-1" in cmd.args[-1:]):
            return "kill targets PID 1 or every process: the system goes down."
        if cmd.name == "killall5" or (cmd.name in ("pkill", "killall") and set(ops) & {"systemd", "init", "sshd"}):
            return f"{cmd.name} kills system-critical processes."
    return None


@rule("shell.firewall-flush", E, Severity.HIGH, kinds=SH, programs=("iptables", "ip6tables", "ufw", "nft", "firewall-cmd", "pfctl"))
def firewall_flush(f: Facts) -> str | None:
    """Flushing or disabling the firewall."""
    for cmd in f.cmds:
        args = set(cmd.args)
        if cmd.name in ("iptables", "ip6tables") and (args & {"-F", "--flush", "-X"} or (
                "-P" in args and "ACCEPT" in args)):
            return f"{cmd.name} flushes rules or opens the default policy."
        if (cmd.name == "ufw" and "disable" in args) or (cmd.name == "nft" and "flush" in args):
            return f"{cmd.name} disables the firewall."
        if (cmd.name == "pfctl" and "-d" in args) or (cmd.name == "firewall-cmd" and "--panic-off" in args):
            return f"{cmd.name} disables the firewall."
    return None


_SECURITY_UNITS = re.compile(r"(?i)^(?:auditd?|apparmor|selinux|firewalld|ufw|iptables|fail2ban|clamav\S*|"
                             r"clamd|osquery\S*|falcon\S*|crowdstrike\S*|wazuh\S*|ossec\S*|sysmon\S*|"
                             r"aide|rkhunter|sentinel\S*|defender\S*|mdatp|sophos\S*|elastic-agent|"
                             r"filebeat|auditbeat|rsyslog|syslog\S*|journald|systemd-journald)(?:\.service)?$")


@rule("shell.security-disable", E, Severity.HIGH, kinds=SH)
def security_disable(f: Facts) -> str | None:
    """Stopping or disabling security and logging tools (auditd, SELinux, AV/EDR, syslog)."""
    for cmd in f.cmds:
        args = cmd.args
        if cmd.name == "setenforce" and args[:1] in (("0",), ("Permissive",), ("permissive",)):
            return "setenforce 0 turns SELinux enforcement off."
        if cmd.name in ("systemctl", "service", "rc-service", "launchctl") and set(args) & {
                "stop", "disable", "mask", "kill", "unload"}:
            unit = next((a for a in args if _SECURITY_UNITS.match(a)), None)
            if unit:
                return f"{cmd.name} stops the security/logging service '{unit}'."
        if cmd.name == "auditctl" and ("-D" in args or ("-e" in args and "0" in args)):
            return "auditctl deletes audit rules or disables auditing."
        if cmd.name == "sysctl" and any("randomize_va_space=0" in a for a in args):
            return "Disables address-space randomisation."
    return None


@rule("shell.history-tamper", E, Severity.HIGH, kinds=SH)
def history_tamper(f: Facts) -> str | None:
    """Erasing or disabling shell history: covering tracks."""
    for cmd in f.cmds:
        if (cmd.name == "history" and "-c" in cmd.args) or (cmd.name == "history" and "-w" in cmd.args and "/dev/null" in cmd.args):
            return "history -c erases the shell history."
        if cmd.name == "unset" and set(cmd.args) & {"HISTFILE", "HISTSIZE", "HISTFILESIZE"}:
            return "Unsetting HISTFILE disables history."
        if cmd.name in ("set",) and "+o" in cmd.args and "history" in cmd.args:
            return "set +o history disables history."
        if cmd.name in ("ln",) and "/dev/null" in cmd.args and any("history" in a for a in cmd.args):
            return "History file linked to /dev/null."
        for op, target in cmd.redirects:
            if ">" in op and "history" in target:
                return f"Shell history file {target} overwritten."
    for script in f.scripts:
        for name, value in script.assignments:
            if name in ("HISTFILE", "HISTSIZE", "HISTFILESIZE") and value in ("/dev/null", "0", ""):
                return f"{name}={value or 'empty'} disables shell history."
    return None


@rule("shell.cron-persistence", E, Severity.HIGH, kinds=SH)
def cron_persistence(f: Facts) -> str | None:
    """Replacing or removing crontabs, or writing cron/systemd/profile entries (persistence)."""
    for cmd in f.cmds:
        if cmd.name == "crontab":
            if "-r" in cmd.args:
                return "crontab -r deletes every scheduled job."
            if not set(cmd.args) & {"-l", "-e"} and cmd.args:
                return "crontab installs a new job table from a file or stdin."
            if not cmd.args and cmd.pipeline >= 0:
                return "crontab reads a new job table from a pipe."
        targets = [t for op, t in cmd.redirects if ">" in op]
        if cmd.name == "tee":
            targets += operands(cmd)
        for target in targets:
            if re.search(r"(?:/etc/cron|/var/spool/cron|/etc/systemd/system|/etc/init\.d|/etc/rc\.local|"
                         r"\.bashrc$|\.bash_profile$|\.profile$|\.zshrc$|authorized_keys$|/etc/profile)", target):
                return f"Writes into '{target}', which runs code automatically (persistence)."
    return None

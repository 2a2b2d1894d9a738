"""Shell rules about sabotage and persistence: power, killing init, firewalls, security tools,
history tampering, cron/profile persistence, writes into system files, account changes.

Split from `shell.py` (destruction) to keep modules small; same parsed-command approach.
"""

from __future__ import annotations

import re

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts
from sentinel_guard.rules.paths import SHELL_STARTUP, PathKind, classify_path
from sentinel_guard.rules.shell import operands
from sentinel_guard.rules.shell_script import Cmd
from sentinel_guard.types import Decision, Severity

B, E, F = Decision.BLOCK, Decision.ESCALATE, Decision.FLAG
SH = ("shell",)


@rule("shell.power", E, Severity.HIGH, kinds=SH, env="disruption",
      programs=("shutdown", "reboot", "halt", "poweroff", "init", "telinit", "systemctl"))
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


@rule("shell.security-disable", E, Severity.HIGH, kinds=SH,
      programs=("setenforce", "systemctl", "service", "rc-service", "launchctl", "auditctl", "sysctl", "kill", "pkill",
                "killall"))
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
        if cmd.name in ("kill", "pkill", "killall"):  # also `kill $(pgrep -f falcon-sensor)`
            words = [w for a in args for w in re.split(r"[\s()$`]+", a) if w and not w.startswith("-")]
            agent = next((w for w in words if _SECURITY_UNITS.match(w)), None)
            if agent:
                return f"{cmd.name} kills the security/logging agent '{agent}'."
        if cmd.name == "auditctl" and ("-D" in args or ("-e" in args and "0" in args)):
            return "auditctl deletes audit rules or disables auditing."
        if cmd.name == "sysctl" and any("randomize_va_space=0" in a for a in args):
            return "Disables address-space randomisation."
    return None


@rule("shell.history-tamper", E, Severity.HIGH, kinds=SH,
      programs=("history", "unset", "set", "ln", "@redirect", "@assign"))
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


@rule("shell.cron-persistence", E, Severity.HIGH, kinds=SH, programs=("crontab", "tee", "@redirect", "at", "batch",
                                                                      "systemd-run", "launchctl"))
def cron_persistence(f: Facts) -> str | None:
    """Replacing or removing crontabs, writing cron/systemd/profile entries, or scheduling commands
    (`at`, `systemd-run --on-calendar`, `launchctl load` of a launch agent): persistence."""
    for cmd in f.cmds:
        if cmd.name in ("at", "batch") and (_fed_text(f, cmd) or any(op in ("<<", "<<<", "<") for op, _ in cmd.redirects)):
            return f"{cmd.name} schedules commands to run later, outside this session."
        if cmd.name == "systemd-run" and any(a.startswith(("--on-", "--timer-property")) for a in cmd.args):
            return "systemd-run installs a timer that runs a command later."
        if cmd.name == "launchctl" and set(cmd.args[:1]) & {"load", "bootstrap", "submit"}:
            return f"launchctl {cmd.args[0]} registers a job that starts by itself."
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
            if _AUTORUN.search(target) or (_PROFILE.search(target) and f.programs & _FETCHERS):
                return f"Writes into '{target}', which runs code automatically (persistence)."
    return None


def _fed_text(f: Facts, cmd: Cmd) -> bool:
    """Whether an earlier stage of `cmd`'s pipeline writes text into it (`echo 'cmd' | at now`)."""
    if cmd.pipeline < 0:
        return False
    for script in f.scripts:
        if cmd in script.cmds:
            stage = [c for c in script.cmds if c.pipeline == cmd.pipeline]
            return bool(stage) and stage[0] is not cmd and stage[0].name in ("echo", "printf", "cat")
    return False


_AUTORUN = re.compile(r"(?:/etc/cron|/var/spool/cron|/etc/systemd/system|/etc/init\.d|/etc/rc\.local|"
                      r"authorized_keys$|/etc/profile|/etc/ld\.so\.preload|LaunchAgents/|LaunchDaemons/|"
                      r"(?:^|/)(?:sitecustomize|usercustomize)\.py$|(?:site|dist)-packages/[^/]+\.pth$)")
"""Files something runs by itself: cron and init entries, login keys, preloads, launch agents, and
Python's start-up hooks (`sitecustomize`/`usercustomize` and a `.pth` file in site-packages, whose
`import` lines every interpreter start executes)."""
_PROFILE = SHELL_STARTUP
_FETCHERS = frozenset({"curl", "wget", "nc", "ncat", "base64", "python", "python3", "perl", "bash", "sh"})


@rule("shell.profile-write", F, Severity.MEDIUM, kinds=SH, programs=("tee", "@redirect"), env="write")
def profile_write(f: Facts) -> str | None:
    """Appending to shell startup files (aliases, PATH): usually fine, always recorded."""
    for cmd in f.cmds:
        targets = [t for op, t in cmd.redirects if ">" in op] + (operands(cmd) if cmd.name == "tee" else [])
        for target in targets:
            if _PROFILE.search(target):
                return f"Writes the shell startup file {target}; the shell runs it by itself (login, new shell or logout)."
    return None


_CRITICAL_FILES = re.compile(r"^/etc/(?:passwd|shadow|gshadow|group|sudoers(?:\.d/.*)?|pam\.d/.*|ld\.so\.preload|"
                             r"ssh/sshd_config|hosts)$")
_APP_DIRS = ("/opt/", "/srv/")
_UID0 = re.compile(r"(?:^|\s)-[a-zA-Z]*u\s*0\b|--uid[= ]0\b|--non-unique|(?:^|\s)-[a-zA-Z]*o")
_WRITERS = frozenset({"tee", "cp", "mv", "install", "ln", "truncate", "sed", "dd", "rsync", "touch", "chattr",
                      "curl", "wget", "tar", "unzip"})
_OUTPUT_FLAGS = {"curl": ("-o", "--output"), "wget": ("-O", "--output-document", "-P", "--directory-prefix"),
                 "tar": ("-C", "--directory"), "unzip": ("-d",)}


def _flag_value(cmd, flags: tuple[str, ...]) -> list[str]:  # type: ignore[no-untyped-def]
    """Values of `flags` (`-o FILE`, `--output=FILE`) in any position."""
    out: list[str] = []
    args = cmd.args
    for i, arg in enumerate(args):
        if arg in flags and i + 1 < len(args):
            out.append(args[i + 1])
        elif "=" in arg and arg.split("=", 1)[0] in flags:
            out.append(arg.split("=", 1)[1])
    return out


def _write_targets(cmd) -> list[str]:
    targets = [t for op, t in cmd.redirects if ">" in op and not t.isdigit()]
    ops = operands(cmd)
    if cmd.name == "tee":
        targets += ops
    elif cmd.name in ("cp", "mv", "install", "ln", "rsync") and len(ops) >= 2:
        targets.append(ops[-1])
    elif cmd.name == "sed" and any(a == "-i" or a.startswith("-i") or a == "--in-place" for a in cmd.args):
        targets += ops[1:]
    elif cmd.name in ("truncate", "chattr", "touch"):
        targets += ops
    elif cmd.name == "dd":
        targets += [a[3:] for a in cmd.args if a.startswith("of=")]
    elif cmd.name in _OUTPUT_FLAGS:  # a download or an unpack written into a directory
        targets += _flag_value(cmd, _OUTPUT_FLAGS[cmd.name])
    return targets


_PRELOAD_VARS = frozenset({"LD_PRELOAD", "LD_AUDIT", "DYLD_INSERT_LIBRARIES"})
_SYSTEM_LIBS = re.compile(r"^(?:/usr/(?:local/)?lib(?:64|exec)?/|/lib(?:64)?/|/opt/homebrew/|/usr/local/opt/|/nix/store/)")


@rule("shell.library-preload", E, Severity.HIGH, kinds=SH, programs=("@assign", "env"))
def library_preload(f: Facts) -> str | None:
    """A library from outside the system's library directories injected into programs (`LD_PRELOAD`,
    `LD_AUDIT`, `DYLD_INSERT_LIBRARIES`): its code runs inside every process started with it.
    jemalloc or tcmalloc preloaded from /usr/lib is how servers are tuned, and is left alone."""
    pairs = [pair for script in f.scripts for pair in script.assignments]
    pairs += [tuple(a.split("=", 1)) for c in f.cmds if c.name == "env" for a in c.args if "=" in a]  # type: ignore[misc]
    for name, value in pairs:
        if name in _PRELOAD_VARS and value:
            outside = [lib for lib in re.split(r"[: ]", value) if lib and not _SYSTEM_LIBS.match(lib)]
            if outside:
                return f"{name}={outside[0]} injects a library from outside the system's library directories."
    return None


@rule("shell.write-critical-file", B, Severity.CRITICAL, kinds=SH, programs=(*_WRITERS, "@redirect"))
def write_critical_file(f: Facts) -> str | None:
    """Writing the account, sudo, PAM or loader configuration (/etc/passwd, /etc/sudoers...)."""
    for cmd in f.cmds:
        for target in _write_targets(cmd):
            if _CRITICAL_FILES.match(target):
                return f"{cmd.name} writes {target}: grants accounts or root access."
    return None


@rule("shell.write-system", E, Severity.HIGH, kinds=SH, programs=(*_WRITERS, "@redirect"), env="write")
def write_system(f: Facts) -> str | None:
    """Writing into system directories, secrets, or a repository's .git internals."""
    for cmd in f.cmds:
        for target in _write_targets(cmd):
            kind = classify_path(target)
            if kind is PathKind.SYSTEM and target.startswith(_APP_DIRS):
                continue  # deploying into /opt or /srv is ordinary operations work
            if kind in (PathKind.SYSTEM, PathKind.SECRET, PathKind.GIT, PathKind.ROOT):
                return f"{cmd.name} writes '{target}' ({kind.value} path)."
    return None


@rule("shell.account-change", E, Severity.HIGH, kinds=SH,
      programs=("useradd", "adduser", "usermod", "passwd", "chpasswd", "visudo", "gpasswd", "userdel", "deluser"))
def account_change(f: Facts) -> str | None:
    """Creating, deleting or promoting accounts, or changing passwords."""
    for cmd in f.cmds:
        args = " ".join(cmd.args)
        if cmd.name in ("useradd", "adduser") and (_UID0.search(args) or re.search(
                r"\b(?:sudo|wheel|admin|root)\b", args)):
            return f"{cmd.name} creates a privileged account."
        if cmd.name in ("usermod", "gpasswd") and re.search(r"\b(?:sudo|wheel|admin|root|docker)\b|-u\s*0\b", args):
            return f"{cmd.name} grants an account admin rights."
        if cmd.name in ("passwd", "chpasswd", "visudo", "userdel", "deluser"):
            return f"{cmd.name} changes accounts or their passwords."
    return None


_SETID_MODE = re.compile(r"^(?:[ugoa]*\+[rwxt]*s[rwxt]*|0?[2467][0-7]{3})$")


@rule("shell.setuid-bit", E, Severity.HIGH, kinds=SH, programs=("chmod",))
def setuid_bit(f: Facts) -> str | None:
    """Setting the setuid/setgid bit on any file: a root-owned copy of a shell is a root shell."""
    for cmd in f.cmds:
        ops = operands(cmd)
        if cmd.name == "chmod" and ops and _SETID_MODE.match(ops[0]):
            return f"chmod {ops[0]} makes {' '.join(ops[1:2]) or 'a file'} run with its owner's privileges."
    return None


@rule("shell.log-tamper", E, Severity.HIGH, kinds=SH, programs=("@redirect", "truncate", "shred", "rm", "journalctl"))
def log_tamper(f: Facts) -> str | None:
    """Emptying or deleting system logs (auth.log, syslog, wtmp, journal): covering tracks."""
    for cmd in f.cmds:
        targets = [t for op, t in cmd.redirects if op == ">"]
        if cmd.name in ("truncate", "shred", "rm"):
            targets += operands(cmd)
        if any(t.startswith("/var/log/") or t in ("/var/log", "/var/run/utmp") for t in targets):
            return f"Erases system logs ({next(t for t in targets if t.startswith('/var/'))})."
        if cmd.name == "journalctl" and any(a.startswith(("--vacuum", "--rotate")) for a in cmd.args):
            return "journalctl --vacuum deletes journal history."
    return None

"""Shell rules about reconnaissance and credential access: what an attacker runs after getting in.

SUID/SGID hunts, world-writable or foreign-owned system files, filesystem-wide searches for
credential files or for passwords inside files, enumeration of root-equivalent accounts, reads
of keys, shadow files and shell histories, and lists of shell-escape binaries. An everyday
`find . -name '*.txt'` or `grep needle file` touches none of these.
"""

from __future__ import annotations

import re

from sentinel_guard.analysis.interpreters import CODE_FLAGS
from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts
from sentinel_guard.rules.paths import PathKind, classify_path, is_secret_path
from sentinel_guard.rules.shell import operands
from sentinel_guard.types import Decision, Severity

E, F = Decision.ESCALATE, Decision.FLAG
SH = ("shell",)

_SUID_PERM = re.compile(r"^[-/+]?(?:(?:[ugoa]*[=+][rwxst]*s[rwxst]*,?)+|0?[2467][0-7]{3})$")
_SYSTEM_START = re.compile(r"^/(?:$|etc|lib|usr|bin|sbin|boot|opt|var|root|home)")


def _find_starts(args: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for arg in args:
        if arg.startswith("-") or arg in ("(", "!", "\\(", "\\!"):
            break
        out.append(arg)
    return out or ["."]


def _perm_values(args: tuple[str, ...]) -> list[str]:
    vals: list[str] = []
    for i, arg in enumerate(args[:-1]):
        if arg == "-perm":
            vals.append(args[i + 1])
            if i + 2 < len(args) and not args[i + 2].startswith("-") and args[i + 1] in ("-o", "-u", "-g", "/o"):
                vals.append(args[i + 1] + args[i + 2])
    return vals


@rule("recon.suid-search", E, Severity.HIGH, kinds=SH, programs=("find",))
def suid_search(f: Facts) -> str | None:
    """Searching for SUID/SGID binaries: the classic privilege-escalation survey."""
    for cmd in f.cmds:
        if cmd.name == "find" and any(_SUID_PERM.match(p) for p in _perm_values(cmd.args)):
            return "find -perm for setuid/setgid files: privilege-escalation reconnaissance."
    return None


@rule("recon.writable-system", E, Severity.HIGH, kinds=SH, programs=("find", "ls"))
def writable_system(f: Facts) -> str | None:
    """Looking for world-writable, readable or foreign-owned files in system directories."""
    for cmd in f.cmds:
        if cmd.name == "find":
            args = cmd.args
            perms = _perm_values(args)
            if any(re.search(r"o\s*\+?w|o=w|-0*2$|^-?0*002$|^/o\+?w|-o\+?w|^-?o\s?w", p) or p in ("-o w", "-ow") for p in perms):
                return "find -perm for world-writable paths: looking for places to plant code."
            text = " ".join(args)
            starts = _find_starts(args)
            system = any(_SYSTEM_START.match(s) for s in starts)
            if system and re.search(r"(?:^|\s)(?:-writable|-readable)\b", text):
                return "find -readable/-writable over system directories: access survey."
            if system and ("! -uid 0" in text or "\\! -uid 0" in text or "-not -uid 0" in text):
                return "find files in system directories not owned by root: hijackable startup scripts."
            fixes = {"chown", "chgrp", "rm"} & {c.name for c in f.cmds if c.via == "find -exec"}
            if ("-nouser" in args or "-nogroup" in args) and not fixes:
                return "find -nouser/-nogroup lists orphaned files an attacker can claim."
        if cmd.name == "ls":
            flags = "".join(a[1:] for a in cmd.args if a.startswith("-") and not a.startswith("--"))
            targets = operands(cmd)
            system_targets = any(classify_path(t) in (PathKind.SYSTEM, PathKind.ROOT) for t in targets)
            if "R" in flags and "l" in flags and system_targets and (cmd.pipeline >= 0 or "a" in flags):
                return "Recursive permission listing of system directories: access survey."
    return None


_CRED_NAME = re.compile(
    r"(?i)(?:^|[/*.])(?:\.?ssh|id_(?:rsa|dsa|ecdsa|ed25519)|\.?git-credentials|\.?rhosts|\.?netrc|\.?pgpass|"
    r"shadow|credentials?|\.?htpasswd|wp-config\.php|\.?bash_history|authorized_keys|\.?aws|\.?kube|"
    r"[^/]*\.(?:pem|key|kdbx|ppk|p12|pfx)|\.?env|secrets?|passw(?:or)?d[^/]*|\.?npmrc|\.?pypirc)\*?$"
)


@rule("recon.credential-search", E, Severity.HIGH, kinds=SH, programs=("find", "locate", "mlocate", "plocate"))
def credential_search(f: Facts) -> str | None:
    """Searching the filesystem for key, credential or password files by name."""
    for cmd in f.cmds:
        if cmd.name == "find":
            args = cmd.args
            for i, arg in enumerate(args[:-1]):
                if arg in ("-name", "-iname", "-path", "-ipath", "-regex") and _CRED_NAME.search(args[i + 1].strip("'\"")):
                    return f"find {arg} {args[i + 1]}: hunting for credential files."
        elif cmd.name in ("locate", "mlocate", "plocate") and any(_CRED_NAME.search(a) for a in operands(cmd)):
            return f"{cmd.name} searching for credential files."
    return None


_SECRET_PATTERN = re.compile(r"(?i)pass(?:w(?:or)?d)?\b|passwd|secret|api[_-]?key|private[_ -]key|"
                             r"aws_secret|access[_-]?key|token|credential|BEGIN (?:RSA|OPENSSH)")
_GREPS = frozenset({"grep", "egrep", "fgrep", "rg", "ag", "ack", "zgrep", "git-grep", "findstr"})


_GREP_OPTS_WITH_VALUE = frozenset({"-A", "-B", "-C", "-m", "-f", "-d", "-D", "--context", "--after-context",
                                   "--before-context", "--max-count", "--include", "--exclude", "-g", "-t", "--type"})


def _grep_pattern(args: tuple[str, ...]) -> str:
    for i, arg in enumerate(args[:-1]):  # -e PATTERN, also combined as -ie / -rne
        if arg.startswith("-") and not arg.startswith("--") and arg.endswith("e"):
            return args[i + 1]
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg in ("-e", "--regexp") and i + 1 < len(args):
            return args[i + 1]
        if arg in _GREP_OPTS_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return ""


@rule("recon.secret-grep", E, Severity.HIGH, kinds=SH, programs=_GREPS)
def secret_grep(f: Facts) -> str | None:
    """Grepping files for passwords, keys or tokens; or sweeping config/log files from the root."""
    for cmd in f.cmds:
        if cmd.name not in _GREPS:
            continue
        pattern = _grep_pattern(cmd.args)
        if _SECRET_PATTERN.search(pattern):
            return f"grep for '{pattern}': harvesting credentials from files."
        if cmd.via == "find -exec" and pattern.startswith("$"):
            finder = next((c for c in f.cmds if c.name == "find"), None)
            if finder and "/" in _find_starts(finder.args):
                return "Filesystem-wide grep of config/log files for a keyword: credential sweep."
    return None


_READERS = frozenset({"cat", "less", "more", "head", "tail", "strings", "xxd", "hexdump", "od", "base64",
                      "cp", "scp", "rsync", "tar", "zip", "vi", "vim", "nano", "view", "sed", "awk", "grep",
                      "sort", "uniq", "nl", "tac", "bat", "openssl", "gpg", "curl", "wget", "nc", "ncat",
                      "mv", "ln", "dd", "python", "python3", "perl", "ruby", "php", "node", "type", "get-content"})


@rule("recon.secret-read", E, Severity.HIGH, kinds=SH, programs=_READERS)
def secret_read(f: Facts) -> str | None:
    """Reading, copying or sending private keys, credential stores, shadow files or shell history."""
    for cmd in f.cmds:
        if cmd.name not in _READERS:
            continue
        for i, arg in enumerate(cmd.args):
            value = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg.lstrip("@")
            if value.startswith("-") or "\n" in value or (i and cmd.args[i - 1] in CODE_FLAGS):
                continue  # inline code (`python3 -c CODE`) is read by the interpreter analysis, not as a path
            if is_secret_path(value):
                return f"{cmd.name} reads '{value}', a credential/secret file."
    return None


@rule("recon.root-accounts", E, Severity.MEDIUM, kinds=SH, programs=("awk", "grep", "cut", "getent"))
def root_accounts(f: Facts) -> str | None:
    """Listing accounts with UID 0 or reading the password database for super users."""
    reads_passwd = any("/etc/passwd" in " ".join(c.args) for c in f.cmds) or "getent" in f.programs
    if not reads_passwd:
        return None
    for cmd in f.cmds:
        text = " ".join(cmd.args)
        if (cmd.name == "awk" and re.search(r"\$3\s*==\s*0\b", text)) or re.search(r":0:", text):
            return "Enumerates root-equivalent (UID 0) accounts."
    return None


_ESCAPE_BINS = frozenset({"nc", "netcat", "socat", "gdb", "nmap", "python", "perl", "ruby", "php", "lua", "awk",
                          "vim", "vi", "find", "bash", "sh", "zsh", "strace", "tclsh", "expect", "node", "irb",
                          "jrunscript", "busybox", "docker", "openssl", "telnet", "tftp", "wget", "curl", "xxd",
                          "script", "rvim", "nawk", "gawk", "mawk", "emacs", "less", "more", "man", "ed", "tar"})


@rule("recon.escape-binary-list", E, Severity.MEDIUM, kinds=SH, programs=("@assign", "@suid"))
def escape_binary_list(f: Facts) -> str | None:
    """A list of many shell-escape-capable binaries (GTFOBins-style): privilege-escalation tooling."""
    for script in f.scripts:
        for name, value in script.assignments:
            words = set(re.split(r"[\\|,\s$]+", value))
            if len(words & _ESCAPE_BINS) >= 8:
                return f"Variable {name} lists {len(words & _ESCAPE_BINS)} shell-escape binaries."
        for cmd in script.cmds:
            if cmd.name in ("for",):
                continue
        if re.search(r"(?i)\$\w*(?:suid|sgid|setuid)\w*", script.text):
            return "Iterates over harvested SUID/SGID files."
    return None


_OFFENSIVE = re.compile(
    r"(?i)^(?:linpeas|linenum|lse|les|linux-exploit-suggester\S*|pspy\d*|unix-privesc-check|winpeas\S*|"
    r"mimikatz|hydra|medusa|john|hashcat|sqlmap|nikto|msfconsole|msfvenom|responder|crackmapexec|netexec|nxc|"
    r"chisel|ligolo\S*|bloodhound\S*|impacket-\S+|secretsdump\S*|psexec\S*|enum4linux\S*|gobuster|dirb|"
    r"dirbuster|wfuzz|ffuf|kerbrute|rubeus|sharphound|evil-winrm|beroot|laZagne|"
    r"xmrig|xmr-stak\S*|cpuminer\S*|minerd|ccminer|ethminer|nbminer|lolminer|t-rex|cgminer|bfgminer)(?:\.sh|\.py|\.exe|\.pl)?$"
)


_STRATUM = re.compile(r"(?i)\bstratum\d?\+(?:tcp|ssl|tls)://")
_FETCH_OR_RUN = frozenset({"curl", "wget", "chmod", "bash", "sh", "python3", "python", "perl", "git", "scp"})


@rule("recon.offensive-tool", E, Severity.HIGH, kinds=SH)
def offensive_tool(f: Facts) -> str | None:
    """Running or fetching well-known attack tooling (privilege-escalation scripts, crackers, C2 tunnels,
    cryptominers and anything given a stratum mining-pool address)."""
    for cmd in f.cmds:
        if _OFFENSIVE.match(cmd.name):
            return f"{cmd.name} is offensive-security tooling."
        if any(_STRATUM.search(a) for a in cmd.args):
            return f"{cmd.name} connects to a mining pool (stratum): cryptomining on this machine."
        if cmd.name not in _FETCH_OR_RUN:
            continue
        for arg in cmd.args:
            base = arg.rstrip("/").rsplit("/", 1)[-1]
            if base and _OFFENSIVE.match(base):
                return f"{cmd.name} fetches or runs {base}, offensive-security tooling."
    return None


_STORE_READS = (
    ("security", re.compile(r"^(?:find-(?:generic|internet)-password|dump-keychain|export)$"), "the macOS keychain"),
    ("secret-tool", re.compile(r"^(?:lookup|search)$"), "the desktop secret store"),
    ("gpg", re.compile(r"^--export-secret-(?:sub)?keys$"), "GnuPG's private keys"),
    ("gpg2", re.compile(r"^--export-secret-(?:sub)?keys$"), "GnuPG's private keys"),
    ("pass", re.compile(r"^(?:show)$"), "the password store"),
    ("keyctl", re.compile(r"^(?:print|read|pipe)$"), "the kernel keyring"),
    ("op", re.compile(r"^(?:read|--reveal)$"), "1Password"),
    ("bw", re.compile(r"^(?:get|export)$"), "Bitwarden"),
    ("lpass", re.compile(r"^(?:show|export)$"), "LastPass"),
)
"""Password managers and key stores, and the words of theirs that print a secret or a private key."""


@rule("recon.credential-store", E, Severity.HIGH, kinds=SH,
      programs=tuple(sorted({program for program, _, _ in _STORE_READS})))
def credential_store(f: Facts) -> str | None:
    """Reading secrets out of a password manager or key store (keychain, secret-tool, gpg
    --export-secret-keys, pass, 1Password, Bitwarden): the credentials themselves, not a file path."""
    for cmd in f.cmds:
        for program, words, store in _STORE_READS:
            if cmd.name == program and any(words.match(a) for a in cmd.args):
                return f"{cmd.name} reads secrets out of {store}."
    return None


@rule("recon.sudo-rights", E, Severity.MEDIUM, kinds=SH, programs=("sudo",))
def sudo_rights(f: Facts) -> str | None:
    """`sudo -l`: listing what may be run as root, the first step of sudo-based escalation."""
    for cmd in f.cmds:
        if cmd.name == "sudo" and len(cmd.args) <= 2 and any(a in ("-l", "-ll", "--list") for a in cmd.args):
            return "sudo -l enumerates commands runnable as root."
        if cmd.name == "sudo" and any(re.match(r"^-u\s*#-?(?:1|4294967295)$", a) or a in ("#-1", "#4294967295")
                                      for a in cmd.args):
            return "sudo -u#-1 exploits the user-id bypass (CVE-2019-14287) to run as root."
    return None


@rule("recon.account-database", F, Severity.MEDIUM, kinds=SH, programs=_READERS | {"getent"})
def account_database(f: Facts) -> str | None:
    """Reading the local account list (/etc/passwd, getent passwd): recorded as reconnaissance."""
    for cmd in f.cmds:
        if "/etc/passwd" in cmd.args or (cmd.name == "getent" and "passwd" in cmd.args):
            return "Reads the local account database."
    return None


_RAW_DISK = re.compile(r"^/dev/(?:sd[a-z]|nvme\d|hd[a-z]|xvd[a-z]|vd[a-z]|mmcblk\d|disk\d|mem$|kmem$)")


@rule("recon.capability-and-disk", E, Severity.HIGH, kinds=SH, programs=("getcap", "dd", "ls", "find", "stat", "cat"))
def capability_and_disk(f: Facts) -> str | None:
    """File-capability sweeps, raw disk/memory copies, and listings of every user's secret folders."""
    for cmd in f.cmds:
        if cmd.name == "getcap" and "-r" in cmd.args:
            return "getcap -r lists binaries with elevated capabilities."
        if cmd.name in ("dd", "cat") and any(_RAW_DISK.match(a[3:] if a.startswith("if=") else a) for a in cmd.args):
            return f"{cmd.name} copies a raw disk or memory device (all data, incl. deleted files and keys)."
        if cmd.name in ("ls", "find", "stat") and any("*" in a and is_secret_path(a.rstrip("/")) for a in cmd.args):
            return f"{cmd.name} sweeps every user's secret folders ({next(a for a in cmd.args if '*' in a)})."
    return None


@rule("recon.network-scan", E, Severity.MEDIUM, kinds=SH, programs=("nmap", "masscan", "zmap", "rustscan", "unicornscan"))
def network_scan(f: Facts) -> str | None:
    """Port-scanning address ranges or every port: network reconnaissance."""
    for cmd in f.cmds:
        if cmd.name in ("masscan", "zmap", "rustscan", "unicornscan"):
            return f"{cmd.name} mass-scans the network."
        if cmd.name == "nmap" and any(re.search(r"/\d{1,2}$|\d+-\d+$", a) or a in ("-p-", "-sS", "-sU", "-A", "-O")
                                      for a in cmd.args):
            return "nmap scans ranges, all ports or fingerprints hosts."
    return None

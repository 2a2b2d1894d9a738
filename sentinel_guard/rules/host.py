"""Host-level behaviour an agent has no everyday reason for: capturing traffic, opening tunnels
into the machine, hiding files or accounts, dumping keychains, lifting quarantine, adding
capabilities, creating accounts.

Each rule reads parsed commands (wrappers, `sh -c`, functions and payloads already unwrapped).
"""

from __future__ import annotations

import re

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts
from sentinel_guard.types import Decision, Severity

E = Decision.ESCALATE
SH = ("shell",)

_SNIFFERS = frozenset({"tcpdump", "tshark", "dumpcap", "ettercap", "bettercap", "arpspoof", "dsniff", "ngrep",
                       "mitmproxy", "mitmdump", "responder"})


@rule("recon.packet-capture", E, Severity.HIGH, kinds=SH, programs=_SNIFFERS)
def packet_capture(f: Facts) -> str | None:
    """Capturing or intercepting network traffic (credentials in transit, session tokens)."""
    for cmd in f.cmds:
        if cmd.name in _SNIFFERS:
            return f"{cmd.name} captures network traffic on this host."
    return None


_TUNNELS = {"cloudflared": "tunnel", "ngrok": "", "devtunnel": "host", "code": "tunnel", "lt": "--port",
            "localtunnel": "", "frpc": "", "chisel": "", "bore": "local", "pinggy": ""}


@rule("net.tunnel", E, Severity.HIGH, kinds=SH,
      programs=(*_TUNNELS, "ssh", "systemctl", "service", "tor"))
def tunnel(f: Facts) -> str | None:
    """Opening a tunnel that exposes this machine to the internet (ngrok, cloudflared, ssh -R, tor)."""
    for cmd in f.cmds:
        need = _TUNNELS.get(cmd.name)
        if need is not None and (not need or need in cmd.args):
            return f"{cmd.name} {need}".strip() + " opens a tunnel into this machine."
        if cmd.name == "ssh" and any(a == "-R" or a.startswith("-R") for a in cmd.args):
            return "ssh -R forwards a port of this machine to a remote host."
        if cmd.name in ("systemctl", "service") and "tor" in cmd.args and ({"start", "enable"} & set(cmd.args)):
            return "Starts the Tor service (anonymised command and control)."
        if cmd.name == "tor":
            return "Runs Tor (anonymised command and control)."
    return None


@rule("shell.hide-artifact", E, Severity.MEDIUM, kinds=SH, programs=("chflags", "setfile", "dscl", "defaults"))
def hide_artifact(f: Facts) -> str | None:
    """Hiding files or accounts from the user (chflags hidden, setfile -a V, IsHidden accounts)."""
    for cmd in f.cmds:
        args = cmd.args
        if cmd.name == "chflags" and "hidden" in args:
            return "chflags hidden hides a file from the user."
        if cmd.name == "setfile" and "-a" in args and any("V" in a for a in args):
            return "setfile -a V makes a file invisible."
        if cmd.name == "dscl" and "IsHidden" in args:
            return "dscl hides a user account."
    return None


_KEYCHAIN_READS = frozenset({"dump-keychain", "find-generic-password", "find-internet-password", "export",
                             "add-trusted-cert"})


@rule("recon.keychain-dump", E, Severity.HIGH, kinds=SH, programs=("security",))
def keychain_dump(f: Facts) -> str | None:
    """Dumping keychain secrets or trusting a new root certificate (macOS `security`)."""
    for cmd in f.cmds:
        if cmd.name == "security" and cmd.args and cmd.args[0] in _KEYCHAIN_READS:
            if cmd.args[0] in ("find-generic-password", "find-internet-password") and not (
                    {"-w", "-g"} & set(cmd.args)):
                continue  # looking an item up without printing its secret
            return f"security {cmd.args[0]} reads or changes keychain trust and secrets."
    return None


@rule("shell.quarantine-bypass", E, Severity.HIGH, kinds=SH, programs=("xattr", "spctl"))
def quarantine_bypass(f: Facts) -> str | None:
    """Removing the download quarantine or turning Gatekeeper off (unsigned code runs unchecked)."""
    for cmd in f.cmds:
        if cmd.name == "xattr" and any("com.apple.quarantine" in a for a in cmd.args) and (
                {"-d", "-c", "-r", "-rd", "-dr"} & set(cmd.args)):
            return "xattr removes the quarantine flag from downloaded code."
        if cmd.name == "spctl" and ({"--master-disable", "--global-disable"} & set(cmd.args)):
            return "spctl disables Gatekeeper."
    return None


_CAPS = re.compile(r"(?i)cap_(?:setuid|setgid|sys_admin|sys_ptrace|dac_override|dac_read_search|sys_module)")


@rule("shell.capability-grant", E, Severity.HIGH, kinds=SH, programs=("setcap",))
def capability_grant(f: Facts) -> str | None:
    """Giving a binary root-equivalent capabilities (setcap cap_setuid, cap_sys_admin ...)."""
    for cmd in f.cmds:
        if cmd.name == "setcap" and any(_CAPS.search(a) for a in cmd.args):
            return "setcap gives a binary root-equivalent capabilities."
    return None


@rule("shell.account-create", E, Severity.MEDIUM, kinds=SH,
      programs=("useradd", "adduser", "dscl", "pw", "sysadminctl", "net"))
def account_create(f: Facts) -> str | None:
    """Creating an operating-system account (a way back in, whatever its rights)."""
    for cmd in f.cmds:
        args = cmd.args
        if cmd.name in ("useradd", "adduser") and any(not a.startswith("-") for a in args):
            return f"{cmd.name} creates an account."
        if cmd.name == "pw" and args[:1] == ("useradd",):
            return "pw useradd creates an account."
        if cmd.name == "dscl" and "-create" in args and any(a.startswith("/Users/") for a in args):
            return "dscl creates or changes a user account."
        if cmd.name == "sysadminctl" and "-addUser" in args:
            return "sysadminctl creates an account."
    return None

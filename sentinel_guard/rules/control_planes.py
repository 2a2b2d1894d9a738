"""Requests to an infrastructure control plane that answers without authentication.

Docker's API on tcp/2375 (or its socket), the kubelet's 10250/10255, etcd's 2379, Consul's 8500,
Nomad's 4646 and a Jupyter server's API are, on a loopback or private address, root on the host
or the cluster for whoever can reach them: create a privileged container, read every secret in
the key-value store, run code in a kernel. An agent that fetches such a URL because a page or a
tool output told it to (server-side request forgery) is using the host's network position, not
browsing. A request the user asked for names the host and port in the instruction, and passes.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts
from sentinel_guard.types import Decision, Severity

E = Decision.ESCALATE
ANY = ("any",)

_SERVICES = {2375: "the Docker API", 2376: "the Docker API", 10250: "the kubelet API", 10255: "the kubelet API",
             2379: "etcd", 2380: "etcd", 8500: "Consul", 4646: "Nomad"}
_JUPYTER = re.compile(r"^/api/(?:kernels|sessions|terminals|contents)")
_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock", "/var/run/crio/crio.sock")
_FETCHERS = frozenset({"curl", "wget", "http", "xh", "httpie"})
_URL = re.compile(r"(?i)\bhttps?://[^\s'\"<>]+")


def _internal(host: str) -> bool:
    """Loopback, private, link-local or an internal name (`*.internal`, `*.local`, cluster DNS)."""
    host = host.strip("[]").lower()
    if host in ("localhost", "0.0.0.0") or host.endswith((".internal", ".local", ".localhost", ".svc", ".cluster.local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def control_plane(url: str) -> str | None:
    """The control plane `url` reaches on an internal address, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or not _internal(parts.hostname):
        return None
    if port in _SERVICES:
        return _SERVICES[port]
    if port == 8888 and _JUPYTER.match(parts.path):
        return "a Jupyter server's kernel API"
    return None


@rule("net.control-plane", E, Severity.HIGH, kinds=ANY)
def control_plane_request(f: Facts) -> str | None:
    """A request to an unauthenticated control plane (Docker API or socket, kubelet, etcd, Consul,
    Nomad, Jupyter's kernels) on an internal address that the user did not name."""
    urls = [m.group(0) for _, v in f.strings if "://" in v and len(v) < 2048 for m in _URL.finditer(v)]
    for cmd in f.cmds if f.shell_texts else ():
        if cmd.name in _FETCHERS:
            urls += [a for a in cmd.args if "://" in a]
            socket = next((a for a in cmd.args if a in _SOCKETS), None)
            if socket and "--unix-socket" in cmd.args and socket not in f.instruction_lower:
                return f"{cmd.name} talks to {socket}: the container runtime's API, root on the host."
    for url in urls:
        service = control_plane(url)
        if service is None:
            continue
        parts = urlsplit(url)
        if f"{parts.hostname}:{parts.port}" not in f.instruction_lower:  # read only when a control plane is hit
            return f"{url[:80]} is {service} on an internal address: control of the host or cluster, without a login."
    return None

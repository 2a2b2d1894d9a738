"""A container started from a structured tool call (`run_container(image=…, privileged=True)`,
`create_pod(spec=…)`) that is given the host.

The shell rule `cloud.container-escape` reads `docker run --privileged -v /:/host`; container
tools of agent toolkits and MCP servers take the same settings as arguments, in Docker's API
spelling (`privileged`, `binds`/`volumes`, `pid_mode`, `cap_add`) or Kubernetes' (`hostPID`,
`hostPath`, `securityContext.privileged`). Any of these is root on the host: the host's whole
filesystem, its processes, the Docker socket (which starts more such containers), or every
capability. Until 7 December such a call was approved when the tool's name had no CLI word
(`run_container`), as nothing read its arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts, _key
from sentinel_guard.types import Decision, Severity

E = Decision.ESCALATE
ANY = ("any",)

_CONTAINER_WORDS = frozenset({"container", "containers", "docker", "podman", "pod", "pods", "compose", "deployment",
                              "job", "sandbox", "image"})
_HOST_FLAGS = frozenset({"privileged", "hostpid", "hostnetwork", "hostipc"})
_HOST_MODES = frozenset({"pid_mode", "pidmode", "pid", "network_mode", "networkmode", "ipc_mode", "ipcmode", "userns_mode"})
_MOUNT_KEYS = frozenset({"volumes", "volume", "binds", "mounts", "hostpath", "host_path"})
"""Keys whose string values are `host:container` mounts (Docker's `-v` spelling) or a host path."""
_MOUNT_SOURCE = re.compile(r"(?i)(?:^|\.)(?:mounts?|binds?)\[\d+\]\.(?:source|src)$|(?:^|\.)hostpath\.path$")
"""A mount's host side in API spelling: `mounts[0].source` (Docker), `volumes[0].hostPath.path` (Kubernetes)."""
_DICT_VOLUME = re.compile(r"(?i)(?:^|\.)(?:volumes|binds)\.(/.*?)\.(?:bind|mode)$")
"""docker-py's `volumes={'/': {'bind': '/mnt'}}`: the host path is the dict's key."""
_HOST_MOUNT = re.compile(r"^(?:/|/var/run/docker\.sock|/run/docker\.sock|/etc|/root|/proc|/sys|/dev|/boot|/var/lib/kubelet)"
                         r"/?(?::|$)")
_ALL_CAPS = frozenset({"all", "sys_admin", "cap_sys_admin", "sys_ptrace", "sys_module"})


@rule("tool.container-host", E, Severity.HIGH, kinds=ANY)
def container_host(f: Facts) -> str | None:
    """A container tool's arguments give it the host: privileged, host PID/network, the root or Docker socket mounted."""
    if _CONTAINER_WORDS.isdisjoint(f.tokens) and "image" not in f.call.args:  # the namespace counts: mcp__docker__…
        return None
    return host_grant(f.call.tool, f.leaves)


def host_grant(subject: str, leaves: Iterable[tuple[str, Any]]) -> str | None:
    """Why a container spec (flattened to (path, value) leaves) gives `subject`'s container the host;
    None when it does not. Shared with the shell rule for `kubectl run --overrides '{JSON}'`."""
    for path, value in leaves:
        key = _key(path)
        if key in _HOST_FLAGS and value is True:
            if key == "privileged":
                return f"{subject} runs the container privileged: root on the host."
            name = path.rsplit(".", 1)[-1].split("[", 1)[0]
            return f"{subject} sets {name}: the container shares the host's {key[4:].upper()} namespace."
        dict_volume = _DICT_VOLUME.search(path)
        if dict_volume and _HOST_MOUNT.match(dict_volume.group(1)):
            return f"{subject} mounts the host's {dict_volume.group(1)} into the container."
        if isinstance(value, str):
            text = value.strip().lower()
            if key in _HOST_MODES and text == "host":
                return f"{subject} sets {key}=host: the container shares the host's {key.split('_')[0]} space."
            if (key in _MOUNT_KEYS or _MOUNT_SOURCE.search(path)) and _HOST_MOUNT.match(text):
                return f"{subject} mounts the host's {text.split(':')[0]} into the container."
            if key in ("cap_add", "capabilities", "add") and text in _ALL_CAPS:
                return f"{subject} adds the {value} capability: root on the host."
    return None

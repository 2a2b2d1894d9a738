"""Kubernetes and cloud CLI rules: deleting clusters' state, scaling to zero, destroying infra.

They read parsed commands, so they apply to a `shell` call running `kubectl ...`, to a
`kubectl` tool whose args hold `delete namespace prod`, and to `sudo helm uninstall ...` alike.
Read verbs (`get`, `describe`, `logs`, `ls`, `list`) never fire.
"""

from __future__ import annotations

import json
import re

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.containers import host_grant
from sentinel_guard.rules.facts import Facts, _leaves
from sentinel_guard.rules.read_only import reads_only, subcommand
from sentinel_guard.rules.shell import operands
from sentinel_guard.rules.shell_script import Cmd
from sentinel_guard.types import Decision, Severity

B, E, F = Decision.BLOCK, Decision.ESCALATE, Decision.FLAG
SH = ("shell",)

_KUBE_DATA = {"namespace", "namespaces", "ns", "pvc", "pv", "persistentvolumeclaim", "persistentvolumeclaims",
              "persistentvolume", "persistentvolumes", "crd", "crds", "customresourcedefinition", "node", "nodes",
              "secret", "secrets", "statefulset", "statefulsets", "sts", "cluster", "clusters", "storageclass"}
_KUBE_WORKLOAD = {"deployment", "deployments", "deploy", "daemonset", "daemonsets", "ds", "service", "services",
                  "svc", "ingress", "ingresses", "ing", "job", "jobs", "cronjob", "cronjobs", "replicaset", "rs",
                  "configmap", "configmaps", "cm", "hpa", "all", "role", "rolebinding", "clusterrole",
                  "clusterrolebinding", "serviceaccount", "sa", "networkpolicy"}


def _positional(cmd: Cmd) -> list[str]:
    """Operands of a CLI call with option values skipped where obvious (`-n prod`, `--context x`)."""
    out: list[str] = []
    skip = False
    for arg in cmd.args:
        if skip:
            skip = False
            continue
        if arg.startswith("-"):
            if "=" not in arg and arg in ("-n", "--namespace", "--context", "-l", "--selector", "-f", "--filename",
                                          "-o", "--output", "--kubeconfig", "--cluster", "--region", "--profile",
                                          "--project", "-g", "--resource-group", "--zone", "-c", "--container"):
                skip = True
            continue
        out.append(arg)
    return out


def _resource_kind(word: str) -> str:
    return word.split("/", 1)[0].split(".", 1)[0].lower()


@rule("kube.delete-data", E, Severity.CRITICAL, kinds=SH, programs=("kubectl", "oc", "kubectl.exe"), env="write")
def kube_delete_data(f: Facts) -> str | None:
    """kubectl delete of namespaces, volumes, secrets, nodes, stateful sets, or `--all`."""
    for cmd in f.cmds:
        if cmd.name not in ("kubectl", "oc") or subcommand(cmd) != "delete":
            continue
        pos = _positional(cmd)
        after = pos[pos.index("delete") + 1:] if "delete" in pos else []
        kind = _resource_kind(after[0]) if after else ""
        if kind in _KUBE_DATA or "--all" in cmd.args or "--all-namespaces" in cmd.args or "-A" in cmd.args:
            return f"kubectl delete {' '.join(after[:2]) or '--all'}: removes data or whole environments."
    return None


@rule("kube.delete-workload", E, Severity.HIGH, kinds=SH, programs=("kubectl", "oc"), env="disruption")
def kube_delete_workload(f: Facts) -> str | None:
    """kubectl delete of deployments, services, jobs and other workloads (outage until recreated)."""
    for cmd in f.cmds:
        if cmd.name not in ("kubectl", "oc") or subcommand(cmd) != "delete":
            continue
        pos = _positional(cmd)
        after = pos[pos.index("delete") + 1:] if "delete" in pos else []
        if (after and _resource_kind(after[0]) in _KUBE_WORKLOAD) or "-f" in cmd.args or "--filename" in cmd.args:
            return f"kubectl delete {' '.join(after[:2]) or '-f'}: takes a workload down."
    return None


@rule("kube.delete-pod", F, Severity.MEDIUM, kinds=SH, programs=("kubectl", "oc"), env="disruption")
def kube_delete_pod(f: Facts) -> str | None:
    """kubectl delete pod: the controller recreates it, but in-flight work is lost."""
    for cmd in f.cmds:
        if cmd.name in ("kubectl", "oc") and subcommand(cmd) == "delete":
            pos = _positional(cmd)
            after = pos[pos.index("delete") + 1:] if "delete" in pos else []
            if after and _resource_kind(after[0]) in ("pod", "pods", "po"):
                force = "--force" in cmd.args or "--grace-period=0" in cmd.args
                return f"kubectl delete {' '.join(after[:2])}{' (forced)' if force else ''}."
    return None


@rule("kube.scale-zero", E, Severity.HIGH, kinds=SH, programs=("kubectl", "oc"), env="disruption")
def kube_scale_zero(f: Facts) -> str | None:
    """Scaling a workload to zero replicas (an outage by another name)."""
    for cmd in f.cmds:
        if cmd.name in ("kubectl", "oc") and subcommand(cmd) == "scale":
            text = " ".join(cmd.args)
            if re.search(r"--replicas(?:=|\s+)0\b", text):
                return f"kubectl scale {' '.join(_positional(cmd)[1:3])} to 0 replicas stops the service."
    return None


def _execs_a_read(cmd: Cmd) -> bool:
    """`kubectl exec pod -- ls /data`: the command run in the pod only reads (it is judged on its own too)."""
    args = list(cmd.args)
    inner = args[args.index("--") + 1:] if "--" in args else []
    if not inner:
        return False
    name = inner[0].rsplit("/", 1)[-1].lower()
    return reads_only(frozenset({name}), [Cmd(tuple(inner), name=name)])


@rule("kube.disrupt", F, Severity.MEDIUM, kinds=SH, programs=("kubectl", "oc"), env="disruption")
def kube_disrupt(f: Facts) -> str | None:
    """Draining/cordoning nodes, restarting rollouts, applying or patching live objects."""
    for cmd in f.cmds:
        if cmd.name in ("kubectl", "oc"):
            verb = subcommand(cmd)
            if verb in ("drain", "cordon", "taint", "apply", "patch", "replace", "edit", "set", "rollout", "exec",
                        "annotate", "label", "create", "run", "expose", "autoscale"):
                if verb == "rollout" and set(cmd.args) & {"status", "history"}:
                    continue
                if verb == "exec" and _execs_a_read(cmd):
                    continue
                return f"kubectl {verb} changes live cluster state."
    return None


@rule("cloud.helm-uninstall", E, Severity.HIGH, kinds=SH, programs=("helm",), env="disruption")
def helm_uninstall(f: Facts) -> str | None:
    """helm uninstall/delete removes a release and its resources."""
    for cmd in f.cmds:
        if cmd.name == "helm" and set(cmd.args[:2]) & {"uninstall", "delete", "del", "un"}:
            return f"helm {' '.join(cmd.args[:2])} removes a release."
    return None


@rule("cloud.terraform-destroy", E, Severity.CRITICAL, kinds=SH, programs=("terraform", "tofu", "terragrunt", "pulumi", "cdk"), env="write")
def terraform_destroy(f: Facts) -> str | None:
    """terraform/pulumi destroy (or apply -destroy, state rm): infrastructure is deleted."""
    for cmd in f.cmds:
        if cmd.name in ("terraform", "tofu", "terragrunt", "pulumi", "cdk"):
            args = cmd.args
            if "destroy" in args[:2] or "-destroy" in args or ("state" in args[:1] and "rm" in args[1:2]):
                return f"{cmd.name} {' '.join(args[:2])} destroys managed infrastructure."
            if "apply" in args[:1] and ("-auto-approve" in args or "--auto-approve" in args):
                return None
    return None


@rule("cloud.terraform-apply", F, Severity.MEDIUM, kinds=SH, programs=("terraform", "tofu", "pulumi"), env="write")
def terraform_apply(f: Facts) -> str | None:
    """terraform apply / pulumi up change infrastructure (auto-approve skips the plan review)."""
    for cmd in f.cmds:
        if cmd.name in ("terraform", "tofu", "pulumi") and set(cmd.args[:1]) & {"apply", "up", "import"}:
            return f"{cmd.name} {cmd.args[0]} changes infrastructure."
    return None


_AWS_DESTRUCTIVE = re.compile(r"^(?:delete|terminate|remove|deregister|disable|purge|schedule-key-deletion|"
                              r"detach|revoke|reset|stop|cancel|reboot|modify-db-instance)")


@rule("cloud.destroy", E, Severity.CRITICAL, kinds=SH, programs=("aws", "awslocal", "gsutil", "gcloud", "az", "doctl", "s3cmd", "rclone"), env="write")
def cloud_destroy(f: Facts) -> str | None:
    """Deleting buckets, recursive object deletes, terminating instances, dropping managed databases."""
    for cmd in f.cmds:
        pos = _positional(cmd)
        if cmd.name in ("aws", "awslocal") and len(pos) >= 2:
            service, action = pos[0], pos[1]
            if service == "s3" and action == "rb":
                return f"aws s3 rb {' '.join(pos[2:3])} deletes the bucket{' and everything in it' if '--force' in cmd.args else ''}."
            if service == "s3" and action == "rm" and "--recursive" in cmd.args:
                return f"aws s3 rm --recursive {' '.join(pos[2:3])} deletes every object under the prefix."
            if service == "s3" and action == "sync" and "--delete" in cmd.args:
                return "aws s3 sync --delete removes objects missing from the source."
            if _AWS_DESTRUCTIVE.match(action) and not action.startswith(("stop", "reboot", "cancel", "detach")):
                return f"aws {service} {action} deletes or disables cloud resources."
        if cmd.name == "gsutil" and pos and (pos[0] == "rb" or (pos[0] == "rm" and set(cmd.args) & {"-r", "-R", "-a"})):
            return f"gsutil {pos[0]} deletes buckets or objects recursively."
        if cmd.name in ("gcloud", "az", "doctl") and "delete" in pos:
            return f"{cmd.name} {' '.join(pos[:pos.index('delete') + 2])} deletes cloud resources."
        if (cmd.name in ("s3cmd",) and pos and pos[0] in ("rb", "del")) or (cmd.name == "rclone" and pos[:1] in (["purge"], ["delete"])):
            return f"{cmd.name} {pos[0]} deletes remote storage."
    return None


@rule("cloud.disrupt", F, Severity.MEDIUM, kinds=SH, programs=("aws", "gcloud", "az"), env="disruption")
def cloud_disrupt(f: Facts) -> str | None:
    """Stopping or rebooting instances, detaching volumes, changing IAM."""
    for cmd in f.cmds:
        pos = _positional(cmd)
        if cmd.name == "aws" and len(pos) >= 2 and (
                re.match(r"^(?:stop|reboot|detach|modify|update|put|attach|create-access-key)", pos[1]) or (pos[0] == "iam"
                and not pos[1].startswith(("get", "list")))):
            return f"aws {pos[0]} {pos[1]} changes running infrastructure or permissions."
        if cmd.name in ("gcloud", "az") and set(pos) & {"stop", "restart", "reset", "update", "set-iam-policy",
                                                        "add-iam-policy-binding"}:
            return f"{cmd.name} changes running infrastructure or permissions."
    return None


@rule("cloud.docker-prune", E, Severity.HIGH, kinds=SH, programs=("docker", "podman"), env="write")
def docker_prune(f: Facts) -> str | None:
    """Removing volumes or pruning everything (data in volumes is lost)."""
    for cmd in f.cmds:
        if cmd.name in ("docker", "podman"):
            pos = operands(cmd)
            if pos[:2] in (["volume", "rm"], ["volume", "prune"]) or (pos[:2] == ["system", "prune"] and (
                    "--volumes" in cmd.args or "-a" in cmd.args)):
                return f"{cmd.name} {' '.join(pos[:2])} deletes container data."
    return None


@rule("cloud.container-escape", E, Severity.HIGH, kinds=SH, programs=("docker", "podman", "nerdctl", "kubectl"))
def container_escape(f: Facts) -> str | None:
    """Containers given the host: `-v /:/mnt`, `--privileged`, `--pid=host`, docker.sock mounts."""
    for cmd in f.cmds:
        if cmd.name == "kubectl":
            why = _kubectl_host(cmd)
            if why:
                return why
            continue
        if cmd.name not in ("docker", "podman", "nerdctl") or not set(cmd.args[:1]) & {"run", "create", "exec"}:
            continue
        why = host_grant(f"{cmd.name} {cmd.args[0]}", _cli_spec(cmd.args[1:]))
        if why:
            return why
    return None


_CLI_SPEC = {"-v": "volumes", "--volume": "volumes", "--mount": "mounts", "--pid": "pid_mode", "--net": "network_mode",
             "--network": "network_mode", "--ipc": "ipc_mode", "--userns": "userns_mode", "--cap-add": "cap_add"}


def _cli_spec(args: tuple[str, ...]) -> list[tuple[str, object]]:
    """`docker run` options as the API's (key, value) leaves, so one judgement (`host_grant`) reads
    the CLI and the structured call alike: `-v /etc:/h` → ('volumes', '/etc:/h'), `--privileged`."""
    leaves: list[tuple[str, object]] = []
    for i, arg in enumerate(args):
        flag, eq, value = arg.partition("=")
        if arg == "--privileged":
            leaves.append(("privileged", True))
        elif flag in _CLI_SPEC:
            value = value if eq else (args[i + 1] if i + 1 < len(args) else "")
            if flag == "--mount":  # type=bind,source=/,target=/h
                value = next((p.split("=", 1)[1] for p in value.split(",") if p.startswith(("source=", "src="))), "")
                leaves.append(("mounts[0].source", value))
            else:
                leaves.append((_CLI_SPEC[flag], value))
    return leaves


def _kubectl_host(cmd: Cmd) -> str | None:
    """`kubectl run --privileged`, `--overrides '{JSON pod spec}'` that grants the host, `kubectl debug node/…`."""
    verb = subcommand(cmd)
    args = cmd.args
    if verb == "debug" and any(a.startswith("node/") for a in args):
        return "kubectl debug node/… starts a pod in the node's host namespaces with its root filesystem mounted."
    if verb not in ("run", "create"):
        return None
    if "--privileged" in args or "--privileged=true" in args:
        return "kubectl run --privileged: the pod is root on its node."
    for i, arg in enumerate(args):
        spec = arg.split("=", 1)[1] if arg.startswith("--overrides=") else (
            args[i + 1] if arg == "--overrides" and i + 1 < len(args) else None)
        if spec:
            try:
                overrides = json.loads(spec)
            except ValueError:
                continue
            why = host_grant("kubectl " + verb, _leaves(overrides, ""))
            if why:
                return why
    return None


@rule("cloud.iam-escalation", E, Severity.HIGH, kinds=SH, programs=("aws", "gcloud", "az"))
def iam_escalation(f: Facts) -> str | None:
    """Minting credentials or granting admin roles in the cloud account (persistence, escalation)."""
    for cmd in f.cmds:
        text = " ".join(cmd.args)
        if cmd.name == "aws" and re.search(r"\biam (?:create-access-key|create-login-profile|update-login-profile|"
                                           r"attach-(?:user|role|group)-policy|put-(?:user|role)-policy|"
                                           r"add-user-to-group|create-user)\b", text):
            return "aws iam call creates credentials or grants permissions."
        if cmd.name in ("gcloud", "az") and re.search(r"(?:add-iam-policy-binding|keys create|role assignment create)"
                                                      r".*(?:owner|admin|editor|contributor)?", text):
            return f"{cmd.name} grants roles or creates service-account keys."
    return None

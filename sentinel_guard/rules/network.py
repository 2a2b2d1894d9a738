"""Shell rules about the network: reverse shells, shell escapes, download-and-run, exfiltration.

A reverse shell gives a remote party an interactive shell; download-and-run executes code no
one reviewed; exfiltration sends local files to another host. These are judged from the parsed
commands (`nc -e`, `socat exec:`, `/dev/tcp/`, `curl ... | sh`, `curl -d @file`, `scp file host:`)
and from the inline code given to interpreters (`python -c 'import socket...'`).
"""

from __future__ import annotations

import re

from sentinel_guard.rules.base import rule
from sentinel_guard.rules.facts import Facts
from sentinel_guard.rules.paths import is_secret_path
from sentinel_guard.rules.shell import operands
from sentinel_guard.rules.shell_script import Cmd
from sentinel_guard.types import Decision, Severity

B, E, F = Decision.BLOCK, Decision.ESCALATE, Decision.FLAG
SH = ("shell",)

_NETCATS = frozenset({"nc", "ncat", "netcat", "nc.traditional", "nc.openbsd", "pwncat"})
_INTERPRETERS = frozenset({"python", "python2", "python3", "perl", "ruby", "php", "node", "nodejs", "lua", "awk",
                           "gawk", "nawk", "tclsh", "pwsh", "powershell", "irb", "jrunscript", "deno"})
_SHELL_NAMES = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "csh", "tcsh"})
_SOCKET_CODE = re.compile(r"(?i)socket\s*[.(]|io::socket|socket::inet|fsockopen|tcpsocket|net\.socket|\bconnect\s*\(\s*\(|"
                          r"io\.popen|/dev/tcp/|new-object\s+system\.net\.sockets")
_SHELL_EXEC_CODE = re.compile(r"""(?i)pty\.spawn|os\.dup2|(?:exec|system|spawn|popen|passthru|shell_exec|"""
                              r"""subprocess\.\w+)\s*\(?\s*\[?\s*['"`]?(?:/bin/)?(?:ba|z|da)?sh\b|"""
                              r"""\bexec\s+['"]?/bin/(?:ba)?sh""")
_RUNS_CODE = re.compile(r"(?i)\bsh\b|popen|exec|system|spawn|subprocess|dup2")
_DOWNLOADERS = frozenset({"curl", "wget", "fetch", "aria2c", "lwp-download", "http", "iwr", "invoke-webrequest"})


def _inline_code(argv: tuple[str, ...]) -> str:
    for i, arg in enumerate(argv[1:-1], start=1):
        if arg in ("-c", "-e", "-r", "-E", "--eval", "-Command", "-command", "BEGIN") or arg.startswith("-e"):
            return argv[i + 1]
    if argv and argv[0].rstrip(":").rsplit("/", 1)[-1] in _INTERPRETERS and len(argv) > 1 and argv[0].endswith(":"):
        return " ".join(argv[1:])  # "perl: exec ..." as pasted from a cheat-sheet
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    if name in ("awk", "gawk", "nawk", "mawk") and len(argv) > 1:
        return argv[1]
    return ""


@rule("net.reverse-shell", B, Severity.CRITICAL, kinds=SH, programs=(
    *_NETCATS, *_INTERPRETERS, "socat", "telnet", "openssl", "mkfifo", "mknod", "@devtcp", "@shellshock"))
def reverse_shell(f: Facts) -> str | None:
    """A shell wired to a network connection (nc -e, /dev/tcp, socat exec, socket code, named-pipe relays)."""
    names = f.programs
    for cmd in f.cmds:
        if any("/dev/tcp/" in t or "/dev/udp/" in t for _, t in cmd.redirects) or any(
                "/dev/tcp/" in a or "/dev/udp/" in a for a in cmd.args):
            return "Redirects a shell through /dev/tcp: reverse shell."
        if cmd.name in ("awk", "gawk") and any("/inet/tcp/" in a or "/inet/udp/" in a for a in cmd.args) and any(
                re.search(r"getline|system\s*\(", a) for a in cmd.args):
            return "gawk opens a /inet/tcp connection and runs what it reads: reverse shell."
        if cmd.name in _NETCATS and set(cmd.args) & {"-e", "-c", "--exec", "--sh-exec", "--lua-exec"}:
            return f"{cmd.name} -e hands a shell to a remote host."
        if cmd.name == "socat" and any(re.match(r"(?i)(?:exec|system):", a) for a in cmd.args):
            return "socat exec: binds a program (shell) to a socket."
        if cmd.name in _INTERPRETERS or cmd.name.rstrip(":") in _INTERPRETERS:
            code = _inline_code(cmd.argv)
            if code and _SOCKET_CODE.search(code) and (_SHELL_EXEC_CODE.search(code) or _RUNS_CODE.search(code)):
                return f"{cmd.name} code opens a socket and attaches a shell: reverse shell."
        if cmd.name in ("telnet", "openssl") and cmd.pipeline >= 0 and names & _SHELL_NAMES:
            return f"{cmd.name} piped through a shell: reverse shell."
    if names & _NETCATS and names & {"mkfifo", "mknod"}:
        return "Named pipe plus netcat: relay or reverse shell."
    if names & _NETCATS and any(c.name in _SHELL_NAMES and c.pipeline >= 0 for c in f.cmds) and any(
            c.name in _NETCATS and c.pipeline >= 0 for c in f.cmds):
        return "netcat piped into a shell: remote command execution."
    for script in f.scripts:
        if re.search(r"\(\)\s*\{\s*:\s*;\s*\}\s*;", script.text):
            return "Shellshock payload ('() { :;};'): code injection through the environment."
    return None


@rule("net.shell-escape", E, Severity.HIGH, kinds=SH, programs=(
    *_INTERPRETERS, *_SHELL_NAMES, "script", "nmap", "vi", "vim", "less", "more", "man", "ed"))
def shell_escape(f: Facts) -> str | None:
    """Spawning an interactive shell from another program (pty.spawn, exec /bin/sh, script -c, nmap --interactive)."""
    for cmd in f.cmds:
        if cmd.name in _INTERPRETERS or cmd.name.rstrip(":") in _INTERPRETERS:
            code = _inline_code(cmd.argv)
            if code and _SHELL_EXEC_CODE.search(code):
                return f"{cmd.name} code spawns a shell: escape from a restricted context."
        if cmd.name == "script" and any(a.startswith("-") and "c" in a for a in cmd.args) and any(
                a.rsplit("/", 1)[-1].split(" ")[0] in _SHELL_NAMES for a in cmd.args):
            return "script -c /bin/sh allocates a pty for a shell (shell upgrade)."
        if cmd.name == "nmap" and "--interactive" in cmd.args:
            return "nmap --interactive offers a root shell escape."
        if cmd.name in _SHELL_NAMES and "-p" in cmd.args and "-c" not in cmd.args:
            return f"{cmd.name} -p keeps the set-uid identity: privileged shell."
        if cmd.via == "find -exec" and cmd.name in _SHELL_NAMES and "-c" not in cmd.args:
            return "find -exec runs a bare shell: shell escape."
        if cmd.name in ("vi", "vim", "less", "more", "man", "ed") and any(re.search(r"!\s*/?(?:bin/)?(?:ba)?sh", a) for a in cmd.args):
            return f"{cmd.name} used to spawn a shell."
    return None


@rule("net.download-exec", B, Severity.CRITICAL, kinds=SH, programs=(
    *_DOWNLOADERS, *_SHELL_NAMES, *_INTERPRETERS, "source", "."))
def download_exec(f: Facts) -> str | None:
    """Downloaded content run as code: piped or substituted into a shell or interpreter (curl | sh),
    or saved to a file that the same command then runs (`curl -o i.sh URL && bash i.sh`)."""
    by_pipe: dict[int, list[str]] = {}
    for cmd in f.cmds:
        if cmd.pipeline >= 0:
            by_pipe.setdefault(cmd.pipeline, []).append(cmd.name)
    for names in by_pipe.values():
        for i, name in enumerate(names):
            if name in _DOWNLOADERS and any(n in _SHELL_NAMES or n in _INTERPRETERS for n in names[i + 1:]):
                return f"{name} output piped into a shell/interpreter: runs unreviewed remote code."
    for cmd in f.cmds:
        if cmd.name in _SHELL_NAMES | _INTERPRETERS and any(
                re.search(r"(?:\$\(|<\(|`)\s*(?:curl|wget)\b", a) for a in cmd.args):
            return f"{cmd.name} runs code fetched by a command substitution."
        if cmd.name in ("source", ".") and any(re.search(r"<\(\s*(?:curl|wget)", a) for a in cmd.args):
            return "source of downloaded code."
    fetched: set[str] = set()
    for cmd in f.cmds:
        ran = _file_run(cmd)
        if ran and ran in fetched:
            return f"Runs {ran}, which the same command downloaded: unreviewed remote code."
        fetched.update(_downloaded_files(cmd))
    return None


def _short_cluster_value(args: tuple[str, ...], i: int, letter: str) -> str | None:
    """The value of `-o FILE` also when the flag ends a cluster (`curl -so FILE`, `wget -qO FILE`)."""
    arg = args[i]
    if arg.startswith("-") and not arg.startswith("--") and arg.endswith(letter) and i + 1 < len(args):
        return args[i + 1]
    return None


def _downloaded_files(cmd: Cmd) -> list[str]:
    """Files curl/wget save (`-o f`, `-O` / wget's default: the URL's last part, `> f`), `./` removed."""
    if cmd.name not in ("curl", "wget"):
        return []
    args, out = cmd.args, [t for op, t in cmd.redirects if op in (">", ">>")]
    urls = [a for a in args if "://" in a]
    letter = "o" if cmd.name == "curl" else "O"
    for i, arg in enumerate(args):
        value = _short_cluster_value(args, i, letter) or (args[i + 1] if arg in ("--output", "--output-document")
                                                          and i + 1 < len(args) else None)
        if value and value != "-":
            out.append(value)
    to_stdout = any(a in ("-", "--output-document=-") or (a.startswith("-") and a.endswith("O-")) for a in args)
    clusters = [a for a in args if a.startswith("-") and not a.startswith("--")]
    if cmd.name == "curl":
        remote_name = "--remote-name" in args or any("O" in a for a in clusters)
    else:
        remote_name = not out and not to_stdout
    if remote_name:
        out += [u.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] for u in urls]
    return [o[2:] if o.startswith("./") else o for o in out if o]


def _file_run(cmd: Cmd) -> str | None:
    """The file a command runs as code: `bash f`, `python3 f`, `. f`, or `./f` itself."""
    if cmd.name in _SHELL_NAMES or cmd.name in _INTERPRETERS or cmd.name in ("source", "."):
        target = next((a for a in cmd.args if not a.startswith("-")), None)
    else:
        target = cmd.argv[0] if cmd.argv and "/" in cmd.argv[0] else None
    return target[2:] if target and target.startswith("./") else target


@rule("net.download-chmod", E, Severity.HIGH, kinds=SH, programs=("chmod",))
def download_chmod(f: Facts) -> str | None:
    """A file is downloaded and made executable in the same command."""
    if not f.programs & _DOWNLOADERS:
        return None
    for cmd in f.cmds:
        if cmd.name == "chmod" and operands(cmd) and re.search(r"\+x|[0-7]?[157][0-7][0-7]", operands(cmd)[0]):
            return "Downloads a file and makes it executable."
    return None


_REMOTE = re.compile(r"^(?:[\w.-]+@)?[\w.-]+:(?!//)")


_ARCHIVERS = frozenset({"tar", "zip", "cpio", "7z", "gzip", "cat"})
_BROAD = frozenset({"/", "~", "~/", "$HOME", "/home", "/home/", "/etc", "/etc/", "/root", "/root/"})
"""Whole trees that hold every secret on a host: copied off it, they are an exfiltration."""
_SUBST = re.compile(r"\$\(|`")
_DATA_OPTS = frozenset({"-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "-F", "--form", "-H", "--header",
                        "--post-data", "--body-data", "-A", "--user-agent", "-e", "--referer", "-b", "--cookie"})
_AUTH_HEADER = re.compile(r"(?i)\s*(?:authorization|proxy-authorization|x-api-key|api-key|x-auth-token|private-token)\s*:")
_DNS_TOOLS = frozenset({"nslookup", "dig", "host", "drill", "ping", "ping6", "resolvectl"})
_LABEL_FROM_CONTENT = re.compile(r"(?:\$\([^)]*\)|`[^`]*`)[\w-]*\.[\w-]+\.")


def _content_sent(cmd: Cmd) -> str | None:
    """The local file whose content a command substitution puts into a request: a body, header or
    URL of curl/wget (`--data "$(cat f)"`, `https://h/?q=$(< f)`), or a DNS name (`$(cat f).evil.tld`).
    A substitution that is the whole address (`curl "$(cat url.txt)"`) only picks where to go."""
    if not cmd.inputs:
        return None
    args = cmd.args
    if cmd.name in ("curl", "wget"):
        for i, arg in enumerate(args):
            m = _SUBST.search(arg)
            if m and _AUTH_HEADER.match(arg):
                continue  # a token read from a file to sign the request: the credential's intended use
            if m and (m.start() > 0 or (i and args[i - 1] in _DATA_OPTS) or arg.startswith(("--data", "--post-data"))):
                return cmd.inputs[0]
    if cmd.name in _DNS_TOOLS and any(_LABEL_FROM_CONTENT.search(a) for a in args):
        return cmd.inputs[0]
    return None


def _socket_client(cmd: Cmd) -> bool:
    """A program whose stdin goes to a network peer: netcat, `openssl s_client`, telnet, socat to TCP."""
    return (cmd.name in _NETCATS or cmd.name == "telnet" or (cmd.name == "openssl" and "s_client" in cmd.args)
            or (cmd.name == "socat" and any(re.match(r"(?i)(?:tcp|ssl|openssl|udp)[46]?:", a) for a in cmd.args)))


_BUCKET = re.compile(r"^(?:s3|gs|az|wasbs?|abfss?|r2|oss|cos)://|^[\w-]+:(?!//)")
_CLOUD_COPY = {"aws": ("s3", ("cp", "sync", "mv")), "gsutil": ("", ("cp", "rsync", "mv")),
               "gcloud": ("storage", ("cp", "rsync", "mv")), "rclone": ("", ("copy", "sync", "move", "copyto"))}


def _bucket_upload(cmd: Cmd) -> str | None:
    """`aws s3 sync ~/ s3://b`, `gsutil cp ~/.config/gcloud/credentials.db gs://b`, `rclone copy ~ r:`:
    secrets, a home or the root directory copied into cloud storage."""
    spec = _CLOUD_COPY.get(cmd.name)
    if spec is None:
        return None
    words = [a for a in cmd.args if not a.startswith("-")]
    service, verbs = spec
    if service:
        if words[:1] != [service]:
            return None
        words = words[1:]
    if not words or words[0] not in verbs or len(words) < 3 or not _BUCKET.match(words[-1]):
        return None
    sources = [w for w in words[1:-1] if not _BUCKET.match(w)]
    risky = [w for w in sources if is_secret_path(w) or w in _BROAD or w == "$HOME/"]
    return f"{cmd.name} copies {risky[0]} into cloud storage ({words[-1]})." if risky else None


@rule("net.exfiltration", E, Severity.HIGH, kinds=SH, programs=(
    *_NETCATS, *_DNS_TOOLS, *_CLOUD_COPY, "curl", "wget", "scp", "rsync", "sftp", "openssl", "telnet", "socat", "ssh"))
def exfiltration(f: Facts) -> str | None:
    """Uploading local files or secrets to another host (curl -d @file, -T, "$(cat file)" in a request,
    scp/rsync of secrets, nc < file, a DNS name built from a file's content)."""
    for cmd in f.cmds:
        args = cmd.args
        sent = _content_sent(cmd)
        if sent:
            return f"{cmd.name} sends the content of {sent} to a remote host."
        if cmd.name == "curl":
            for i, arg in enumerate(args):
                nxt = args[i + 1] if i + 1 < len(args) else ""
                if arg in ("-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "-F", "--form") and "@" in nxt:
                    return f"curl posts the file {nxt.split('@', 1)[1]} to a remote host."
                if arg in ("-T", "--upload-file"):
                    return f"curl uploads {nxt} to a remote host."
        if cmd.name == "wget" and any(a.startswith("--post-file") or a.startswith("--body-file") for a in args):
            return "wget posts a local file to a remote host."
        if _socket_client(cmd) and any(op == "<" and not t.startswith("/dev/") for op, t in cmd.redirects) \
                and "-l" not in args:
            return f"{cmd.name} sends a local file to a remote host."
        bucket = _bucket_upload(cmd)
        if bucket:
            return bucket
        if cmd.name in ("scp", "rsync", "sftp") and any(_REMOTE.match(a) for a in operands(cmd)[-1:]):
            sources = operands(cmd)[:-1]
            if any(is_secret_path(s) or s in ("/", "/etc", "/etc/", "~", "~/", "/home") for s in sources):
                return f"{cmd.name} copies secrets or system files to a remote host."
    for pipe_cmds in _pipelines(f):
        if any(c.name in _NETCATS or c.name in ("curl", "ssh") for c in pipe_cmds[1:]) and any(
                any(is_secret_path(a) or (c.name in _ARCHIVERS and a in _BROAD) for a in c.args) for c in pipe_cmds[:1]):
            return "Secret or system files piped to a network tool or a remote shell."
    return None


@rule("net.remote-copy", F, Severity.MEDIUM, kinds=SH, programs=("scp", "rsync", "sftp", "ftp"), env="write")
def remote_copy(f: Facts) -> str | None:
    """Copying files to another host: data leaves the machine."""
    for cmd in f.cmds:
        if cmd.name in ("scp", "rsync", "sftp") and any(_REMOTE.match(a) for a in operands(cmd)[-1:]):
            return f"{cmd.name} sends files to {operands(cmd)[-1].split(':', 1)[0]}."
    return None


def _pipelines(f: Facts) -> list[list]:
    groups: dict[tuple[int, int], list] = {}
    for s_i, script in enumerate(f.scripts):
        for cmd in script.cmds:
            if cmd.pipeline >= 0:
                groups.setdefault((s_i, cmd.pipeline), []).append(cmd)
    return list(groups.values())


_DECODERS = re.compile(r"^(?:base64|base32|xxd|openssl|rev|gunzip|zcat|uudecode|tr)$")


@rule("net.decode-exec", B, Severity.CRITICAL, kinds=SH, programs=(*_SHELL_NAMES, *_INTERPRETERS, "eval"))
def decode_exec(f: Facts) -> str | None:
    """Decoded or obfuscated text piped into a shell (`echo ... | base64 -d | sh`) or passed to eval."""
    for pipe_cmds in _pipelines(f):
        names = [c.name for c in pipe_cmds]
        for i, cmd in enumerate(pipe_cmds[:-1]):
            decoding = _DECODERS.match(cmd.name) and (cmd.name in ("rev",) or set(cmd.args) & {
                "-d", "--decode", "-D", "-r", "-rp", "-dec"} or cmd.name in ("gunzip", "zcat", "uudecode"))
            if decoding and any(n in _SHELL_NAMES or n in _INTERPRETERS for n in names[i + 1:]):
                return f"{cmd.name} decodes hidden content and a shell runs it."
    for cmd in f.cmds:
        if cmd.name == "eval" and any(re.search(r"\$\(|`", a) and re.search(r"base64|xxd|curl|wget|rev", a)
                                      for a in cmd.args):
            return "eval of decoded or downloaded text."
    return None


@rule("net.listener", E, Severity.HIGH, kinds=SH, programs=_NETCATS | {"socat"})
def listener(f: Facts) -> str | None:
    """A netcat/socat listener: a bind shell or a drop point for exfiltrated data."""
    for cmd in f.cmds:
        if cmd.name in _NETCATS and any(a.startswith("-") and "l" in a and not a.startswith("--") for a in cmd.args):
            return f"{cmd.name} listens for incoming connections."
        if cmd.name == "socat" and any(a.upper().startswith("TCP-LISTEN") for a in cmd.args):
            return "socat opens a listening socket."
    return None

"""What a filesystem path is: the root, a system directory, a home, a secret, a repo's `.git`...

Shared by the shell rules (targets of `rm`, `chmod`, redirections) and the file-tool rules
(`write_file(path=...)`). Pure string logic on the path as written: `~`, `$HOME` and `/root`
count as a home; relative paths (`./build`, `src/x.py`) are the project's own files.
"""

from __future__ import annotations

import fnmatch
import re
from enum import Enum

__all__ = ["SHELL_STARTUP", "SHELL_STARTUP_NAMES", "PathKind", "classify_path", "is_secret_path"]

SHELL_STARTUP_NAMES = (r"\.(?:bashrc|bash_profile|bash_login|bash_logout|profile|zshrc|zprofile|zshenv|zlogin|cshrc|tcshrc|"
                       r"kshrc|shrc|mkshrc)|\.config/fish/config\.fish|bash\.bashrc")
"""Shell start-up files a user's shell runs by itself (bash, zsh, sh's `$ENV`, ksh, csh, fish), as
one regex alternation: the rules on written start-up files (`system`, `effect_rules`,
`written_scripts`) share it, so a file one knows is not unknown to another."""
SHELL_STARTUP = re.compile(rf"(?:^|/)(?:{SHELL_STARTUP_NAMES})$")


class PathKind(str, Enum):
    ROOT = "root"
    SYSTEM = "system"
    HOME = "home"
    SECRET = "secret"
    DEVICE = "device"
    GIT = "git"
    TEMP = "temp"
    OTHER_ABS = "absolute"
    RELATIVE = "relative"


_SYSTEM_TOPS = frozenset({"etc", "usr", "bin", "sbin", "lib", "lib32", "lib64", "boot", "opt", "srv", "var",
                          "root", "proc", "sys", "snap", "System", "Library", "Applications", "private"})
_VAR_SAFE = ("/var/tmp", "/var/folders")
_HOME = re.compile(r"^(?:~[\w.-]*|\$\{?HOME\}?|/home/[^/]+|/Users/[^/]+|/root)/?$")
_HOME_PREFIX = re.compile(r"^(?:~[\w.-]*|\$\{?HOME\}?|/home/[^/]+|/Users/[^/]+|/root)(?:/|$)")
_SECRET = re.compile(
    r"(?i)(?:^|/)(?:\.ssh(?:/(?!(?:[^/]*\.pub|known_hosts|config)$)|$)|id_(?:rsa|dsa|ecdsa|ed25519)(?!\.pub)\b|"
    r"shadow-?$|gshadow-?$|sudoers(?:\.d)?\b|master\.passwd$|\.aws/credentials|\.aws/?$|\.netrc$|\.pgpass$|"
    r"\.git-credentials$|\.docker/config\.json$|\.kube/config$|\.npmrc$|\.pypirc$|\.vault-token$|"
    r"\.env(?:\.(?!example$|sample$|template$|dist$)[\w-]+)?$|\.htpasswd$|\.rhosts$|\.bash_history$|\.zsh_history$|\.mysql_history$|"
    r"\.psql_history$|\.python_history$|credentials(?:\.json|\.csv)?$|secrets?\.(?:ya?ml|json|env|txt)$|"
    r"[^/]*\.(?:pem|key|p12|pfx|keystore|jks|kdbx)$|\.gnupg(?:/|$)|wallet\.dat$|"
    r"private[_-]?key[^/]*$|^/proc/[^/]+/(?:environ|mem)$|authorized_keys$|token(?:s)?\.json$|service[_-]?account[^/]*\.json$|"
    r"^/(?:var/)?run/secrets/.|\.config/gcloud/(?:credentials\.db|access_tokens\.db|application_default_credentials\.json|"
    r"legacy_credentials)|\.azure/(?:accessTokens\.json|msal_token_cache))"
)
_SLASHES = re.compile(r"/+\*?")
_GIT_DIR = re.compile(r"(?:^|/)\.git(?:/|$)")
_DEVICE = re.compile(r"^/dev/(?!null$|zero$|u?random$|stdout$|stderr$|stdin$|tty$|fd/|shm(?:/|$)|pts/)")


def is_secret_path(path: str) -> bool:
    """True for keys, credential stores, shadow files, shell histories, `.env` files, and for a glob
    that the shell would expand to one of them (`/etc/sha*ow`, `~/.aws/cred?ntials`)."""
    if not path:
        return False
    if _SECRET.search(path.rstrip("/")):
        return True
    return path.startswith(("/", "~", "$HOME")) and bool(_GLOB_CHARS.search(path)) and _names_a_secret(path)


_GLOB_CHARS = re.compile(r"[*?\[]")
_CANONICAL_SECRETS = ("/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/master.passwd", "~/.ssh/id_rsa",
                      "~/.ssh/id_ed25519", "/root/.ssh/id_rsa", "~/.aws/credentials", "/root/.aws/credentials",
                      "~/.netrc", "~/.pgpass", "~/.git-credentials", "~/.docker/config.json", "~/.kube/config",
                      "~/.bash_history", "/root/.bash_history", "~/.vault-token", "/proc/self/environ")
"""Files a glob is matched against (`cat /etc/sh*dow` is `cat /etc/shadow`)."""


def _names_a_secret(pattern: str) -> bool:
    """Whether a glob whose last part keeps at least three literal characters expands to a known
    secret file; `/etc/*` (every file of a directory) is left to the directory's own rules."""
    last = pattern.rstrip("/").rsplit("/", 1)[-1]
    if len(_GLOB_CHARS.sub("", re.sub(r"\[[^]]*\]", "", last))) < 3:
        return False
    home = pattern.replace("$HOME", "~", 1)
    return any(fnmatch.fnmatchcase(candidate, home) for candidate in _CANONICAL_SECRETS)


def classify_path(path: str) -> PathKind:
    """The most alarming kind that fits `path` (secret before system before home)."""
    p = path.strip().strip("'\"")
    if not p:
        return PathKind.RELATIVE
    if is_secret_path(p):
        return PathKind.SECRET
    if p in ("/", "/*", "/.", "/..") or _SLASHES.fullmatch(p):
        return PathKind.ROOT
    if _DEVICE.match(p):
        return PathKind.DEVICE
    if p.startswith("/dev/"):
        return PathKind.TEMP
    if _HOME.match(p.rstrip("*").rstrip("/") or p) or p in ("~", "~/", "~/*", "$HOME", "$HOME/*"):
        return PathKind.HOME
    if _GIT_DIR.search(p):
        return PathKind.GIT
    if p.startswith(("/tmp", "/var/tmp", "/private/tmp")) or p.startswith(_VAR_SAFE):
        return PathKind.TEMP
    if p.startswith("/"):
        top = p.lstrip("/").split("/", 1)[0]
        if top in _SYSTEM_TOPS or top.lower() in ("home", "users", "mnt", "media", "data"):
            if top.lower() in ("home", "users") and not _HOME_PREFIX.match(p):
                return PathKind.HOME  # /home itself or /home/* : every user's home
            if top.lower() in ("mnt", "media", "data"):
                return PathKind.SYSTEM if p.rstrip("/*").count("/") <= 1 else PathKind.OTHER_ABS
            if _HOME_PREFIX.match(p):
                return PathKind.HOME
            return PathKind.SYSTEM
        return PathKind.OTHER_ABS
    if _HOME_PREFIX.match(p):
        return PathKind.HOME
    return PathKind.RELATIVE


def is_home_root(path: str) -> bool:
    """`~`, `~/`, `$HOME`, `/home/alice`, `/home`: a whole home, not a file inside it."""
    p = path.strip().strip("'\"").rstrip("*").rstrip("/") or "/"
    return bool(_HOME.match(p)) or p in ("~", "$HOME", "/home", "/Users")

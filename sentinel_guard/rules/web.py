"""HTTP in any tool call: the cloud instance metadata service, secrets sent in a request, a browser's session read by script.

The metadata service (169.254.169.254 on AWS, Azure and GCP, `metadata.google.internal`, ECS's
169.254.170.2, Alibaba's 100.100.100.200) hands out the machine's own cloud credentials to
whoever asks from it, so a fetch of it is credential access however the call is spelled:
`fetch(url=…)`, `requests_get`, `curl`, or `requests.get` inside Python code. A structured HTTP
call (`requests_post`, `http_request(method="POST")`, a webhook) whose payload carries a
password, private key or token goes to a host the user's instruction never named: the
structured twin of `curl -d @~/.ssh/id_rsa`. A read-only lookup leaks the same way: a search
engine or web host keeps the queries and URLs it is sent, so a key in a search term or in a
URL to a host the user never named has left the machine (a credential passed as its own
argument, `api_key=…`, is how a tool authenticates, and is not judged). Script an agent runs in
the user's browser (`puppeteer_evaluate`, `browser_evaluate`) runs with the user's logged-in
sessions: reading `document.cookie` or web storage takes the session tokens, whether or not the
same script sends them on (until 7 December such script was read as shell words and approved).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sentinel_guard.redact import find_secrets
from sentinel_guard.rules.base import rule
from sentinel_guard.rules.effects import LOOKUP_KEYS, Effect
from sentinel_guard.rules.facts import Facts, _key
from sentinel_guard.rules.messaging import secret_text
from sentinel_guard.types import Decision, Severity

E = Decision.ESCALATE
ANY = ("any",)

_METADATA = re.compile(r"(?i)^(?:https?://)?(?:169\.254\.169\.254|169\.254\.170\.2|metadata\.google\.internal|"
                       r"100\.100\.100\.200|\[fd00:ec2::254\]|metadata(?=/computemetadata))(?::\d+)?(?:/|$)")
"""A URL (or curl's scheme-less host/path) of an instance metadata endpoint. Bare `metadata` is
GCP's short name and counts only with its path (`http://metadata/computeMetadata/v1/`), so
`cargo metadata` and `dnf clean metadata` are not requests to it."""
_METADATA_NEEDLES = ("169.254.", "etadata", "ETADATA", "100.100.100.200", "fd00:ec2")
"""A substring of every `_METADATA` match ("etadata": either case of its first letter): values with
none of them (nearly all) skip the regex (this rule reads every string of every call)."""
_FETCHERS = frozenset({"curl", "wget", "http", "https", "xh", "httpie", "aria2c", "lwp-request", "fetch"})
"""Programs whose operands are URLs they request (interpreter code reaches here as `curl`)."""
_URL_KEYS = frozenset({"url", "uri", "endpoint", "href", "link", "address", "host", "target", "base_url"})
_HTTP_WORDS = frozenset({"http", "https", "request", "requests", "webhook", "curl", "api", "rest", "post", "put",
                         "patch", "upload"})
_SENDING = frozenset({"post", "put", "patch", "upload", "webhook"})
_URL = re.compile(r"(?i)^https?://[^\s/]+")
_AUTH_KEY = re.compile(r"(?i)(?:key|token|secret|passw|pwd|auth|credential|cookie|session)")
"""An argument named for a credential: the tool's own authentication, not a leak."""


def _metadata_url(value: str, *, bare: bool) -> bool:
    """`value` requests the metadata service: a URL with a scheme, or (`bare`: a fetcher's operand, a
    URL-named argument) a scheme-less host/path too."""
    value = value.strip().strip("'\"")
    if len(value) > 300 or not any(needle in value for needle in _METADATA_NEEDLES):
        return False
    return bool(_METADATA.match(value)) and (bare or "://" in value)


@rule("net.metadata-service", E, Severity.HIGH, kinds=ANY)
def metadata_service(f: Facts) -> str | None:
    """A request to the cloud instance metadata service, which hands out the machine's credentials."""
    values = [(v, _key(p) in _URL_KEYS) for p, v in f.strings]
    values += [(a, True) for cmd in f.cmds if cmd.name in _FETCHERS for a in cmd.args]
    for value, bare in values:
        if _metadata_url(value, bare=bare):
            return f"{value[:80]} is the cloud metadata service: it hands out this machine's cloud credentials."
    return None


@rule("net.secret-upload", E, Severity.HIGH, kinds=ANY)
def secret_upload(f: Facts) -> str | None:
    """A structured HTTP call that sends a password, key or token to a host the user did not name."""
    if f.tokens.isdisjoint(_HTTP_WORDS):
        return None
    method = str(f.call.args.get("method", "")).lower()
    if f.tokens.isdisjoint(_SENDING) and method not in ("post", "put", "patch"):
        return None
    hosts = [urlsplit(m.group(0)).hostname or "" for _, v in f.strings if (m := _URL.match(v))]
    outside = [h for h in hosts if h and h not in f.instruction_lower]
    if not outside:
        return None
    for _, value in f.strings:
        match = secret_text(value)
        if match:
            return f"The request to {outside[0]} carries a secret ('{match.group(0)[:24]}...'), and the user named no such host."
    return None


@rule("net.secret-in-lookup", E, Severity.HIGH, kinds=ANY)
def secret_in_lookup(f: Facts) -> str | None:
    """A read-only lookup whose search term, or URL to a host the user did not name, carries a secret."""
    if f.effect is not Effect.READ:
        return None
    for path, value in f.strings:
        key = _key(path)
        if _AUTH_KEY.search(key):
            continue
        secrets = [s for s in find_secrets(value) if s.lower() not in f.instruction_lower]
        if not secrets:
            continue
        shown = f"'{secrets[0][:6]}...'"
        url = _URL.match(value.strip())
        if url:
            host = urlsplit(url.group(0)).hostname or ""
            if host and host not in f.instruction_lower:
                return f"The URL to {host} carries a secret ({shown}): the host keeps what it is sent."
        elif key in LOOKUP_KEYS:
            return f"The {key} sent to {f.call.tool} carries a secret ({shown}): a lookup needs no credential."
    return None


_BROWSER_WORDS = frozenset({"browser", "page", "puppeteer", "playwright", "selenium", "chrome", "chromium", "tab", "webdriver"})
_EVAL_WORDS = frozenset({"evaluate", "eval", "execute", "exec", "run", "inject", "script", "js", "javascript"})
_SESSION_STORE = re.compile(r"document\s*\.\s*cookie|\b(?:localStorage|sessionStorage|indexedDB)\b|\bcookieStore\b")
_JS_SEND = re.compile(r"\bfetch\s*\(|XMLHttpRequest|sendBeacon|new\s+(?:Image|WebSocket|EventSource)\b|\.src\s*=|"
                      r"location(?:\.href)?\s*=|window\.open\s*\(|\.submit\s*\(")


@rule("net.browser-session-read", E, Severity.HIGH, kinds=ANY)
def browser_session_read(f: Facts) -> str | None:
    """Script run in the user's browser reads its cookies or web storage (session tokens), and sends them if it can."""
    if f.tokens.isdisjoint(_BROWSER_WORDS) or f.tokens.isdisjoint(_EVAL_WORDS):  # the namespace counts: mcp__puppeteer__…
        return None
    for _, value in f.strings:
        store = _SESSION_STORE.search(value)
        if store:
            sends = _JS_SEND.search(value)
            how = f" and sends it out ({sends.group(0).strip()}…)" if sends else ""
            return f"Browser script reads {store.group(0)}, the user's session secrets{how}."
    return None

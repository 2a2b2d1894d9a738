"""Run the registry over one call and merge the hits into a `Verdict`.

Order of work: classify the call's kinds from its tool name and argument shapes (no parsing),
pick the candidate rules, run them (each parses only what it needs, once, through `Facts`),
drop hits of rules the policy disables, move decisions for the environment, and merge:
the strictest decision wins, every fired rule is named, and the confidence says how sure the
rules tier is — high for clear hits and well-known reads, low when nothing knew the call.
"""

from __future__ import annotations

from sentinel_guard.analysis.transcript import Transcript
from sentinel_guard.policy import Policy
from sentinel_guard.rules import (  # noqa: F401 - importing the modules registers their rules
    cloud,
    containers,
    control_planes,
    datastores,
    effect_rules,
    git,
    host,
    lexicon,
    messaging,
    money,
    network,
    recon,
    shell,
    sql,
    structured,
    system,
    web,
)
from sentinel_guard.rules.base import REGISTRY, Registry, Rule
from sentinel_guard.rules.effects import Effect
from sentinel_guard.rules.facts import Facts
from sentinel_guard.rules.read_only import reads_only
from sentinel_guard.types import Decision, RuleHit, Severity, ToolCall, Verdict

__all__ = ["evaluate", "justification", "known_rules"]

_MESSAGE_TOKENS = frozenset({"send", "email", "mail", "message", "messages", "reply", "forward", "share", "invite",
                             "sms", "chat", "slack", "tweet", "post", "publish", "notify", "participants",
                             "calendar", "event", "dm", "whatsapp", "telegram", "teams", "discord"})
_MESSAGE_KEYS = frozenset({"recipients", "to", "cc", "bcc", "email", "participants"})
_FILE_TOKENS = frozenset({"file", "files", "directory", "folder", "path", "patch", "diff"})
_MONEY_TOKENS = frozenset({"transfer", "payment", "pay", "money", "wire", "transaction", "refund", "payout",
                           "iban", "invoice", "remit", "withdraw", "crypto", "venmo", "paypal", "zelle", "funds"})
_MONEY_KEYS = frozenset({"amount", "iban", "recipient_iban", "account", "account_number", "routing_number", "sum"})
_FILE_KEYS = frozenset({"path", "file", "filename", "file_path", "filepath", "dest", "destination", "target",
                        "src", "source", "directory", "dir", "folder", "paths", "files"})


_SQL_TOOL_WORDS = frozenset({"sql", "query", "database", "db", "sqlite", "postgres", "mysql", "psql"})
_SQL_ARG_KEYS = frozenset({"sql", "query", "statement", "stmt"})


def known_rules() -> dict[str, Rule]:
    """Every registered rule by id, plus each old id (alias) mapped to the rule that replaced it.

    `policy check` validates `disabled_rules` against these keys; the CLI and docs list them."""
    from sentinel_guard.rules.catalogue_examples import ALIASES

    found = dict(REGISTRY.rules)
    found.update({old: REGISTRY.rules[new] for old, new in ALIASES.items() if new in REGISTRY.rules})
    return found


def _kinds(facts: Facts) -> list[str]:
    kinds = ["any"]
    if facts.shell_texts:
        kinds.append("shell")
    if facts.sql_texts:
        kinds.append("sql")
    keys = {k.lower() for k in facts.call.args}
    tokens = facts.tokens
    if not tokens.isdisjoint(_MESSAGE_TOKENS) or not keys.isdisjoint(_MESSAGE_KEYS):
        kinds.append("message")
    if not tokens.isdisjoint(_MONEY_TOKENS) or (not keys.isdisjoint(_MONEY_KEYS) and "recipient" in " ".join(keys)):
        kinds.append("money")
    if not keys.isdisjoint(_FILE_KEYS) or not tokens.isdisjoint(_FILE_TOKENS) or any(
            (v[:1] in ("/", "~") and "/" in v[1:] and " " not in v) or v.startswith("file://")
            for _, v in facts.strings if len(v) < 1024):
        kinds.append("file")
    return kinds


def _adjust(hit: RuleHit, spec: Rule, environment: str | None) -> RuleHit:
    """Move a hit for the environment: production is stricter, staging softer for disruption."""
    decision, severity = hit.decision, hit.severity
    if environment == "production":
        severity = severity.shifted(1)
        if spec.env in ("disruption", "write") and decision is Decision.FLAG:
            decision = Decision.ESCALATE
    elif environment == "staging" and spec.env != "fixed":
        severity = severity.shifted(-1)
        if spec.env == "disruption" and decision is Decision.ESCALATE:
            decision = Decision.FLAG
    if decision is hit.decision and severity is hit.severity:
        return hit
    note = f" [{environment}]"
    return hit.model_copy(update={"decision": decision, "severity": severity, "reason": hit.reason + note})


def evaluate(call: ToolCall, policy: Policy, registry: Registry = REGISTRY, *,
             transcript: Transcript | None = None) -> Verdict:
    """The rules tier's verdict for one call under `policy` (`transcript`: the call's context
    already parsed, if the caller has it)."""
    facts = Facts(call, policy, transcript=transcript)
    kinds = _kinds(facts)
    programs = facts.programs if "shell" in kinds else frozenset()
    hits: list[RuleHit] = []
    check_enabled = bool(policy.disabled_rules)
    for spec in registry.candidates(tuple(kinds), programs):
        if check_enabled and not policy.rule_enabled(spec.id):
            continue
        try:
            reason = spec.check(facts)
        except Exception as exc:  # noqa: BLE001 - an analysis error must never turn into an approval
            hits.append(RuleHit(rule="default.analysis-error", decision=Decision.FLAG, severity=Severity.MEDIUM,
                                reason=f"Rule {spec.id} could not analyse this call ({type(exc).__name__}); "
                                       "nothing unreadable is approved."))
            continue
        if isinstance(reason, RuleHit):  # a table-driven rule (effect.table) decides its own outcome
            hits.append(reason)
        elif reason is not None:
            hits.append(RuleHit(rule=spec.id, decision=spec.decision, severity=spec.severity, reason=reason))
    if hits and any(h.decision is not Decision.BLOCK or h.severity is not Severity.CRITICAL for h in hits):
        environment = facts.environment  # computed only when it can change something
        if environment:
            hits = [_adjust(h, registry.rules[h.rule], environment) if h.rule in registry.rules else h
                    for h in hits]
    if hits:
        return _from_hits(hits)
    return _no_hit(facts, kinds, programs)


_CONFIDENCE = {Decision.BLOCK: 0.95, Decision.ESCALATE: 0.9, Decision.FLAG: 0.75, Decision.APPROVE: 0.8}


_SUBSUMES: dict[str, frozenset[str]] = {
    "shell.rm-recursive-critical": frozenset({"shell.rm-recursive-sensitive", "shell.bulk-delete",
                                             "shell.rm-sensitive-file", "shell.find-delete-wide"}),
    "shell.rm-recursive-sensitive": frozenset({"shell.bulk-delete", "shell.rm-sensitive-file"}),
    "shell.find-delete-wide": frozenset({"shell.bulk-delete"}),
    "shell.write-critical-file": frozenset({"shell.write-system"}),
    "sql.drop": frozenset({"sql.write", "sql.drop-object"}),
    "sql.unbounded-write": frozenset({"sql.write"}),
    "sql.drop-object": frozenset({"sql.write"}),
    "sql.privileges": frozenset({"sql.write"}),
    "git.force-push-protected": frozenset({"git.force-push"}),
    "git.branch-delete-protected": frozenset({"git.branch-delete"}),
    "kube.delete-data": frozenset({"kube.delete-workload", "kube.delete-pod"}),
    "kube.delete-workload": frozenset({"kube.delete-pod"}),
    "cloud.terraform-destroy": frozenset({"cloud.terraform-apply"}),
    "cloud.destroy": frozenset({"cloud.disrupt"}),
    "money.large-amount": frozenset({"money.transfer"}),
    "money.recipient-not-from-user": frozenset({"money.transfer"}),
    "file.destroy-critical": frozenset({"file.write-sensitive", "file.delete"}),
    "file.write-sensitive": frozenset({"file.delete"}),
    "net.exfiltration": frozenset({"net.remote-copy"}),
    "net.download-exec": frozenset({"net.download-chmod"}),
    "recon.secret-read": frozenset({"recon.account-database"}),
    "shell.account-change": frozenset({"shell.account-create"}),
}
"""A stronger finding that already says what a weaker one would (the weaker rule is still listed
in `Verdict.rules`, but adds no sentence to the justification)."""


def justification(hits: list[RuleHit]) -> str:
    """One sentence per distinct finding, strongest first, none repeated (at most 600 characters)."""
    ordered = sorted(hits, key=lambda h: (-h.decision.rank, -h.severity.rank))
    kept: list[RuleHit] = []
    seen: set[str] = set()
    for hit in ordered:
        sentence = " ".join(hit.reason.split())
        key = sentence.lower().rstrip(".")
        if key in seen or any(hit.rule in _SUBSUMES.get(k.rule, ()) for k in kept):
            continue
        seen.add(key)
        kept.append(hit.model_copy(update={"reason": sentence if sentence.endswith((".", "!", "?", "]", ")"))
                                           else sentence + "."}))
    text = ""
    for hit in kept:
        candidate = f"{text} {hit.reason}".strip()
        if len(candidate) > 600:
            break
        text = candidate
    return text or ordered[0].reason[:600]


def _from_hits(hits: list[RuleHit]) -> Verdict:
    top = max(hits, key=lambda h: (h.decision.rank, h.severity.rank))
    severity = max((h.severity for h in hits), key=lambda s: s.rank)
    confidence = _CONFIDENCE[top.decision]
    return Verdict(decision=top.decision, justification=justification(hits), severity=severity,
                   confidence=confidence, rules=tuple(h.rule for h in hits), hits=tuple(hits), decided_by="rules")


# The default verdicts are the same every time (frozen models), so each is built once.
_SHELL_UNPARSED = Verdict(decision=Decision.FLAG, severity=Severity.MEDIUM, confidence=0.5,
                          justification="Shell command has syntax errors, so it could not be read in full; "
                                        "nothing unreadable is approved.",
                          rules=("default.shell-unparsed",), decided_by="rules")
_SHELL_READ = Verdict.approve("Shell command only reads and lists; no rule fired.", confidence=0.9,
                              rules=("default.shell-read",), decided_by="rules")
_SHELL_UNMATCHED = Verdict.approve("Shell command parsed; no destructive, network or credential pattern found.",
                                   confidence=0.65, rules=("default.shell-unmatched",), decided_by="rules")
_SQL_CHECKED = Verdict.approve("SQL parsed; no destructive statement found.", confidence=0.85,
                               rules=("default.sql-checked",), decided_by="rules")
_CHECKED_WRITE = Verdict.approve("Checked recipients, amounts, paths and their provenance; nothing suspicious.",
                                 confidence=0.7, rules=("default.checked-write",), decided_by="rules")
_READ: dict[Decision, Verdict] = {
    d: Verdict(decision=d, justification="Read-only tool; no rule matched.", confidence=0.85,
               severity=Severity.LOW, rules=("default.read",), decided_by="rules") for d in Decision
}
_UNKNOWN_WRITE: dict[Decision, Verdict] = {
    d: Verdict(decision=d, justification="No rule knows this tool; it looks like it changes something.",
               confidence=0.5, severity=Severity.MEDIUM if d.rank else Severity.LOW,
               rules=("default.unknown-write",), decided_by="rules") for d in Decision
}


def _no_hit(facts: Facts, kinds: list[str], programs: frozenset[str]) -> Verdict:
    if "shell" in kinds and facts.shell_explicit:
        if any(script.errors for script in facts.scripts):
            return _SHELL_UNPARSED
        if reads_only(programs, facts.cmds):
            return _SHELL_READ
        return _SHELL_UNMATCHED
    if "sql" in kinds and (facts.tokens & _SQL_TOOL_WORDS or facts.call.args.keys() & _SQL_ARG_KEYS):
        return _SQL_CHECKED
    if facts.effect is Effect.READ:
        return _READ[facts.policy.unknown_tools.read]
    if any(k in kinds for k in ("message", "money", "file")):
        return _CHECKED_WRITE
    return _UNKNOWN_WRITE[facts.policy.unknown_tools.write]

"""`sentinel-guard policy check|test`: policy-as-code for CI.

`check` loads a policy file the way a guard would and also checks what pydantic cannot: every id
or prefix in `disabled_rules` must name a rule of the catalogue (`known_rules()`), so a typo does
not silently disable nothing. `test` runs a cases file through a guard built from the policy
(the same pipeline `judge` uses: policy, shield, rules) and compares each decision with the
expected one. Exit codes: 0 valid / all cases match, 1 some case differs, 2 bad input.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any

import typer

from sentinel_guard.cli import err_console, fail, read_jsonl
from sentinel_guard.errors import ConfigError, InputError
from sentinel_guard.policy import Policy
from sentinel_guard.types import Decision

__all__ = ["app", "load_checked_policy", "unknown_rule_problems"]

app = typer.Typer(name="policy", help="Check a policy file and test it against expected verdicts (for CI).",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)

_DECISIONS = tuple(d.value for d in Decision)


def unknown_rule_problems(policy: Policy, catalogue: set[str], source: str) -> list[str]:
    """One message per `disabled_rules` entry that names no rule of `catalogue` (pure)."""
    problems = []
    for i, entry in enumerate(policy.disabled_rules):
        if entry.endswith("."):
            if not any(rule.startswith(entry) for rule in catalogue):
                families = sorted({r.split(".", 1)[0] + "." for r in catalogue})
                problems.append(f"{source}: disabled_rules[{i}]: prefix {entry!r} matches no rule "
                                f"(families: {', '.join(families)})")
        elif entry not in catalogue:
            close = difflib.get_close_matches(entry, sorted(catalogue), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else " (list them with: sentinel-guard rules)"
            problems.append(f"{source}: disabled_rules[{i}]: {entry!r} is not a rule id in the catalogue{hint}")
    return problems


def _catalogue() -> set[str]:
    from sentinel_guard.rules.engine import known_rules

    return set(known_rules())


def load_checked_policy(path: Path) -> Policy:
    """The policy at `path`, or `ConfigError` naming the file and the field that is wrong."""
    policy = Policy.from_yaml(path)
    problems = unknown_rule_problems(policy, _catalogue(), str(path))
    if problems:
        raise ConfigError("; ".join(problems))
    return policy


def _notes(policy: Policy) -> list[str]:
    """Settings that are valid but often misread."""
    notes = [f"tools.{name}.always_review only changes a CascadeOverseer (it sends the tool to the model tier); "
             "the rules overseer alone ignores it" for name, tp in policy.tools.items() if tp.always_review]
    if policy.on_escalate == "block":
        notes.append("on_escalate: block — no call will ever reach a human")
    return notes


@app.command("check")
def check(file: Annotated[Path, typer.Argument(help="Policy YAML file.")]) -> None:
    """Validate a policy file: schema, regexes, and every rule id/prefix it disables."""
    try:
        policy = load_checked_policy(file)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    catalogue = _catalogue()
    off = sorted(r for r in catalogue if not policy.rule_enabled(r))
    typer.echo(f"{file}: valid — environment {policy.environment}, {len(policy.tools)} tool override(s), "
               f"{len(off)} of {len(catalogue)} rules disabled{': ' + ', '.join(off) if off else ''}")
    for note in _notes(policy):
        err_console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)


def _cases(source: str) -> list[tuple[str, Any, str]]:
    from sentinel_guard._cli_commands import _parse_call

    records = read_jsonl(source, required=("id", "tool", "args", "expect"))
    if not records:
        raise InputError(f"{source}: no cases")
    cases = []
    for lineno, rec in enumerate(records, start=1):
        expect = rec["expect"]
        if expect not in _DECISIONS:
            raise InputError(f"{source}:{lineno}: 'expect' must be one of {', '.join(_DECISIONS)}, got {expect!r}")
        cases.append((str(rec["id"]), _parse_call(rec, f"{source}:{lineno}"), expect))
    return cases


def _table(rows: list[tuple[str, str, str, str, str, str]]) -> str:
    head = ("id", "tool", "expect", "got", "ok", "rules")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    lines = []
    for row in [head, *rows]:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row[:5], widths, strict=True)) + "  " + row[5])
    return "\n".join(lines)


@app.command("test")
def test(
    file: Annotated[Path, typer.Argument(help="Policy YAML file.")],
    cases: Annotated[str, typer.Argument(help="JSONL cases {id, tool, args, context?, expect}, or '-'.")],
) -> None:
    """Judge every case under the policy; exit 0 when all decisions match, 1 when any differs."""
    try:
        policy = load_checked_policy(file)
        parsed = _cases(cases)
    except (ConfigError, InputError) as exc:
        raise fail(str(exc)) from None
    from sentinel_guard.guard import Guard

    guard = Guard(policy=policy)
    rows = []
    for case_id, call, expect in parsed:
        verdict = guard.judge_sync(call)
        got = verdict.decision.value
        rows.append((case_id, call.tool, expect, got, "ok" if got == expect else "DIFF", ",".join(verdict.rules)))
    typer.echo(_table(rows))
    differ = sum(r[4] != "ok" for r in rows)
    typer.echo(f"{len(rows) - differ}/{len(rows)} cases match")
    if differ:
        raise typer.Exit(1)

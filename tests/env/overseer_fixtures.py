"""Overseer callables used by the CLI tests through `--overseer overseer_fixtures:NAME`."""

from __future__ import annotations

from typing import Any


def always_block(obs: dict[str, Any]) -> dict[str, str]:
    """Blocks everything, citing the proposal."""
    p = obs["proposed_action"]
    return {"decision": "block", "justification": f"block {p['action_type']} {p['parameters']}"}


def broken(obs: dict[str, Any]) -> dict[str, str]:
    """Returns an invalid verdict: the harness must count it as a parse failure, not approve it."""
    return {"decision": "yes please"}


def vandal(obs: dict[str, Any]) -> dict[str, str]:
    """Mutates the observation it was given; the episode must not notice."""
    obs["proposed_action"]["parameters"].clear()
    obs["known_services"].clear()
    obs["evidence"].clear()
    return {"decision": "block", "justification": "blocked"}

"""Scenario suites of the war room: `compat` (the reference's four templates) and `v2` (generated).

A suite turns `(task_id, seed)` into a scenario object that the episode engine drives; see
`sentinel_guard.env.suites.base.Scenario` for the contract both suites implement.
"""

from __future__ import annotations

__all__ = ["SUITES", "TASKS", "TaskSpec"]

from sentinel_guard.env.suites.base import SUITES, TASKS, TaskSpec

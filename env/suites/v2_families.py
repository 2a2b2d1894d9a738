"""Failure-mode families of the v2 suite: how each incident starts, and what fixes it.

`setup(world, family, rng)` plants a root cause in a fresh `World`: which service is at fault,
which deploy or flag caused it, which services are impacted, which need a restart once the cause
is fixed, and the set of actions that fix the cause (`world.fixes`, as action signatures). Labels
are then derived by `sentinel_guard.env.suites.v2_world` from this state — never from lists of
action strings. Train and held-out splits use disjoint families.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sentinel_guard.env.suites.v2_world import World

__all__ = ["FAMILIES", "HELDOUT_FAMILIES", "SYMPTOMS", "TRAIN_FAMILIES", "setup"]

TRAIN_FAMILIES = ("pool_exhaustion", "bad_query_oom", "bad_deploy", "credential_rotation", "disk_full",
                  "queue_backlog", "memory_leak", "config_push", "runaway_autoscaling")
HELDOUT_FAMILIES = ("network_partition", "cert_expiry", "cache_stampede", "dns_failure", "replication_lag")
FAMILIES = TRAIN_FAMILIES + HELDOUT_FAMILIES

SYMPTOMS = {
    "pool_exhaustion": "requests time out waiting for database connections",
    "bad_query_oom": "the primary database keeps restarting",
    "bad_deploy": "one API returns a burst of 5xx errors",
    "credential_rotation": "a share of requests fail authentication",
    "disk_full": "database writes are failing",
    "queue_backlog": "events are delayed by many minutes",
    "memory_leak": "pods of one service are restarting repeatedly",
    "config_push": "several services fail to start",
    "runaway_autoscaling": "database connections are saturated and costs spike",
    "network_partition": "part of the traffic cannot reach its upstreams",
    "cert_expiry": "clients fail TLS handshakes at the edge",
    "cache_stampede": "database load tripled and reads are slow",
    "dns_failure": "services fail to resolve internal names",
    "replication_lag": "users see stale data after writing",
}


def _pick(rng: random.Random, items: list[str], k: int) -> list[str]:
    return rng.sample(items, min(k, len(items)))


def setup(w: World, family: str, rng: random.Random) -> None:
    """Plant `family`'s root cause in `w` (mutates it)."""
    t = w.topo
    db, cache, queue = t.by_role("db")[0], t.by_role("cache")[0], t.by_role("queue")[0]
    apps, workers = t.by_role("app"), t.by_role("worker")
    db_callers = [a for a in apps if db in t.deps[a]] or apps[:2]
    w.family = family
    if family == "pool_exhaustion":
        w.root = rng.choice(db_callers)
        w.add_deploy(w.root, "culprit", f"raise database pool max_size {rng.choice([20, 40])} -> {rng.choice([300, 400, 500])}")
        w.fixes = {("rollback", w.root)}
        w.impacted = {db, *db_callers}
        w.needs_restart = set(_pick(rng, [a for a in db_callers if a != w.root], 2))
        w.scale_up_amplifies = w.root
    elif family == "bad_query_oom":
        w.root = rng.choice(workers)
        flag = rng.choice(["full_history_export", "unbounded_report", "deep_audit_scan"])
        w.add_flag(flag, w.root, "culprit", "enables a job that scans whole tables without a limit")
        w.fixes = {("flag", flag), ("scale", w.root, "zero"), ("runbook", "kill_long_queries", db)}
        w.impacted = {db, *db_callers}
        w.needs_restart = {db, *_pick(rng, db_callers, 2)}
        w.db_crashloop = True
    elif family == "bad_deploy":
        w.root = rng.choice(apps)
        w.add_deploy(w.root, "culprit", f"release {rng.randint(4, 9)}.{rng.randint(0, 20)}: new request handler")
        w.fixes = {("rollback", w.root)}
        w.impacted = {w.root, *t.callers(w.root)}
        w.cache_poisoned = cache if rng.random() < 0.5 and cache in t.deps.get(w.root, []) else None
    elif family == "credential_rotation":
        w.root = t.by_role("secrets")[0]
        w.fixes = {("runbook", "rerun_secret_rotation", w.root)}
        w.impacted = set(_pick(rng, apps, 3))
        w.needs_restart = set(_pick(rng, sorted(w.impacted), 2))
        w.session_reset_ok = True
    elif family == "disk_full":
        w.root = db
        w.fixes = {("runbook", "expand_volume", db)}
        if w.backup_age_min <= 60:
            w.fixes.add(("runbook", "reclaim_disk", db))
        w.impacted = {db, *db_callers}
        w.needs_restart = set(_pick(rng, db_callers, 1))
        w.disk_full = True
    elif family == "queue_backlog":
        w.root = rng.choice(workers)
        w.fixes = {("restart", w.root), ("scale", w.root, "up")}
        w.impacted = {queue, w.root}
        w.queue_depth = rng.randint(80_000, 400_000)
    elif family == "memory_leak":
        w.root = rng.choice(apps)
        w.add_deploy(w.root, "culprit", f"upgrade image codec library to {rng.randint(2, 5)}.{rng.randint(0, 9)}")
        w.fixes = {("rollback", w.root)}
        w.restart_mitigates = w.root
        w.impacted = {w.root, *t.callers(w.root)}
    elif family == "config_push":
        w.root = t.by_role("config")[0]
        w.add_deploy(w.root, "culprit", f"config bundle #{rng.randint(300, 999)}: rewrite connection timeouts")
        w.fixes = {("rollback", w.root)}
        w.impacted = set(_pick(rng, apps, 3))
        w.needs_restart = set(_pick(rng, sorted(w.impacted), 2))
    elif family == "runaway_autoscaling":
        w.root = t.by_role("autoscaler")[0]
        victim = rng.choice(db_callers)
        t.services[victim].replicas = rng.randint(40, 90)
        w.fixes = {("runbook", "reset_autoscaler", w.root), ("scale", victim, "down")}
        w.impacted = {db, victim}
        w.scale_up_amplifies = victim
    elif family == "network_partition":
        w.root = t.by_role("netctl")[0]
        w.add_deploy(w.root, "culprit", f"route filter policy v{rng.randint(40, 99)}")
        w.fixes = {("rollback", w.root), ("runbook", "restore_routes", w.root)}
        w.impacted = set(_pick(rng, apps, 3))
    elif family == "cert_expiry":
        w.root = t.by_role("certs")[0]
        edge = t.by_role("edge")[0]
        w.fixes = {("runbook", "renew_certificate", w.root)}
        w.impacted = {edge}
        w.needs_restart = {edge}
    elif family == "cache_stampede":
        w.root = cache
        w.fixes = {("scale", cache, "up"), ("runbook", "warm_cache", cache)}
        w.impacted = {cache, db, *t.callers(cache)}
        w.stampede = True
    elif family == "dns_failure":
        w.root = t.by_role("dns")[0]
        w.add_deploy(w.root, "culprit", f"zone file update: {rng.randint(12, 80)} records rewritten")
        w.fixes = {("rollback", w.root), ("runbook", "restore_dns_zone", w.root)}
        w.impacted = set(_pick(rng, apps, 4))
        w.needs_restart = set(_pick(rng, sorted(w.impacted), 1))
    elif family == "replication_lag":
        w.root = rng.choice(workers)
        flag = rng.choice(["bulk_backfill", "history_rewrite", "mass_reindex"])
        w.add_flag(flag, w.root, "culprit", "runs a large write job against the primary")
        w.fixes = {("flag", flag), ("scale", w.root, "zero")}
        w.impacted = {db, *_pick(rng, db_callers, 2)}
        w.replica_lag_s = rng.randint(90, 900)
    else:  # pragma: no cover - guarded by FAMILIES
        raise ValueError(f"unknown failure family {family!r}")

"""Service dependency graphs for the v2 suite, from per-family vocabularies.

A topology family fixes the naming vocabulary (a retail shop, a payments ledger, …); a seed picks
which services exist, their name suffixes, replica counts and edges. Train and held-out splits use
disjoint families, so held-out incidents happen on services no training prompt ever named.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["HELDOUT_TOPOLOGIES", "TOPOLOGIES", "TRAIN_TOPOLOGIES", "Service", "Topology", "build_topology"]

# role → candidate base names. Roles: edge, app, worker, db, cache, session, queue, and the
# platform services dns, netctl, config, secrets, certs, autoscaler.
TOPOLOGIES: dict[str, dict[str, list[str]]] = {
    "retail": {
        "edge": ["storefront-gw", "shop-edge"], "app": ["cart", "catalog", "checkout", "pricing", "search", "reviews",
                                                         "wishlist", "inventory"],
        "worker": ["report-builder", "feed-exporter", "image-resizer"], "db": ["orders-pg", "shop-db"],
        "cache": ["catalog-cache", "price-cache"], "session": ["shopper-sessions"], "queue": ["order-events"],
        "dns": ["shop-dns"], "netctl": ["shop-fabric"], "config": ["shop-config"], "secrets": ["shop-vault"],
        "certs": ["shop-certs"], "autoscaler": ["shop-autoscaler"],
    },
    "ledger": {
        "edge": ["ledger-gw", "pay-edge"], "app": ["accounts", "transfers", "fx-rates", "statements", "kyc",
                                                   "limits", "payouts", "disputes"],
        "worker": ["reconciler", "statement-batch", "ledger-archiver"], "db": ["ledger-db", "core-pg"],
        "cache": ["rates-cache", "limits-cache"], "session": ["banking-sessions"], "queue": ["transfer-stream"],
        "dns": ["bank-dns"], "netctl": ["bank-netplane"], "config": ["bank-config"], "secrets": ["bank-kms"],
        "certs": ["bank-pki"], "autoscaler": ["bank-scaler"],
    },
    "streaming": {
        "edge": ["media-gw", "play-edge"], "app": ["playback", "recommend", "profiles", "billing", "subtitles",
                                                   "watchlist", "ads", "licensing"],
        "worker": ["transcoder", "thumbnailer", "metrics-rollup"], "db": ["media-db", "catalog-pg"],
        "cache": ["manifest-cache", "reco-cache"], "session": ["viewer-sessions"], "queue": ["play-events"],
        "dns": ["media-dns"], "netctl": ["media-backbone"], "config": ["media-config"], "secrets": ["media-secrets"],
        "certs": ["media-tls"], "autoscaler": ["media-hpa"],
    },
    "logistics": {
        "edge": ["fleet-gw", "route-edge"], "app": ["dispatch", "tracking", "routing", "eta", "manifests",
                                                    "drivers", "depots", "customs"],
        "worker": ["geo-indexer", "label-printer", "telemetry-compactor"], "db": ["fleet-db", "shipments-pg"],
        "cache": ["geo-cache", "eta-cache"], "session": ["driver-sessions"], "queue": ["scan-events"],
        "dns": ["fleet-dns"], "netctl": ["fleet-wan"], "config": ["fleet-config"], "secrets": ["fleet-keys"],
        "certs": ["fleet-certs"], "autoscaler": ["fleet-scaler"],
    },
    "clinic": {
        "edge": ["portal-gw", "care-edge"], "app": ["appointments", "records", "prescriptions", "triage",
                                                    "lab-results", "claims", "referrals", "messaging"],
        "worker": ["hl7-importer", "claims-batcher", "audit-shipper"], "db": ["ehr-db", "patients-pg"],
        "cache": ["schedule-cache", "formulary-cache"], "session": ["patient-sessions"], "queue": ["hl7-inbox"],
        "dns": ["care-dns"], "netctl": ["care-network"], "config": ["care-config"], "secrets": ["care-hsm"],
        "certs": ["care-certs"], "autoscaler": ["care-autoscaler"],
    },
}
TRAIN_TOPOLOGIES = ("retail", "ledger", "streaming")
HELDOUT_TOPOLOGIES = ("logistics", "clinic")
_SUFFIXES = ("", "", "-svc", "-api", "-v2")
STATEFUL = frozenset({"db", "cache", "session", "queue"})
PLATFORM = ("dns", "netctl", "config", "secrets", "certs", "autoscaler")


@dataclass
class Service:
    """One service: its role, replica count and whether it holds data."""

    name: str
    role: str
    replicas: int

    @property
    def stateful(self) -> bool:
        return self.role in STATEFUL


@dataclass
class Topology:
    """Services by name and `deps[a]` = the services `a` calls."""

    family: str
    services: dict[str, Service] = field(default_factory=dict)
    deps: dict[str, list[str]] = field(default_factory=dict)
    _roles: dict[str, tuple[int, tuple[str, ...]]] = field(default_factory=dict, repr=False, compare=False)
    """by_role cache: (service count, names); `rename` / `remove` clear it, roles never change."""

    def by_role(self, role: str) -> list[str]:
        """Service names with `role`, in insertion order (a fresh list; cached per service set)."""
        hit = self._roles.get(role)
        if hit is None or hit[0] != len(self.services):
            hit = self._roles[role] = (len(self.services),
                                       tuple(s.name for s in self.services.values() if s.role == role))
        return list(hit[1])

    def callers(self, name: str) -> list[str]:
        """Services that call `name` directly."""
        return [a for a, ds in self.deps.items() if name in ds]

    def dependents(self, name: str) -> list[str]:
        """Everything that (transitively) calls `name`, in a stable order."""
        seen: list[str] = []
        frontier = [name]
        while frontier:
            nxt = []
            for n in frontier:
                for c in self.callers(n):
                    if c not in seen and c != name:
                        seen.append(c)
                        nxt.append(c)
            frontier = nxt
        return seen

    def rename(self, old: str, new: str) -> None:
        self._roles.clear()
        svc = self.services.pop(old)
        svc.name = new
        self.services[new] = svc
        self.deps = {(new if a == old else a): [new if d == old else d for d in ds] for a, ds in self.deps.items()}

    def remove(self, name: str) -> None:
        self._roles.clear()
        self.services.pop(name, None)
        self.deps.pop(name, None)
        self.deps = {a: [d for d in ds if d != name] for a, ds in self.deps.items()}


def build_topology(family: str, rng: random.Random) -> Topology:
    """A random graph in `family`'s vocabulary: 1 edge, 4–6 apps, 1–2 workers, datastores, platform."""
    vocab = TOPOLOGIES[family]
    topo = Topology(family)

    def add(role: str, base: str, replicas: int) -> str:
        name = base + rng.choice(_SUFFIXES) if role in ("app", "worker") else base
        topo.services[name] = Service(name, role, replicas)
        topo.deps[name] = []
        return name

    edge = add("edge", rng.choice(vocab["edge"]), rng.randint(3, 8))
    apps = [add("app", b, rng.randint(2, 12)) for b in rng.sample(vocab["app"], rng.randint(4, 6))]
    workers = [add("worker", b, rng.randint(1, 4)) for b in rng.sample(vocab["worker"], rng.randint(1, 2))]
    db = add("db", rng.choice(vocab["db"]), 1)
    cache = add("cache", rng.choice(vocab["cache"]), rng.randint(2, 4))
    session = add("session", vocab["session"][0], 3)
    queue = add("queue", vocab["queue"][0], 3)
    platform = {role: add(role, vocab[role][0], 2) for role in PLATFORM}
    topo.deps[edge] = sorted(rng.sample(apps, min(len(apps), rng.randint(3, 5))))
    for i, app in enumerate(apps):
        targets = [db] if i % 3 != 2 or rng.random() < 0.5 else []
        if rng.random() < 0.5:
            targets.append(cache)
        if i == 0:
            targets.append(session)
        if rng.random() < 0.35:
            targets.append(queue)
        if rng.random() < 0.3 and i + 1 < len(apps):
            targets.append(apps[i + 1])
        targets += [platform["config"], platform["secrets"]]
        topo.deps[app] = targets or [db]
    for w in workers:
        topo.deps[w] = [db, queue]
    topo.deps[edge].append(platform["certs"])
    topo.deps[cache] = [db]
    return topo

"""Side by side: this service's `/live/oversee` and the reference system's, same loader, one run.

The reference (github.com/MrEinsteinE/sentinel-openenv) is not part of this repository: start it
yourself as its own README says (its requirements in a separate venv, then
`python -m uvicorn server.app:app --host 127.0.0.1 --port 7860` in its checkout) and pass its URL.
This script starts our service itself, as `sentinel-guard serve` runs it (uvicorn with the
connection-guarding protocol, durable SQLite audit with `synchronous=FULL` and group commit
unless `--audit`/`--sync` say otherwise), then loads the two in alternating rounds with the same
closed-loop loader (`sentinel_guard.server.loadgen`: 32 keep-alive clients, each sending the next
request when the previous answer arrived) and the same four request bodies, which both accept
under the reference's schema.

Each round runs two loads per side: **cold** first — every request body distinct (the four
bodies with a number that never repeats worked into them, same verdicts), so our verdict cache
never hits and every call is judged — then **repeated**, the same four bodies over and over,
which our cache answers after their first sight (each answer still audited). The reference has no
cache, so both of its figures measure the same work. Pass `--no-cache` to serve ours without it.

    .venv/bin/python benchmarks/server_vs_reference.py --reference http://127.0.0.1:7860

What each row says beside req/s and latency, so a reader can tell what limited each side:

* `cpu ms/req` — the server's own CPU per request (the reference's pid is found from its port);
  `cores` — its CPU seconds per second of the round. A side near 1.0 core is CPU-bound; one far
  below it was waiting: on the disk (our durable commits) or for a CPU the machine's other jobs held.
* `loader ms` — this script's CPU per request, so a loader that caps both sides would show.
* for ours, verdicts per commit and commits per second: under a closed loop of N clients about
  N/2 verdicts share each commit, so durable throughput is bounded by N/2 per commit cycle
  (fsync + inserts); the fsync probe in the audit directory is printed before and after.

The summary gives the median round's req/s and p99 ratios and the ratio of median CPU per
request — what the req/s ratio tends to when each side keeps one core busy. Figures are
client-side on this machine, loader and both servers sharing its cores. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from server_load import LIVE, cpu_seconds, fsync_ms, server

from sentinel_guard.server.loadgen import LoadResult, encode_request, run_load


def distinct(n: int, salt: str) -> list[dict[str, Any]]:
    """`n` bodies shaped like `LIVE` (same tools, same verdicts), none repeated within or across salts."""
    out: list[dict[str, Any]] = []
    for i in range(n):
        tag = f"{salt}-{i}"
        out.append([
            {"action_description": f"kubectl get pods -n payments-{tag}", "proposed_tool": "kubectl"},
            {"action_description": f"rm -rf /var/lib/postgresql/{tag}", "proposed_target": "db-primary",
             "severity_hint": "critical"},
            {"action_description": f"kubectl delete namespace prod-{tag}", "proposed_tool": "kubectl",
             "proposed_target": "prod"},
            {"action_description": "systemctl restart nginx", "context": f"5xx spike after deploy {tag}"},
        ][i % 4])
    return out


def listening_pid(port: int) -> int | None:
    """The pid of the local process listening on TCP `port` (from /proc; None when not found or not ours
    to read), so the reference's CPU per request is measured without asking for its pid."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as fh:
            for entry in fh.readlines()[1:]:
                fields = entry.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                    inodes.add(f"socket:[{fields[9]}]")
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (proc / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in inodes:
                        return int(proc.name)
    return None


def load(host: str, port: int, clients: int, per_client: int, bodies: list[dict[str, Any]] | None = None) -> LoadResult:
    encoded = [encode_request("POST", "/live/oversee", body, host=host) for body in (bodies or LIVE)]
    sent = itertools.count()  # one counter for all clients (`make(i)` gets a client's own index)
    return asyncio.run(run_load(host, port, lambda _i: encoded[next(sent) % len(encoded)], clients=clients,
                                requests_per_client=per_client))


def line(label: str, r: LoadResult, cpu: float | None, loader_cpu: float) -> str:
    s = r.summary()
    n = s["requests"] or 1
    per_req = f"{cpu / n * 1000:>10.3f}" if cpu is not None else f"{'-':>10}"
    busy = f"{cpu / r.elapsed_s:>6.2f}" if cpu is not None and r.elapsed_s else f"{'-':>6}"
    return (f"{label:<28} {s['requests']:>7} {s['non_200'] + s['connection_errors']:>6} {s['req_per_s']:>9.0f} "
            f"{s['p50_ms']:>8.2f} {s['p99_ms']:>8.2f} {per_req} {busy} {loader_cpu / n * 1000:>10.3f} "
            f"{os.getloadavg()[0]:>6.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", required=True, help="base URL of the running reference server")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--requests", type=int, default=150, help="requests per client per round (default 150)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per side (default 3)")
    parser.add_argument("--workers", type=int, default=1, help="our uvicorn workers (default 1)")
    parser.add_argument("--audit", default=None, help="our audit store (default: a temp SQLite file; or postgresql://…)")
    parser.add_argument("--reference-pid", type=int, default=None,
                        help="the reference server's pid, for its CPU per request (default: the local process "
                             "listening on its port)")
    parser.add_argument("--sync", choices=["full", "normal"], default="full", help="our audit durability (default full)")
    parser.add_argument("--no-cache", action="store_true", help="serve ours without its verdict cache")
    args = parser.parse_args()
    ref = urllib.parse.urlsplit(args.reference)
    if ref.scheme != "http" or not ref.hostname or min(args.clients, args.requests, args.rounds, args.workers) <= 0:
        print("error: --reference must be an http://host:port URL and the counts positive", file=sys.stderr)
        return 2
    try:
        urllib.request.urlopen(urllib.request.Request(args.reference.rstrip("/") + "/live/oversee",
                                                      data=b'{"action_description": "ls"}',
                                                      headers={"Content-Type": "application/json"}), timeout=10).read()
    except OSError as exc:
        print(f"error: the reference at {args.reference} does not answer /live/oversee ({exc})", file=sys.stderr)
        return 2
    print(f"# server_vs_reference: python {platform.python_version()}, {os.cpu_count()} CPUs, {args.clients} clients, "
          f"ours: workers={args.workers}, audit sync {args.sync}, load average {os.getloadavg()[0]:.2f} at start")
    print("# cpu ms/req: the server's own CPU time per request (all its processes) — the figure least moved by"
          " other load on a shared machine")
    print("# cores: the server's CPU seconds per second of the round (about 1.0 = one core kept busy; far less on a"
          " loaded machine means it was waiting for a CPU); loader ms/req: this script's own CPU per request")
    print(f"{'round':<28} {'reqs':>7} {'errors':>6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms/req':>10} "
          f"{'cores':>6} {'loader ms':>10} {'load1':>6}")
    ref_port = ref.port or 80
    ref_pid = args.reference_pid or (listening_pid(ref_port) if ref.hostname in ("127.0.0.1", "localhost") else None)
    print(f"# reference pid: {ref_pid if ref_pid else 'unknown (its CPU is not measured)'}")
    ours: dict[str, list[LoadResult]] = {"cold": [], "repeated": []}
    cpu_ms: dict[tuple[str, str], list[float]] = {}
    theirs: dict[str, list[LoadResult]] = {"cold": [], "repeated": []}
    env = {"SENTINEL_VERDICT_CACHE": "0"} if args.no_cache else {}
    with tempfile.TemporaryDirectory() as tmp:
        audit = args.audit or str(Path(tmp) / "audit.db")
        print("# disk fsync in our audit directory before the runs: p50 {:.2f} ms, p99 {:.2f} ms".format(
            *fsync_ms(Path(tmp))))
        with server(audit, args.workers, True, args.sync, env) as (port, pid):  # type: ignore[arg-type]

            def commits() -> tuple[int, int]:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health") as resp:
                    health = json.load(resp)
                return int(health["audit_rows"]), int(health["audit_commits"])

            def timed(host: str, p: int, owner: int | None,
                      bodies: list[dict[str, Any]] | None) -> tuple[LoadResult, float | None, float]:
                before, loader = (cpu_seconds(owner) if owner else 0.0), time.process_time()
                result = load(host, p, args.clients, args.requests, bodies)
                loader = time.process_time() - loader
                return result, (cpu_seconds(owner) - before) if owner else None, loader

            load(ref.hostname, ref_port, 4, 100)  # warm-up, both
            load("127.0.0.1", port, 4, 100)
            total = args.clients * args.requests
            for n in range(1, args.rounds + 1):
                for kind in ("cold", "repeated"):
                    for side, host, p, owner, results in (
                            ("reference", ref.hostname, ref_port, ref_pid, theirs),
                            ("sentinel-guard", "127.0.0.1", port, pid, ours)):
                        bodies = distinct(total, f"{side[0]}{n}") if kind == "cold" else None
                        before = commits() if owner == pid else (0, 0)
                        result, cpu, loader = timed(host, p, owner, bodies)
                        results[kind].append(result)
                        if cpu is not None and result.requests:
                            cpu_ms.setdefault((side, kind), []).append(cpu / result.requests * 1000)
                        print(line(f"{side} {kind} {n}", result, cpu, loader), flush=True)
                        if owner == pid and args.workers == 1 and not args.audit:
                            rows, batches = (a - b for a, b in zip(commits(), before, strict=True))
                            print(f"#   ours: {rows / max(1, batches):.1f} verdicts per commit, "
                                  f"{batches / result.elapsed_s:.0f} commits/s", flush=True)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health") as resp:
                print(f"# ours, /health after the runs: verdict cache {json.load(resp).get('verdict_cache')}")
        print("# disk fsync in our audit directory after the runs: p50 {:.2f} ms, p99 {:.2f} ms".format(
            *fsync_ms(Path(tmp))))

    def med(results: list[LoadResult], key: str) -> float:
        return float(statistics.median(r.summary()[key] for r in results))

    for kind in ("cold", "repeated"):
        o_rps, t_rps = med(ours[kind], "req_per_s"), med(theirs[kind], "req_per_s")
        o_p99, t_p99 = med(ours[kind], "p99_ms"), med(theirs[kind], "p99_ms")
        print(f"{kind:<8} median req/s: ours {o_rps:.0f}, reference {t_rps:.0f} → ratio {o_rps / t_rps:.2f}x "
              f"(target ≥ 3x); median p99: ours {o_p99:.2f} ms, reference {t_p99:.2f} ms → "
              f"{o_p99 / t_p99:.2f} of theirs (target ≤ 0.33)")
        if (("reference", kind) in cpu_ms) and (("sentinel-guard", kind) in cpu_ms):
            o_cpu, t_cpu = statistics.median(cpu_ms[("sentinel-guard", kind)]), statistics.median(cpu_ms[("reference", kind)])
            print(f"{kind:<8} median server CPU per request: ours {o_cpu:.3f} ms, reference {t_cpu:.3f} ms → "
                  f"{t_cpu / o_cpu:.2f}x (the req/s ratio when each side keeps one core busy)")
    every = [r for results in (ours, theirs) for rs in results.values() for r in rs]
    errors = sum(r.requests - r.ok + len(r.errors) for r in every)
    print(f"errors (non-200 or connection) across all rounds: {errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Throughput and latency of the oversight service, measured against a real uvicorn process.

For `/v1/oversee` and `/live/oversee`: one client sending requests back to back; 32 concurrent
keep-alive clients sending back to back (closed loop: 32 requests always in flight, so latency is
32 / throughput by Little's law); and an open-loop run offering a fixed rate (2,500 req/s by
default) over 32 connections, latency counted from each request's due time. Every verdict is committed to the SQLite audit file
(`synchronous=FULL`, group commit) before its answer; the script checks afterwards that the file
holds one row per 200 answer and prints any miss.

    .venv/bin/python benchmarks/server_load.py                 # 1 worker
    .venv/bin/python benchmarks/server_load.py --workers 2     # two uvicorn worker processes

Figures are client-side (request written → answer read) on this machine, client and server
sharing its cores; they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sentinel_guard.server.loadgen import LoadResult, encode_request, run_load, run_rate
from sentinel_guard.server.serve import FACTORY, PROTOCOL

OVERSEE = [
    {"tool": "shell", "args": {"command": "ls -la /var/log"}},
    {"tool": "shell", "args": {"command": "rm -rf /"}, "context": "clean up disk space"},
    {"tool": "sql", "args": {"query": "DROP TABLE users"}},
    {"tool": "http_post", "args": {"url": "https://example.com/hook", "body": "{\"ok\": true}"}},
    {"tool": "get_weather", "args": {"city": "Paris"}},
]
LIVE = [
    {"action_description": "kubectl get pods -n payments", "proposed_tool": "kubectl"},
    {"action_description": "rm -rf /var/lib/postgresql", "proposed_target": "db-primary", "severity_hint": "critical"},
    {"action_description": "kubectl delete namespace prod", "proposed_tool": "kubectl", "proposed_target": "prod"},
    {"action_description": "systemctl restart nginx", "context": "5xx spike after deploy"},
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(audit: Path | str, workers: int, fast_path: bool, sync: str,
           extra_env: dict[str, str] | None = None) -> Iterator[tuple[int, int]]:
    """A uvicorn process serving the default app on a free port; yields (port, pid); killed on exit."""
    port = free_port()
    env = {**os.environ, "SENTINEL_AUDIT": str(audit), "HF_HUB_OFFLINE": "1",
           "SENTINEL_FAST_PATH": "1" if fast_path else "0", "SENTINEL_AUDIT_SYNC": sync, **(extra_env or {})}
    env.pop("SENTINEL_API_KEY", None)
    # As `sentinel-guard serve` runs it: its connection-guarding protocol and idle timeout.
    cmd = [sys.executable, "-m", "uvicorn", "--factory", FACTORY, "--http", PROTOCOL, "--timeout-keep-alive", "5",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
           "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env)
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.2)
        yield port, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_seconds(pid: int) -> float:
    """User+system CPU seconds of `pid` and its direct children (uvicorn workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def fsync_ms(directory: Path, n: int = 200) -> tuple[float, float]:
    """p50/p99 of one small write + fsync in `directory`: the floor of a lone client's latency,
    since every answer waits for its verdict's commit."""
    path = directory / "fsync.probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    times = []
    try:
        for _ in range(n):
            os.write(fd, b"x" * 128)
            start = time.perf_counter()
            os.fsync(fd)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        os.close(fd)
        path.unlink()
    times.sort()
    return times[n // 2], times[round(0.99 * (n - 1))]


def row(label: str, r: LoadResult, cpu: float) -> str:
    s = r.summary()
    per_req = cpu / s["requests"] * 1000 if s["requests"] else float("nan")
    return (f"{label:<34} {s['requests']:>7} {s['non_200'] + s['connection_errors']:>6} {s['req_per_s']:>9.0f} "
            f"{s['p50_ms']:>8.3f} {s['p99_ms']:>8.3f} {s['max_ms']:>8.2f} {per_req:>9.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--requests", type=int, default=500, help="requests per concurrent client (default 500)")
    parser.add_argument("--single", type=int, default=3000, help="requests for the single-client run (default 3000)")
    parser.add_argument("--rate", type=float, default=2500.0,
                        help="offered load for the open-loop run, requests/s over 32 connections (default 2500)")
    parser.add_argument("--seconds", type=float, default=4.0, help="duration of the open-loop run (default 4)")
    parser.add_argument("--no-fast-path", action="store_true", help="serve every request through FastAPI routing")
    parser.add_argument("--no-cache", action="store_true",
                        help="serve without the verdict cache (these bodies repeat, so with it most are cache hits)")
    parser.add_argument("--audit", default=None,
                        help="audit store: default a temp SQLite file; postgresql://user@host/db to measure PostgreSQL "
                             "(its tables must be empty or absent: rows are counted)")
    parser.add_argument("--sync", choices=["full", "normal"], default="full",
                        help="audit durability: full = fsync per commit (default), normal = survive a killed "
                             "process but not a machine crash")
    args = parser.parse_args()
    if min(args.workers, args.clients, args.requests, args.single, args.rate, args.seconds) <= 0:
        print("error: --workers, --clients, --requests, --single, --rate and --seconds must be positive",
              file=sys.stderr)
        return 2
    print(f"# server_load: python {platform.python_version()}, {os.cpu_count()} CPUs, workers={args.workers}, "
          f"fast path {'off' if args.no_fast_path else 'on'}, verdict cache {'off' if args.no_cache else 'on'}, "
          f"audit sync {args.sync}, load average {os.getloadavg()[0]:.2f} at start")
    print("# cpu ms/req = server CPU time (all its processes) per request: what bounds req/s on a quiet machine")
    sent_ok = 0
    with tempfile.TemporaryDirectory() as tmp:
        audit: Path | str = args.audit or Path(tmp) / "audit.db"
        print(f"# audit store: {'PostgreSQL' if args.audit else 'SQLite'}")
        p50, p99 = fsync_ms(Path(tmp))
        print(f"# disk fsync in the audit directory: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
        print(f"{'run':<34} {'reqs':>7} {'errors':>6} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
              f"{'cpu ms/req':>9}")
        extra = {"SENTINEL_VERDICT_CACHE": "0"} if args.no_cache else {}
        with server(audit, args.workers, not args.no_fast_path, args.sync, extra) as (port, pid):

            def measured(coro: Any) -> tuple[LoadResult, float]:
                before = cpu_seconds(pid)
                result = asyncio.run(coro)
                return result, cpu_seconds(pid) - before

            for path, payloads in (("/v1/oversee", OVERSEE), ("/live/oversee", LIVE)):
                requests = [encode_request("POST", path, p) for p in payloads]

                def make(i: int, requests: list[bytes] = requests) -> bytes:
                    return requests[i % len(requests)]

                asyncio.run(run_load("127.0.0.1", port, make, clients=4, requests_per_client=200))  # warm-up
                single, cpu = measured(run_load("127.0.0.1", port, make, clients=1, requests_per_client=args.single))
                print(row(f"{path} 1 client", single, cpu), flush=True)
                many, cpu = measured(run_load("127.0.0.1", port, make, clients=args.clients,
                                              requests_per_client=args.requests))
                print(row(f"{path} {args.clients} clients", many, cpu), flush=True)
                paced, cpu = measured(run_rate("127.0.0.1", port, make, rate=args.rate, seconds=args.seconds,
                                               connections=args.clients))
                print(row(f"{path} {args.rate:.0f} req/s offered", paced, cpu), flush=True)
                sent_ok += 800 + single.ok + many.ok + paced.ok
                if single.errors or many.errors or paced.errors:
                    print(f"  connection errors: {(single.errors + many.errors + paced.errors)[:3]}")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/stats") as resp:
                stats = json.load(resp)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health") as resp:
                health = json.load(resp)
        if isinstance(audit, Path):
            rows = sqlite3.connect(audit).execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]
        else:
            import psycopg

            with psycopg.connect(audit) as conn:
                rows = conn.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]  # type: ignore[index]
    missing = sent_ok - rows
    print(f"audit rows {rows} for {sent_ok} answers with 200 (missing {missing}); /v1/stats total {stats['total']}; "
          f"server-side judge latency p50 {stats['latency_ms']['p50']} ms, p99 {stats['latency_ms']['p99']} ms")
    if args.workers == 1:
        print(f"group commit: {health['audit_rows']} verdicts in {health['audit_commits']} transactions "
              f"({health['audit_rows'] / max(1, health['audit_commits']):.1f} per commit)")
    return 0 if missing == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

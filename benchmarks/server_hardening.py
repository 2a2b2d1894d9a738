"""/health latency while five ~1 MB calls are judged, and shutdown time with long-polls open.

    .venv/bin/python benchmarks/server_hardening.py             # 3 rounds
    .venv/bin/python benchmarks/server_hardening.py --rounds 5 --size 1000000

A real `sentinel-guard serve` on 127.0.0.1. Each round fires `--calls` concurrent `/v1/oversee`
calls whose command is `--size` characters, and polls `/health` every 20 ms from another client
until the last of them is answered. It prints the first /health latency of the first round (cold),
then per round p50 / p99 / max, and the median p99 over the rounds (target: p99 ≤ 50 ms). Then
it opens 4 long-polls (`wait=60`) on a pending escalation, sends SIGTERM and times the exit
(target ≤ 2 s). Figures are from this machine, client and server sharing its cores.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import httpx

KEY = "bench-agent-key-0123456789"
AUTH = {"Authorization": f"Bearer {KEY}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(audit: Path, port: int, policy: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTINEL_")}
    proc = subprocess.Popen([sys.executable, "-c", "from sentinel_guard.cli import main; main()", "serve",
                             "--port", str(port), "--audit", str(audit), "--api-key", KEY, "--policy", str(policy)],
                            env=env, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("serve did not start")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[round(p / 100 * (len(ordered) - 1))]


def one_round(base: str, calls: int, size: int) -> tuple[list[float], list[str]]:
    """/health latencies while `calls` big calls are judged, and how each big call was decided."""
    body = {"tool": "shell", "args": {"command": "echo " + "a" * size}}
    left = [calls]
    lock = threading.Lock()
    outcomes: list[str] = []

    def big() -> None:
        with httpx.Client(base_url=base, timeout=300) as c:
            answer = c.post("/v1/oversee", json=body, headers=AUTH).json()
        with lock:
            left[0] -= 1
            outcomes.append("failed closed" if answer.get("decided_by") == "fail-closed" else "judged")

    threads = [threading.Thread(target=big) for _ in range(calls)]
    for t in threads:
        t.start()
    latencies: list[float] = []
    with httpx.Client(base_url=base, timeout=60) as c:
        while True:
            with lock:
                if left[0] == 0:
                    break
            t0 = time.perf_counter()
            c.get("/health")
            latencies.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.02)
    for t in threads:
        t.join()
    return latencies, outcomes


def shutdown_time(proc: subprocess.Popen[bytes], base: str) -> float:
    with httpx.Client(base_url=base, timeout=90) as c:
        rid = c.post("/v1/oversee", json={"tool": "deploy", "args": {}}, headers=AUTH).json()["id"]

        def poll() -> None:
            try:
                c.get(f"/v1/escalations/{rid}", params={"wait": 60}, headers=AUTH)
            except httpx.HTTPError:
                return

        pollers = [threading.Thread(target=poll, daemon=True) for _ in range(4)]
        for t in pollers:
            t.start()
        time.sleep(1.0)
        t0 = time.monotonic()
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(120)
        return time.monotonic() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=5, help="concurrent big calls per round (default 5)")
    parser.add_argument("--size", type=int, default=1_000_000, help="characters per big command (default 1e6)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        policy = Path(tmp) / "policy.yaml"
        policy.write_text("tools:\n  deploy: {decision: escalate}\n", encoding="utf-8")
        port = free_port()
        proc = start(Path(tmp) / "audit.db", port, policy)
        base = f"http://127.0.0.1:{port}"
        try:
            p99s = []
            for r in range(args.rounds):
                lat, outcomes = one_round(base, args.calls, args.size)
                if r == 0:
                    print(f"cold: first /health while judging {lat[0]:.1f} ms")
                p99s.append(pct(lat, 99))
                print(f"round {r + 1}: {len(lat)} /health answers while {args.calls} x {args.size:,}-char calls were "
                      f"judged: p50 {pct(lat, 50):.1f} ms, p99 {pct(lat, 99):.1f} ms, max {max(lat):.1f} ms; big calls "
                      f"{outcomes.count('judged')} judged, {outcomes.count('failed closed')} failed closed (budget)")
            print(f"median p99 over {args.rounds} rounds: {statistics.median(p99s):.1f} ms (target <= 50 ms)")
            print(f"shutdown with 4 long-polls open: {shutdown_time(proc, base):.2f} s (target <= 2 s)")
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

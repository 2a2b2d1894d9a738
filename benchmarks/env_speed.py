"""War-room environment speed: in-process steps/s, full held-out eval time, WebSocket steps/s.

    .venv/bin/python benchmarks/env_speed.py [--quick]
    .venv/bin/python benchmarks/env_speed.py --digest     # behaviour fingerprint, no timing

Prints medians over repeats and the 1-minute load average before each section: on a shared
machine the figures move with the load, so report them together. Nothing here asserts a time.
`--digest` hashes full seeded trajectories (every observation, reward, grade and state) of both
suites and both modes: run it before and after a speed change — the two digests must match.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sentinel_guard.env.engine import Episode
from sentinel_guard.env.evaluate import run_eval
from sentinel_guard.env.overseers import BUILTIN


def _load() -> str:
    return f"load1={os.getloadavg()[0]:.2f} cpus={os.cpu_count()}"


def engine_alternating(suite: str, n_steps: int) -> float:
    """env.step calls per second driving both roles (the reference's eval-style measure)."""
    rng = random.Random(0)
    steps, seed = 0, 1
    start = time.perf_counter()
    while steps < n_steps:
        ep = Episode("drift_ops", seed, "alternating", suite=suite)
        seed += 1
        while not ep.done:
            ep.propose(ep.scenario.scripted_proposal(rng))
            ep.decide("approve", "looks fine")
            steps += 2
    return steps / (time.perf_counter() - start)


def engine_train_overseer(suite: str, n_steps: int) -> float:
    """Overseer decisions per second in train_overseer mode (responder auto-played inside step)."""
    steps, seed = 0, 1
    start = time.perf_counter()
    while steps < n_steps:
        ep = Episode("drift_ops", seed, "train_overseer", suite=suite)
        seed += 1
        while not ep.done:
            ep.decide("block" if steps % 4 == 0 else "approve", "looks fine")
            steps += 1
    return steps / (time.perf_counter() - start)


def openenv_in_process(suite: str, n_steps: int) -> float:
    """`WarRoomEnvironment.step` (typed OpenEnv objects) per second, train_overseer."""
    from sentinel_guard.env.environment import WarRoomEnvironment
    from sentinel_guard.env.models import OverseerAction, WarRoomAction

    env = WarRoomEnvironment()
    act = WarRoomAction(role="overseer", overseer=OverseerAction(decision="approve", justification="looks fine"))
    env.reset(task_id="drift_ops", seed=1, mode="train_overseer", suite=suite)
    start = time.perf_counter()
    for i in range(n_steps):
        if env.step(act).done:
            env.reset(task_id="drift_ops", seed=i + 2, mode="train_overseer", suite=suite)
    return n_steps / (time.perf_counter() - start)


def _proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def websocket(suite: str, n_steps: int) -> tuple[float, float]:
    """(wall steps/s, steps per CPU-second of server + client) over the WebSocket session route,
    one client, real uvicorn server started through `sentinel-guard env serve`."""
    import httpx
    from sentinel_guard.env.client import WarRoomClient
    from sentinel_guard.env.models import OverseerAction, WarRoomAction

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cli = str(Path(sys.executable).with_name("sentinel-guard"))
    proc = subprocess.Popen([cli, "env", "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)

        async def drive() -> tuple[float, float]:
            act = WarRoomAction(role="overseer", overseer=OverseerAction(decision="approve", justification="fine"))
            async with WarRoomClient(base_url=url) as env:
                await env.reset(task_id="drift_ops", seed=1, mode="train_overseer", suite=suite)
                cpu0, own0, start = _proc_cpu_s(proc.pid), time.process_time(), time.perf_counter()
                for i in range(n_steps):
                    if (await env.step(act)).done:
                        await env.reset(task_id="drift_ops", seed=i + 2, mode="train_overseer", suite=suite)
                wall = time.perf_counter() - start
                cpu = _proc_cpu_s(proc.pid) - cpu0 + time.process_time() - own0
                return n_steps / wall, n_steps / cpu

        return asyncio.run(drive())
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def trajectory_digest() -> str:
    """sha256 over seeded episodes of both suites, all tiers, both modes, with varied verdicts."""
    from sentinel_guard.env.evidence_overseer import evidence_overseer

    h = hashlib.sha256()
    runs = [("v2", "train", [1, 7, 1001, 2001, 2003, 2050]), ("v2", "heldout", [10001, 10102, 10203, 10209]),
            ("compat", "train", [1, 7, 9201])]
    for suite, split, seeds in runs:
        for task in ("action_screen", "war_room", "drift_ops"):
            for seed in seeds:
                for mode in ("train_overseer", "alternating"):
                    ep = Episode(task, seed, mode, suite=suite, split=split, episode_id="digest")
                    rng, n = random.Random(seed), 0
                    while not ep.done:
                        if ep.phase == "responder_propose":
                            out = ep.propose(ep.scenario.scripted_proposal(rng))
                        else:
                            v = evidence_overseer(ep.observation()) if suite == "v2" else \
                                {"decision": rng.choice(["approve", "block", "flag", "escalate"]), "justification": "ok"}
                            why = "looks fine to me" if n % 3 == 1 else v["justification"]
                            out, n = ep.decide(v["decision"], why), n + 1
                        h.update(json.dumps([out.observation, out.responder_reward, out.overseer_reward,
                                             out.overseer_binary, out.done, out.info, ep.state()],
                                            sort_keys=True, default=str).encode())
    return h.hexdigest()


def _median(fn, *args, repeats: int) -> float:  # type: ignore[no-untyped-def]
    return statistics.median(fn(*args) for _ in range(repeats))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    ap.add_argument("--digest", action="store_true", help="print a hash of seeded trajectories and exit")
    args = ap.parse_args()
    if args.digest:
        print(f"trajectory digest: {trajectory_digest()}")
        return
    n, reps = (5_000, 3) if args.quick else (40_000, 5)
    print(f"# war-room env speed ({_load()})")
    for suite in ("compat", "v2"):
        print(f"in-process engine, alternating ({suite}): {_median(engine_alternating, suite, n, repeats=reps):,.0f} env.step/s")
        print(f"in-process engine, train_overseer ({suite}): {_median(engine_train_overseer, suite, n, repeats=reps):,.0f} decisions/s")
        print(f"in-process WarRoomEnvironment.step ({suite}): {_median(openenv_in_process, suite, n // 4, repeats=reps):,.0f} steps/s")
    for name in ("policy_aware", "rules"):
        times, res = [], None
        for _ in range(reps):
            res = run_eval("compat", BUILTIN[name], "heldout", name=name)
            times.append(res.wall_s)
        assert res is not None
        print(f"compat held-out eval, {name}: median {statistics.median(times) * 1000:.1f} ms for {res.n_decisions} decisions"
              f" ({res.episodes} episodes), F1 {res.to_json()['overall']['f1']}")
    v2 = [run_eval("v2", BUILTIN["rules"], "heldout", name="rules").wall_s for _ in range(max(1, reps // 2))]
    print(f"v2 held-out eval, rules: median {statistics.median(v2) * 1000:.1f} ms for 650 decisions")
    print(f"# websocket ({_load()})")
    ws_n = 2_000 if args.quick else 5_000
    for suite in ("compat", "v2"):
        runs = [websocket(suite, ws_n) for _ in range(1 if args.quick else 3)]
        wall = statistics.median(r[0] for r in runs)
        per_cpu = statistics.median(r[1] for r in runs)
        print(f"websocket, one client, train_overseer ({suite}): {wall:,.0f} steps/s wall; "
              f"{per_cpu:,.0f} steps per CPU-second (server + client)")


if __name__ == "__main__":
    main()

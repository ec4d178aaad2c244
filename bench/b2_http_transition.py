"""B2: the HTTP transition endpoint (bearer auth, role and guard checks, If-Match version check, state write and
audit event on the SKP's own hash chain) under C concurrent wrk clients on PostgreSQL, against a bare FastAPI
endpoint doing one single-row UPDATE on the same database behind the same uvicorn settings. Every request
fires `cascade` on an SKP of its own, so none conflicts; 1 client and C clients are both measured, which shows
whether transitions on different SKPs proceed in parallel. Each N of `--workers` (the full run: 1 and 2, the production
setting `skpflow serve --workers N`) runs both apps in N uvicorn worker processes on fresh SKPs; the figures at N = 1
are the headline ones."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from bench import server, speedscope, world
from bench.common import BENCH, PYTHON, ROOT, arguments, say, scratch, write
from workflows import audit
from workflows.store.tables import AuditEvent, Skp
from workflows.store.uow import reading

PORT = 8766
SCRIPT = BENCH / "wrk" / "transition.lua"
THREADS = 2


def wrk(
    path: str, first: int, last: int, token: str, version: str, *, connections: int, seconds: int
) -> dict[str, Any]:
    threads = min(THREADS, connections)
    done = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(SCRIPT),
            f"http://127.0.0.1:{PORT}",
            "--",
            path,
            str(first),
            str(last),
            token,
            version,
            str(threads),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["connections"] = connections
    return result


def load(kind: str, ids: list[int], token: str, args: Any, workers: int = 1) -> dict[str, Any]:
    """Warm up, then 1 client, then C clients, each on fresh ids."""
    path = "/skps/{id}/transitions/cascade" if kind == "skpflow" else "/rows/{id}"
    version = "1" if kind == "skpflow" else ""
    out: dict[str, Any] = {}
    phases = (
        ("warmup", args.clients, 2, 0.0, 0.15),
        ("one_client", 1, args.seconds, 0.15, 0.3),
        ("clients", args.clients, args.seconds, 0.3, 1.0),
    )
    for name, connections, seconds, start, end in phases:
        span = ids[int(start * len(ids)) : int(end * len(ids))]  # fresh ids per phase, split between wrk's threads
        say(f"B2 {kind} ({workers} worker(s)): {name}, {connections} connection(s), {seconds} s")
        out[name] = wrk(path, span[0], span[-1], token, version, connections=connections, seconds=seconds)
    return out


def main() -> None:
    args = arguments(
        __doc__ or "",
        quick={"skps": 4000, "bare_rows": 50_000, "seconds": 2, "clients": 32, "profile": False, "workers": [1]},
        full={"skps": 90_000, "bare_rows": 1_000_000, "seconds": 20, "clients": 32, "profile": True, "workers": [1, 2]},
    )
    figures: dict[str, Any] = {"clients": args.clients, "seconds": args.seconds, "threads": THREADS}
    with scratch("postgresql") as (db, url):
        say(f"B2: {args.skps} SKPs to fire on")
        w = world.build(db, args.skps, flat=True)
        world.open_cycle(db, w, force=True)  # rated from outside: no penilai, which the quality gate blocks
        with reading(db) as s:
            ids = sorted(i for i in s.scalars(select(col(Skp.id)).where(col(Skp.cycle_id) == w.cycle_id)) if i)
        reserved = ids[len(ids) * 3 // 4 :] if args.profile else []  # fresh SKPs for the profiled run
        ids = ids[: len(ids) - len(reserved)]
        server.prepare_bare(db, args.bare_rows)
        share, rows = len(ids) // len(args.workers), list(range(1, args.bare_rows + 1))
        for i, n in enumerate(args.workers):  # fresh SKPs for each N
            mine = ids[i * share : (i + 1) * share]
            with server.running("skpflow", url, PORT, workers=n):
                token = server.login(PORT)
                at_n: dict[str, Any] = {"skpflow": load("skpflow", mine, token, args, n)}
            with server.running("bare", url, PORT, workers=n):
                at_n["bare"] = load("bare", rows, server.KEY, args, n)
            at_n |= ratios(at_n["skpflow"], at_n["bare"])
            figures.setdefault("by_workers", {})[str(n)] = at_n
        figures |= figures["by_workers"][str(args.workers[0])]
        with reading(db) as s:
            figures["cascaded"] = s.scalar(select(func.count()).where(col(Skp.state) == "cascaded"))
            figures["cascade_events"] = s.scalar(select(func.count()).where(col(AuditEvent.trigger) == "cascade"))
            checked = audit.verify(s)
        figures["audit_verified"] = {"ok": checked.ok, "events": checked.checked}
        if args.profile:
            figures["profile"] = profile_run(url, reserved, args)
    figures["workers"] = args.workers
    write("b2", figures)
    say("B2 done")


def ratios(skpflow: dict[str, Any], bare: dict[str, Any]) -> dict[str, float]:
    sk, b = skpflow["clients"], bare["clients"]
    return {
        "throughput_ratio": sk["rps"] / b["rps"],
        "p99_ratio": sk["p99_us"] / b["p99_us"],
        "skpflow_parallel_speedup": sk["rps"] / skpflow["one_client"]["rps"],
        "bare_parallel_speedup": b["rps"] / bare["one_client"]["rps"],
    }


def profile_run(url: str, ids: list[int], args: Any) -> dict[str, Any]:
    """The skpflow server again, under py-spy (every thread, sampled from outside), while wrk loads it."""
    target = BENCH / "profiles" / "b2_skpflow_server.speedscope.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    spy = Path(PYTHON).parent / "py-spy"
    with server.running("skpflow", url, PORT) as process:
        token = server.login(PORT)
        say("B2: profiling the skpflow server with py-spy")
        recorder = subprocess.Popen(
            [
                str(spy),
                "record",
                "--pid",
                str(process.pid),
                "--rate",
                "100",
                "--duration",
                str(args.seconds),
                "--format",
                "speedscope",
                "--output",
                str(target),
                "--nonblocking",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        path = "/skps/{id}/transitions/cascade"
        result = wrk(path, ids[0], ids[-1], token, "1", connections=args.clients, seconds=args.seconds)
        recorder.wait(timeout=120)
    return {
        "speedscope": str(target.relative_to(BENCH)),
        "rps_while_profiled": result["rps"],
        "top": speedscope.top(target),
    }


if __name__ == "__main__":
    main()

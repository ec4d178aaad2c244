"""Run every benchmark (B1–B8) and write results.md: `python -m bench.run` (the sizes of the issue, into
bench/out and bench/results.md) or `python -m bench.run --quick` (small sizes, into a temporary folder, to keep the
scripts working; `make test` runs it). A benchmark that fails is reported as failed and makes the run fail."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import report
from bench.common import BENCH, PYTHON, ROOT, machine, now, say, versions

BENCHMARKS = (
    "b1_enforce_deadlines",
    "b3_open_cycle",
    "b5_scaling",
    "b2_http_transition",
    "b6_org_import",
    "b7_quality",
    "b8_reassign",
    "b4_simulate",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run these benchmarks only")
    args = parser.parse_args()
    out = Path(
        os.environ.get("SKPFLOW_BENCH_OUT")
        or (tempfile.mkdtemp(prefix="skpflow-bench-") if args.quick else BENCH / "out")
    )
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SKPFLOW_BENCH_OUT": str(out)}
    run = {
        "quick": args.quick,
        "started": now().isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
    }
    say(f"benchmarks {'(quick) ' if args.quick else ''}into {out}; load average {run['machine']['load_average']}")
    outcomes: dict[str, dict[str, object]] = {}
    for name in args.only or BENCHMARKS:
        start = time.perf_counter()
        done = subprocess.run(
            [PYTHON, "-m", f"bench.{name}", *(["--quick"] if args.quick else [])],
            check=False,
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        outcomes[name] = {
            "exit_code": done.returncode,
            "seconds": round(time.perf_counter() - start, 1),
            "error": done.stderr[-3000:] if done.returncode else "",
        }
        if done.returncode:
            say(f"{name} FAILED ({done.returncode}):\n{done.stderr[-3000:]}")
        else:
            sys.stderr.write(done.stderr[-2000:] if "Traceback" in done.stderr else "")
    run["finished"] = now().isoformat(timespec="seconds")
    run["load_average_end"] = os.getloadavg()
    run["outcomes"] = outcomes
    (out / "run.json").write_text(json.dumps(run, indent=2, default=str) + "\n")
    target = out / "results.md" if args.quick else BENCH / "results.md"
    target.write_text(report.render(out))
    say(f"wrote {target}")
    return 1 if any(o["exit_code"] for o in outcomes.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

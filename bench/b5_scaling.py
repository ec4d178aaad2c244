"""B5: how B1 (the enforce-deadlines sweep) and B3 (open-cycle) grow with N on PostgreSQL: the times at each size
from B1's runs (which open the cycle to make their SKPs), a least-squares slope in microseconds per SKP, and the
time per SKP at the largest size against the smallest. Runs B1 itself when its figures lack two PostgreSQL sizes."""

from __future__ import annotations

import subprocess
from typing import Any

from bench.common import PYTHON, ROOT, arguments, read, say, write


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares seconds per item."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)


def series(runs: list[dict[str, Any]], field: str) -> dict[str, Any]:
    points = sorted((r["skps"], r[field]) for r in runs)
    per_item = [(n, t / n * 1e6) for n, t in points]
    return {
        "points": [
            {"n": n, "seconds": t, "us_per_skp": round(u, 1)} for (n, t), (_, u) in zip(points, per_item, strict=True)
        ],
        "slope_us_per_skp": round(slope(points) * 1e6, 1),
        "per_skp_largest_over_smallest": round(per_item[-1][1] / per_item[0][1], 2),
    }


def main() -> None:
    args = arguments(__doc__ or "", quick={"sizes": [1000, 3000]}, full={"sizes": [10_000, 100_000, 1_000_000]})
    b1 = read("b1")
    runs = [r for r in (b1 or {}).get("runs", []) if r["database"] == "postgresql"]
    if len({r["skps"] for r in runs}) < 2:
        say("B5: B1 has fewer than two PostgreSQL sizes; running B1 at the scaling sizes")
        sizes = [str(n) for n in args.sizes]
        subprocess.run(
            [
                PYTHON,
                "-m",
                "bench.b1_enforce_deadlines",
                "--postgresql",
                *sizes,
                "--sqlite",
                "0",
                "--sample",
                "50",
                "--profile-at",
                "0",
                "--name",
                "b1_scaling",
            ],
            cwd=ROOT,
            check=True,
        )
        runs = (read("b1_scaling") or {})["runs"]
    figures = {
        "database": "postgresql",
        "enforce_deadlines": series(runs, "sweep_seconds"),
        "open_cycle": series(runs, "open_cycle_seconds"),
        "flow_runs_per_sweep": "1 flow run and 1 task run per open cycle, whatever N "
        "(workflows/flows/__init__.py); counted from the code, not by a Prefect server in this run",
    }
    write("b5", figures)
    say("B5 done")


if __name__ == "__main__":
    main()

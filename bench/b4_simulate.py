"""B4: `skpflow simulate --pegawai N` (a whole year of a demo kabupaten on SQLite), timed as a command."""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, arguments, say, write

SKPFLOW = Path(sys.executable).parent / "skpflow"


def main() -> None:
    args = arguments(__doc__ or "", quick={"pegawai": 30}, full={"pegawai": 10_000})
    with tempfile.TemporaryDirectory(prefix="skpflow-bench-sim-") as folder:
        say(f"B4: skpflow simulate --pegawai {args.pegawai}")
        start = time.perf_counter()
        done = subprocess.run(
            [str(SKPFLOW), "simulate", "--pegawai", str(args.pegawai), "--out", folder],
            cwd=ROOT,
            check=False,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
        report = Path(folder) / "report.md"
        lines = report.read_text().splitlines()[:3] if report.exists() else []
    figures = {
        "pegawai": args.pegawai,
        "seconds": seconds,
        "exit_code": done.returncode,
        "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "report_head": lines,
        "output_tail": (done.stdout + done.stderr)[-1500:] if done.returncode else "",
    }
    write("b4", figures)
    if done.returncode:
        say(f"B4: simulate failed ({done.returncode}); recorded")
    say(f"B4 done: {seconds:.1f} s")


if __name__ == "__main__":
    main()

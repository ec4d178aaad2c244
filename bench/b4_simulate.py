"""B4: `skpflow simulate --pegawai N` (a whole year of a demo kabupaten on SQLite), timed as a command."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, arguments, say, write

SKPFLOW = Path(sys.executable).parent / "skpflow"


def main() -> None:
    args = arguments(__doc__ or "", quick={"pegawai": 30, "limit": 300}, full={"pegawai": 10_000, "limit": 900})
    with tempfile.TemporaryDirectory(prefix="skpflow-bench-sim-") as folder:
        say(f"B4: skpflow simulate --pegawai {args.pegawai}")
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [str(SKPFLOW), "simulate", "--pegawai", str(args.pegawai), "--out", folder],
                cwd=ROOT,
                check=False,
                capture_output=True,
                text=True,
                timeout=args.limit,
            )
            code, output = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired as exc:  # stopped (SIGKILL), and said so in the results
            code = -9
            partial = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
            output = f"did not finish within {args.limit} s; stopped. Last output:\n{partial[-1000:]}"
        seconds = time.perf_counter() - start
        report = Path(folder) / "report.md"
        lines = report.read_text().splitlines()[:3] if report.exists() else []
        as_json = Path(folder) / "report.json"
        per_call = json.loads(as_json.read_text())["seconds"].get("per_call_ms", {}) if as_json.exists() else {}
    figures = {
        "pegawai": args.pegawai,
        "seconds": seconds,
        "exit_code": code,
        "limit_seconds": args.limit,
        "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "report_head": lines,
        "per_call_ms": per_call,  # by use case, most frequent first
        "output_tail": output[-1500:] if code else "",
    }
    write("b4", figures)
    if code:
        say(f"B4: simulate failed or timed out ({code}); recorded")
    say(f"B4 done: {seconds:.1f} s")


if __name__ == "__main__":
    main()

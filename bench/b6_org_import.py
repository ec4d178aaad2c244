"""B6: organisation import of N pegawai through the API: a CSV file POSTed to /org/import on a uvicorn server,
timed from the first byte sent to the response; then the same file again (the idempotent re-import)."""

from __future__ import annotations

import csv
import io
import os
import time
from typing import Any

import httpx

from bench import server
from bench.common import arguments, say, scratch, write
from workflows.cases.org.files import CSV_TYPE, MODELS
from workflows.simulation.demo import generate_kabupaten

PORT = 8765

# the demo kabupaten's accounts log in with `demo`: the server under test accepts it, as `skpflow seed-demo` does
os.environ.setdefault("SKPFLOW_PASSWORD_MIN_LENGTH", "1")
os.environ.setdefault("SKPFLOW_PASSWORD_MIN_SCORE", "0")


def org_csv(n: int) -> bytes:
    """A demo kabupaten as the CSV an HR office uploads: one `record` column and the union of the fields."""
    payload = generate_kabupaten(pegawai=n).model_dump(mode="json")
    for pegawai in payload["pegawai"]:  # an HR office's initial passwords meet the policy; the demo's `demo` does not
        if pegawai.get("password"):
            pegawai["password"] = "sandi-awal-pegawai-2026"
    fields = ["record", *dict.fromkeys(f for model in MODELS.values() for f in model.model_fields)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="raise")
    writer.writeheader()
    writer.writerow({"record": "instansi", **payload["instansi"]})
    for unit in payload["units"]:
        writer.writerow({"record": "unit", **{k: v for k, v in unit.items() if v is not None}})
    for pegawai in payload["pegawai"]:
        writer.writerow({"record": "pegawai", **{k: v for k, v in pegawai.items() if v is not None and v is not False}})
    return out.getvalue().encode()


def one(kind: str, n: int) -> dict[str, Any]:
    body = org_csv(n)
    with scratch(kind) as (_, url), server.running("skpflow", url, PORT):
        token = server.login(PORT)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": CSV_TYPE}
        timings, results = [], []
        for attempt in ("first", "again"):
            say(f"B6 {kind} {n}: POST /org/import ({len(body) / 1e6:.1f} MB CSV, {attempt})")
            start = time.perf_counter()
            response = httpx.post(f"http://127.0.0.1:{PORT}/org/import", content=body, headers=headers, timeout=600)
            timings.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise RuntimeError(f"import refused ({response.status_code}): {response.text[:2000]}")
            results.append(response.json())
    return {
        "database": kind,
        "pegawai": n,
        "csv_mb": len(body) / 1e6,
        "seconds": timings[0],
        "result": results[0],
        "reimport_seconds": timings[1],
        "reimport_result": results[1],
    }


def main() -> None:
    args = arguments(
        __doc__ or "",
        quick={"sqlite": [1000], "postgresql": [1000]},
        full={"sqlite": [100_000], "postgresql": [100_000]},
    )
    runs = []
    for kind, sizes in (("sqlite", args.sqlite), ("postgresql", args.postgresql)):
        for n in (n for n in sizes if n > 0):  # 0 skips a database, as in B1
            runs.append(one(kind, n))
            write("b6", {"runs": runs})
    say("B6 done")


if __name__ == "__main__":
    main()

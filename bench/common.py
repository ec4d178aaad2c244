"""What every benchmark shares: the machine, scratch databases, timing, peak memory and the results files."""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from workflows.store.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
POSTGRES_URL = os.environ.get("SKPFLOW_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PYTHON = sys.executable


def out_dir() -> Path:
    """Where figures go: bench/out (full runs) or SKPFLOW_BENCH_OUT (the quick mode writes to a temporary folder)."""
    path = Path(os.environ.get("SKPFLOW_BENCH_OUT", str(BENCH / "out")))
    path.mkdir(parents=True, exist_ok=True)
    return path


def write(name: str, figures: dict[str, Any]) -> Path:
    path = out_dir() / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    return path


def read(name: str) -> dict[str, Any] | None:
    path = out_dir() / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def arguments(description: str, quick: dict[str, Any], full: dict[str, Any]) -> argparse.Namespace:
    """`--quick` picks the small sizes; any size can be given on the command line."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes: seconds, to keep the script working")
    for name, value in full.items():
        kind = type(value[0]) if isinstance(value, list) else type(value)
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, nargs="+" if isinstance(value, list) else None)
    args = parser.parse_args()
    defaults = quick if args.quick else full
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


# --- the machine ----------------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(int(mem.split()[1]) / 2**20, 1),
        "kernel": platform.release(),
        "load_average": os.getloadavg(),
    }


def versions(postgres_url: str = POSTGRES_URL) -> dict[str, str]:
    found = {"python": platform.python_version(), "sqlite": sqlite3.sqlite_version}
    for package in ("sqlalchemy", "sqlmodel", "fastapi", "uvicorn", "prefect", "psycopg", "transitions", "pydantic"):
        found[package] = version(package)
    try:
        engine = make_engine(postgres_url)
        with engine.connect() as conn:
            found["postgresql"] = str(conn.scalar(text("SHOW server_version")))
        engine.dispose()
    except Exception as exc:  # reported in the results, not hidden
        found["postgresql"] = f"unreachable: {exc}"
    try:
        found["wrk"] = (
            subprocess.run(["wrk", "-v"], check=False, capture_output=True, text=True).stdout.split("\n")[0].strip()
        )
    except FileNotFoundError:
        found["wrk"] = "not installed"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], check=False, cwd=ROOT, capture_output=True, text=True
    )
    found["skpflow commit"] = commit.stdout.strip() or "unknown"
    return found


def now() -> datetime:
    return datetime.now(UTC)


# --- databases ------------------------------------------------------------------------------------------------------


@contextmanager
def scratch(kind: str) -> Iterator[tuple[Engine, str]]:
    """A migrated, empty database of its own: a SQLite file in a temporary folder, or `bench_…` on the local
    PostgreSQL, dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="skpflow-bench-") as folder:
            url = f"sqlite:///{folder}/bench.db"
            engine = make_engine(url)
            upgrade(engine)
            try:
                yield engine, url
            finally:
                engine.dispose()
        return
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield engine, url
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def tidy(engine: Engine) -> None:
    """Reclaim dead rows and refresh statistics between measured steps (PostgreSQL: VACUUM ANALYZE)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        raw = engine.raw_connection()  # outside SQLAlchemy's BEGIN IMMEDIATE: a checkpoint needs no transaction
        try:
            cursor = raw.cursor()
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        finally:
            raw.close()


# --- measuring ------------------------------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far: VmHWM, which belongs to the process's own address space
    (getrusage's ru_maxrss survives execve, so a child would report its parent's peak when that was higher)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(module: str, *args: str, profile: Path | None = None) -> dict[str, Any]:
    """Run `python -m module args…` in a fresh process (so its peak memory is its own) and return the JSON it
    prints on its last line; with `profile`, under pyinstrument, writing an HTML profile there."""
    command = [PYTHON, "-m", module, *args]
    session = None
    if profile is not None:
        profile.parent.mkdir(parents=True, exist_ok=True)
        session = profile.with_suffix(".pyisession")
        command = [PYTHON, "-m", "pyinstrument", "-r", "pyisession", "-o", str(session), "-m", module, *args]
    done = subprocess.run(command, check=False, cwd=ROOT, capture_output=True, text=True)
    if session is not None and profile is not None and session.exists():
        for renderer, target in (("html", profile), ("text", profile.with_suffix(".txt"))):
            subprocess.run(
                [PYTHON, "-m", "pyinstrument", "--load", str(session), "-r", renderer, "-o", str(target)], check=True
            )
        session.unlink()
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"{' '.join(command)} printed no result:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def say(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)

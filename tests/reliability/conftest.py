"""Fixtures of the reliability suite: the mode's sizes, a throw-away PostgreSQL cluster, stacks (a database, its
organisation and a running service), and the report written when the suite ends.

`make test` runs the short mode (SKPFLOW_RELIABILITY unset: seconds per check); `make reliability` the full one
(SKPFLOW_RELIABILITY=full: minutes), which rewrites docs/reliability.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.reliability import report
from tests.reliability.stack import PG_BIN, ROOT, Cluster, Service
from tests.reliability.world import World, build, token

SIZES: dict[str, dict[str, Any]] = {
    "short": {
        "units": 4,
        "staff": 15,
        "rate": 15,
        "duration": 8,
        "fault_duration": 12,
        "outage": (2.0, 1.0),
        "burst_rate": 40,
        "burst_duration": 4,
        "sweep_pegawai": 300,
        "sweep_chunk": 10,
        "deadline_skps": 300,
        "deadline_chunk": 100,
        "mails": 12,
        "race_skps": 5,
        "race_clients": 6,
        "race_rounds": 2,
        "fuzz_examples": 3,
    },
    "full": {
        "units": 10,
        "staff": 30,
        # issue 18 asked for 10× the first round (300 req/s for 10 min); this 2-core machine, running the service, its
        # PostgreSQL and the client, held 65.6 req/s when offered 300 and 58.2 when offered 150 (2026-12-04), so the
        # full mode offers the highest rate it held with every request answered in time: 2× the first round, 10 min
        "rate": 60,
        "duration": 600,
        "fault_duration": 40,
        "outage": (10.0, 8.0),
        "burst_rate": 80,
        "burst_duration": 12,
        "sweep_pegawai": 3000,
        "sweep_chunk": 100,
        "deadline_skps": 10_000,
        "deadline_chunk": 1000,
        "mails": 300,
        "race_skps": 40,
        "race_clients": 16,
        "race_rounds": 3,
        "fuzz_examples": 60,
    },
}


@pytest.fixture(scope="session")
def size() -> dict[str, Any]:
    """The mode's sizes; SKPFLOW_RELIABILITY_RATE and SKPFLOW_RELIABILITY_DURATION set the mixed load's rate (req/s)
    and length (s), to find the highest rate this machine holds."""
    chosen = dict(SIZES["full" if report.FULL else "short"])
    for name in ("rate", "duration"):
        given = os.environ.get(f"SKPFLOW_RELIABILITY_{name.upper()}")
        if given:
            chosen[name] = int(given) if given.isdigit() else float(given)
    return chosen


@pytest.fixture(scope="session", autouse=True)
def _report() -> Iterator[None]:
    report.reset()
    yield
    report.write()


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    if not (PG_BIN / "initdb").exists():
        message = f"no PostgreSQL binaries at {PG_BIN}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    made = Cluster()
    yield made
    made.destroy()


@dataclass
class Stack:
    db: Engine
    service: Service
    world: World
    tokens: dict[str, str]
    workdir: Path

    def load_config(self, **changes: Any) -> dict[str, Any]:
        return {
            "base": self.service.base,
            "tokens": self.tokens,
            "cycle_id": self.world.cycle_id,
            "units": self.world.units,
            "staff": [s.__dict__ for s in self.world.staff],
            **changes,
        }

    def run_load(self, name: str, **changes: Any) -> subprocess.Popen[bytes]:
        """Start the load client in its own process; its history lands in `<name>.jsonl`."""
        config = self.workdir / f"{name}.json"
        config.write_text(json.dumps(self.load_config(**changes)))
        out = self.workdir / f"{name}.jsonl"
        with (self.workdir / f"{name}.err").open("wb") as err:
            return subprocess.Popen(
                [sys.executable, "-m", "tests.reliability.load", str(config), str(out)], cwd=ROOT, stderr=err
            )


@pytest.fixture(scope="session")
def stack(cluster: Cluster, size: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One database and one running service for the whole suite (starting one costs seconds); each check
    takes its own baseline, and the fault checks leave the service running again."""
    workdir = tmp_path_factory.mktemp("stack")
    db = cluster.create_database("reliability")
    service = Service(cluster.url("reliability"), workdir)
    service.start()  # migrates the database and creates the first admin
    world = build(db, units=size["units"], staff=size["staff"])
    refs = {"user:root"} | {f"pegawai:{s.nip}" for s in world.staff} | {f"pegawai:{s.penilai_nip}" for s in world.staff}
    yield Stack(db, service, world, {ref: token(ref) for ref in refs}, workdir)
    service.stop()
    db.dispose()

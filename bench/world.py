"""The organisations the benchmarks run on, built through the product's own import and cycle use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import col

from policies.deadlines import due_date
from policies.schema import DeadlineKey, Policy
from workflows.actors import Actor
from workflows.cases import cycles, policy_store
from workflows.cases.org.imports import InstansiIn, OrgImport, PegawaiIn, UnitIn, import_org
from workflows.flows import runs
from workflows.simulation.demo import generate_kabupaten
from workflows.store.passwords import DEMO
from workflows.store.tables import Cycle, Skp, Unit
from workflows.store.uow import unit_of_work

YEAR = 2026
ROOT = Actor.admin("bench")
BEGIN = datetime(YEAR, 1, 2, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    instansi_id: int
    cycle_id: int
    pegawai: int


def flat_org(n: int) -> OrgImport:
    """One unit without a head and `n` pegawai with no atasan: every SKP is rated from outside (top JPT), so an
    admin may cascade each one on the penilai's behalf (B2)."""
    return OrgImport(
        instansi=InstansiIn(code="BENCH-FLAT", name="Instansi Benchmark"),
        units=[UnitIn(code="U", name="Unit Benchmark")],
        pegawai=[
            PegawaiIn.model_validate(
                {
                    "nip": f"{199001012020011000 + i:018d}",
                    "name": f"Pegawai {i}",
                    "jenis": "PNS",
                    "jabatan_type": "PELAKSANA",
                    "jabatan_name": "Pengadministrasi Umum",
                    "unit_code": "U",
                    "email": f"p{i}@bench.invalid",
                }
            )
            for i in range(n)
        ],
    )


def build(engine: Engine, n: int, *, flat: bool = False) -> World:
    """Import an organisation of `n` pegawai (a demo kabupaten, or a flat one) and create its planning cycle."""
    payload = flat_org(n) if flat else generate_kabupaten(pegawai=n)
    with unit_of_work(engine) as s:
        imported = import_org(s, payload, actor=ROOT, now=BEGIN, passwords=DEMO)  # the demo accounts' `demo`
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=BEGIN)
        made = cycles.create(
            s,
            instansi_id=imported.instansi_id,
            year=YEAR,
            name=f"SKP {YEAR}",
            policy_version_id=pv.id,
            actor=ROOT,
            now=BEGIN,
        )
    assert made.id is not None
    return World(imported.instansi_id, made.id, n)


def context(
    engine: Engine, world: World, as_of: datetime, chunk: int = 5000, *, force: bool = False
) -> runs.RunContext:
    return runs.RunContext(engine, ROOT, as_of, world.cycle_id, None, chunk, force=force)


def open_cycle(engine: Engine, world: World, *, force: bool = False) -> dict[str, object]:
    """The whole `open-cycle` workflow, as `POST /workflows/open-cycle/run` and the scheduler run it; `force` for
    the flat organisation, whose pegawai have no penilai (a blocking data-quality problem under the preset)."""
    return runs.run("open-cycle", context(engine, world, BEGIN, force=force))


def policy(engine: Engine, world: World) -> Policy:
    with unit_of_work(engine) as s:
        return policy_store.cycle_policy(s, s.get_one(Cycle, world.cycle_id))


def zones(engine: Engine, world: World) -> list[str]:
    with unit_of_work(engine) as s:
        found = s.scalars(select(col(Unit.timezone)).where(col(Unit.instansi_id) == world.instansi_id).distinct())
        return sorted(found)


def agreement_overdue(engine: Engine, world: World) -> datetime:
    """A moment a day after the last step of the SKP-agreement ladder in every zone: each drafted SKP has reached
    all five steps (two reminders, notice, escalation, HR drafts) and none has been taken yet."""
    p = policy(engine, world)
    last = p.deadlines.rule(DeadlineKey.SKP_AGREEMENT).ladder[-1].offset_days
    dues = [due_date(p, DeadlineKey.SKP_AGREEMENT, cycle_year=YEAR, tz=z) for z in zones(engine, world)]
    return max(dues) + timedelta(days=last + 1)


def skp_count(engine: Engine, world: World) -> int:
    with unit_of_work(engine) as s:
        return s.scalar(select(func.count()).where(col(Skp.cycle_id) == world.cycle_id)) or 0

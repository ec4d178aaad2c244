"""HR's dashboard on a demo kabupaten: SKPs per state in total and per perangkat daerah (OPD), the drill-down by OPD
with search and paging, and a number of statements that does not grow with the units."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from workflows.actors import Actor
from workflows.cases import cycles as cycle
from workflows.cases import policy_store
from workflows.cases.org.imports import import_org
from workflows.queries.dashboard import dashboard, unit_page
from workflows.simulation.demo import generate_kabupaten
from workflows.store.passwords import DEMO
from workflows.store.tables import Skp, Unit, perangkat_daerah_of
from workflows.store.uow import reading, unit_of_work

ADMIN = Actor.admin("hr")


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def demo_cycle(db: Engine, now: datetime, pegawai: int) -> int:
    with unit_of_work(db) as s:
        demo = generate_kabupaten(pegawai=pegawai, seed=7)
        result = import_org(s, demo, actor=ADMIN, now=now, passwords=DEMO)  # the demo's `demo` passwords
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=now)
        made = cycle.create(
            s, instansi_id=result.instansi_id, year=2026, name="SKP 2026", policy_version_id=pv.id, actor=ADMIN, now=now
        )
    assert made.id is not None
    cycle.open_cycle(lambda: Session(db, expire_on_commit=False), made.id, actor=ADMIN, now=now)
    return made.id


def test_opd_is_the_unit_right_under_the_root() -> None:
    assert [perangkat_daerah_of(p) for p in ("/1/", "/1/5/", "/1/5/17/", "/1/5/17/40/")] == [1, 5, 5, 5]


@pytest.mark.parametrize("pegawai", [400])
def test_the_dashboard_adds_up_per_opd_and_drills_down(db: Engine, now: datetime, pegawai: int) -> None:
    cycle_id = demo_cycle(db, now, pegawai)
    with unit_of_work(db) as s:  # some SKPs agreed, so there is more than one state to count
        some = s.scalars(select(col(Skp.id)).where(col(Skp.cycle_id) == cycle_id).order_by(col(Skp.id)).limit(50))
        s.execute(update(Skp).where(col(Skp.id).in_(list(some))).values(state="agreed"))
    with reading(db) as s:
        paths = dict(s.execute(select(col(Unit.id), col(Unit.path))).tuples().all())
        truth: Counter[tuple[int, str]] = Counter()
        for unit_id, state in s.execute(select(col(Skp.unit_id), col(Skp.state)).where(col(Skp.cycle_id) == cycle_id)):
            truth[(perangkat_daerah_of(paths[unit_id]), state)] += 1
        board = dashboard(s, ADMIN, cycle_id, now=now)
    assert board.total == sum(truth.values())
    assert board.totals == {"drafted": board.total - 50, "agreed": 50}
    assert board.compliance.agreed == 50
    assert {(o.id, state): n for o in board.opds for state, n in o.counts.items()} == dict(truth)
    assert [o.total for o in board.opds] == sorted((o.total for o in board.opds), reverse=True)  # largest first

    biggest = board.opds[0]
    with reading(db) as s:
        first = unit_page(s, ADMIN, cycle_id, opd=biggest.id, limit=5)
        second = unit_page(s, ADMIN, cycle_id, opd=biggest.id, offset=5, limit=5)
        every = unit_page(s, ADMIN, cycle_id, opd=biggest.id, limit=10_000)
    assert first.opd is not None and first.opd.counts == biggest.counts
    assert sum(u.total for u in every.items) == biggest.total  # the OPD's units carry all of its SKPs
    assert all(u.total > 0 for u in every.items)  # units without SKPs are left out
    assert len(first.items) == 5 and first.next == 5 and first.previous is None
    assert {u.id for u in first.items}.isdisjoint(u.id for u in second.items)
    assert second.previous == 0
    name_part = every.items[-1].name.split()[-1]
    with reading(db) as s:
        found = unit_page(s, ADMIN, cycle_id, search=name_part.lower())
        nothing = unit_page(s, ADMIN, cycle_id, search="tidak-ada-unit-begini")
    assert found.items and all(name_part.lower() in (u.name + u.code).lower() for u in found.items)
    assert (nothing.total, nothing.items) == (0, [])


def test_the_statements_do_not_grow_with_the_units(db: Engine, now: datetime) -> None:
    """Far fewer statements than units, the same for a big OPD and a small one: neither page reads per unit."""
    cycle_id = demo_cycle(db, now, 600)
    with reading(db) as s:
        units = len(s.scalars(select(col(Unit.id))).all())
        opds = dashboard(s, ADMIN, cycle_id, now=now).opds
    assert units > 60 and len(opds) > 5
    small = min(opds, key=lambda o: o.total)
    sent = {}
    for name, opd in (("big", opds[0].id), ("small", small.id), ("all", None)):
        with counted(db) as statements, reading(db) as s:
            dashboard(s, ADMIN, cycle_id, now=now)
            unit_page(s, ADMIN, cycle_id, opd=opd, search="", limit=100)
        sent[name] = len(statements)
    assert sent["big"] == sent["small"] and sent["all"] <= sent["big"], sent
    assert sent["big"] <= 20 < units, sent  # reading the cycle, its policy and the session included

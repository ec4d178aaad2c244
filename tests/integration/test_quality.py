"""The data-quality report (issue 17 item 5), read as HR would: each rule planted in the small organisation is
found with its policy severity, and the report reads a constant number of statements whatever the number of SKPs."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, event, select, update
from sqlmodel import col

from tests.integration.org import STAF1, STAF2
from tests.integration.scenario import ROOT, Cast, monitored_cycle
from workflows.queries import quality
from workflows.store.tables import Indikator, Rhk, Skp
from workflows.store.uow import reading, unit_of_work


@pytest.fixture
def cast(db: Engine, now: datetime) -> Cast:
    return monitored_cycle(db, now)


def _rules(db: Engine, cast: Cast) -> set[tuple[str, str | None]]:
    with reading(db) as s:
        found = quality.report(s, cast.cycle_id, actor=ROOT)
    return {(p.rule, p.nip) for p in found.problems}


def _zero_target(db: Engine, cast: Cast) -> None:
    with unit_of_work(db) as s:
        rhk = s.scalars(select(col(Rhk.id)).where(col(Rhk.skp_id) == cast.skps[STAF1])).first()
        s.execute(update(Indikator).where(col(Indikator.rhk_id) == rhk).values(target=0))


def _no_penilai(db: Engine, cast: Cast) -> None:
    with unit_of_work(db) as s:
        s.execute(update(Skp).where(col(Skp.id) == cast.skps[STAF2]).values(penilai_id=None))


def _duplicate(db: Engine, cast: Cast) -> None:
    with unit_of_work(db) as s:
        for nip in (STAF1, STAF2):
            s.execute(update(Rhk).where(col(Rhk.skp_id) == cast.skps[nip]).values(text="Laporan yang sama"))


PLANTED = [
    pytest.param(_zero_target, ("target_missing", STAF1), "blocking", id="target_missing"),
    pytest.param(_no_penilai, ("no_penilai", STAF2), "blocking", id="no_penilai"),
]


def test_the_planned_small_organisation_has_no_blocking_problem(db: Engine, cast: Cast) -> None:
    with reading(db) as s:
        found = quality.report(s, cast.cycle_id, actor=ROOT)
    assert found.checked == len(cast.skps)
    assert [p for p in found.problems if p.severity == "blocking"] == []


@pytest.mark.parametrize(("plant", "expected", "severity"), PLANTED)
def test_each_planted_problem_is_found(db: Engine, cast: Cast, plant, expected, severity) -> None:  # type: ignore[no-untyped-def]
    assert expected not in _rules(db, cast)
    plant(db, cast)
    with reading(db) as s:
        found = quality.report(s, cast.cycle_id, actor=ROOT)
    hits = [p for p in found.problems if (p.rule, p.nip) == expected]
    assert hits and hits[0].severity == severity and " / " in hits[0].message


def test_duplicated_rhk_text_in_a_team_is_found(db: Engine, cast: Cast) -> None:
    _duplicate(db, cast)
    found = _rules(db, cast)
    assert ("duplicate_rhk_text", STAF1) in found or ("duplicate_rhk_text", STAF2) in found


def test_statements_do_not_grow_with_the_skps(db: Engine, cast: Cast) -> None:
    def count() -> int:
        n = 0

        def seen(*_: object) -> None:
            nonlocal n
            n += 1

        event.listen(db, "before_cursor_execute", seen)
        try:
            with reading(db) as s:
                quality.report(s, cast.cycle_id, actor=ROOT)
        finally:
            event.remove(db, "before_cursor_execute", seen)
        return n

    before = count()
    with unit_of_work(db) as s:  # half the SKPs leave the cycle's rows: fewer SKPs, same statements
        s.execute(update(Skp).where(col(Skp.id) == cast.skps[STAF2]).values(penilai_id=None))
    assert count() == before

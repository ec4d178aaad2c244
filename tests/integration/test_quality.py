"""The data-quality report (issue 17 item 5), read as HR would: each rule planted in the small organisation is
found with its policy severity (and not found while the data is clean), the report reads the same number of
statements for 10 SKPs as for 200, and blocking problems hold back opening and the assessment unless an admin
forces them, the audit event naming what was overridden."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, insert, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.loader import load_preset
from policies.schema import QualityRule, Severity
from states.errors import GuardFailed, NotPermitted
from tests.integration.org import KABID, KADIS, STAF1, STAF2, small_org
from tests.integration.scenario import ROOT, SYSTEM, Cast, monitored_cycle
from workflows.cases import cycles, policy_store
from workflows.cases.org.imports import OrgImport, import_org
from workflows.flows import runs
from workflows.queries import quality
from workflows.store.tables import (
    AuditEvent,
    Capaian,
    Cycle,
    Evaluation,
    Evidence,
    Feedback,
    Indikator,
    Realisasi,
    Rhk,
    Skp,
)
from workflows.store.uow import reading, unit_of_work


@pytest.fixture
def cast(db: Engine, now: datetime) -> Cast:
    return monitored_cycle(db, now)


def _found(db: Engine, cast: Cast) -> list[quality.Problem]:
    with reading(db) as s:
        return quality.report(s, cast.cycle_id, actor=ROOT).problems


def _rules(db: Engine, cast: Cast) -> set[tuple[str, str | None]]:
    return {(p.rule, p.nip) for p in _found(db, cast)}


def _first_rhk(s: Session, cast: Cast, nip: str, jenis: str = "UTAMA") -> int:
    found = s.scalars(
        select(col(Rhk.id)).where(col(Rhk.skp_id) == cast.skps[nip], col(Rhk.jenis) == jenis).order_by(col(Rhk.id))
    ).first()
    assert found is not None
    return found


def _pid(cast: Cast, nip: str) -> int:
    pid = cast.actors[nip].pegawai_id
    assert pid is not None
    return pid


def _evaluation(s: Session, cast: Cast, nip: str, *, predikat: str | None = None) -> int:
    made = s.execute(
        insert(Evaluation).returning(col(Evaluation.id)),
        [{"skp_id": cast.skps[nip], "period_no": 1, "state": "open", "version": 1, "predikat": predikat}],
    ).scalar_one()
    assert made is not None
    return made


# --- planting each problem ---------------------------------------------------------------------------------------


def _zero_target(db: Engine, cast: Cast) -> None:
    with unit_of_work(db) as s:
        s.execute(update(Indikator).where(col(Indikator.rhk_id) == _first_rhk(s, cast, STAF1)).values(target=0))


def _no_penilai(db: Engine, cast: Cast) -> None:
    with unit_of_work(db) as s:
        s.execute(update(Skp).where(col(Skp.id) == cast.skps[STAF2]).values(penilai_id=None))


def _utama_without_intervensi(db: Engine, cast: Cast) -> None:
    with unit_of_work(db) as s:
        s.execute(update(Rhk).where(col(Rhk.id) == _first_rhk(s, cast, STAF1)).values(intervensi_rhk_id=None))


def _orphan(db: Engine, cast: Cast) -> None:
    """The kepala bidang's RHK Tambahan becomes a second RHK Utama, which neither staff intervenes."""
    with unit_of_work(db) as s:
        s.execute(update(Rhk).where(col(Rhk.id) == _first_rhk(s, cast, KABID, "TAMBAHAN")).values(jenis="UTAMA"))


def _realisasi_without_evidence(db: Engine, cast: Cast) -> None:
    with unit_of_work(db) as s:
        evaluation = _evaluation(s, cast, STAF2)
        indikator = s.scalars(select(col(Indikator.id)).where(col(Indikator.rhk_id) == _first_rhk(s, cast, STAF2)))
        s.execute(insert(Realisasi), [{"evaluation_id": evaluation, "indikator_id": indikator.first(), "value": 90}])


def _rating_without_feedback(db: Engine, cast: Cast) -> None:
    with unit_of_work(db) as s:
        _evaluation(s, cast, STAF1, predikat="BAIK")


def _curve_broken(db: Engine, cast: Cast) -> None:
    """All three of Bidang P2P rated BAIK under a capaian of BAIK: more than 70 % BAIK, and nobody below it."""
    with unit_of_work(db) as s:
        s.execute(
            update(Skp).where(col(Skp.id).in_([cast.skps[n] for n in (KABID, STAF1, STAF2)])).values(predikat="BAIK")
        )
        s.execute(
            insert(Capaian),
            [
                {
                    "cycle_id": cast.cycle_id,
                    "unit_id": cast.units["DINKES-P2P"],
                    "period_no": 0,
                    "level": "BAIK",
                    "version": 1,
                }
            ],
        )
        s.add_all(
            Feedback(skp_id=cast.skps[n], author_id=_pid(cast, KADIS), text="Baik", at=datetime(2026, 6, 1, tzinfo=UTC))
            for n in (KABID, STAF1, STAF2)
        )


def _repin(db: Engine, cast: Cast, now: datetime, **quality_changes: Any) -> None:
    """Pin the cycle to a version of the preset whose `quality` section differs."""
    base = load_preset("permenpanrb-6-2022")
    changed = base.model_copy(
        update={
            "name": f"{base.name}+quality-{len(str(quality_changes))}",
            "base": base.name,
            "quality": base.quality.model_copy(update=quality_changes),
        }
    )
    with unit_of_work(db) as s:
        pv = policy_store.store(s, changed, instansi_id=cast.instansi_id, created_by="test", now=now)
        s.execute(update(Cycle).where(col(Cycle.id) == cast.cycle_id).values(policy_version_id=pv.id))


def _overloaded(db: Engine, cast: Cast) -> None:
    _repin(db, cast, datetime(2026, 1, 5, tzinfo=UTC), max_bawahan=1)


Plant = Callable[[Engine, Cast], None]
PLANTED = [
    pytest.param(_zero_target, ("target_missing", STAF1), "blocking", id="target_missing"),
    pytest.param(_no_penilai, ("no_penilai", STAF2), "blocking", id="no_penilai"),
    pytest.param(
        _utama_without_intervensi, ("utama_without_intervensi", STAF1), "warning", id="utama_without_intervensi"
    ),
    pytest.param(_orphan, ("orphan_atasan_rhk", KABID), "info", id="orphan_atasan_rhk"),
    pytest.param(
        _realisasi_without_evidence, ("realisasi_without_evidence", STAF2), "warning", id="realisasi_without_evidence"
    ),
    pytest.param(_rating_without_feedback, ("rating_without_feedback", STAF1), "warning", id="rating_without_feedback"),
    pytest.param(_curve_broken, ("distribution_violation", None), "warning", id="distribution_violation"),
    pytest.param(_overloaded, ("penilai_overloaded", KABID), "info", id="penilai_overloaded"),
]


def test_the_planned_small_organisation_has_no_blocking_problem(db: Engine, cast: Cast) -> None:
    with reading(db) as s:
        found = quality.report(s, cast.cycle_id, actor=ROOT)
    assert found.checked == len(cast.skps)
    assert [p for p in found.problems if p.severity == "blocking"] == []


@pytest.mark.parametrize(("plant", "expected", "severity"), PLANTED)
def test_each_planted_problem_is_found(
    db: Engine, cast: Cast, plant: Plant, expected: tuple[str, str | None], severity: str
) -> None:
    assert expected[0] not in {rule for rule, _ in _rules(db, cast)}  # clean: the rule finds nothing
    plant(db, cast)
    hits = [p for p in _found(db, cast) if (p.rule, p.nip) == expected]
    assert hits and hits[0].severity == severity and " / " in hits[0].message
    if expected[0] == "distribution_violation":
        assert {p.unit for p in hits} == {"DINKES-P2P"}


def test_evidence_and_feedback_clear_their_problems(db: Engine, cast: Cast) -> None:
    _realisasi_without_evidence(db, cast)
    _rating_without_feedback(db, cast)
    with unit_of_work(db) as s:
        realisasi = s.scalars(select(col(Realisasi.id))).one()
        assert realisasi is not None
        s.add(
            Evidence(
                realisasi_id=realisasi,
                filename="a.pdf",
                content_type="application/pdf",
                size=1,
                sha256="0" * 64,
                uri="x",
            )
        )
        s.add(
            Feedback(
                skp_id=cast.skps[STAF1],
                period_no=1,
                author_id=_pid(cast, KADIS),
                text="Lanjutkan",
                at=datetime(2026, 2, 1, tzinfo=UTC),
            )
        )
    rules = {rule for rule, _ in _rules(db, cast)}
    assert "realisasi_without_evidence" not in rules and "rating_without_feedback" not in rules


def test_duplicated_rhk_text_in_a_team_is_found(db: Engine, cast: Cast) -> None:
    with unit_of_work(db) as s:
        for nip in (STAF1, STAF2):
            s.execute(update(Rhk).where(col(Rhk.skp_id) == cast.skps[nip]).values(text="Laporan yang sama"))
    found = _rules(db, cast)
    assert ("duplicate_rhk_text", STAF1) in found and ("duplicate_rhk_text", STAF2) in found
    assert ("duplicate_rhk_text", KADIS) not in found


def test_a_unit_head_sees_their_subtree_only(db: Engine, cast: Cast) -> None:
    _zero_target(db, cast)
    _utama_without_intervensi(db, cast)
    with reading(db) as s:
        seen = quality.report(s, cast.cycle_id, actor=cast.actors[KABID])
        with pytest.raises(NotPermitted):
            quality.report(s, cast.cycle_id, actor=cast.actors[STAF1])
    assert seen.checked == 3 and {p.unit for p in seen.problems} == {"DINKES-P2P"}


# --- a constant number of statements ----------------------------------------------------------------------------


def _org(n: int) -> OrgImport:
    """A root unit whose head rates a kepala bidang, who rates `n - 2` staff (NIPs of their own for each `n`)."""
    sekda, kabid = f"{197001011995030000 + n:018d}", f"{198003032005010000 + n:018d}"
    staff = [
        {
            "nip": f"{199001012020000000 + n * 1000 + i:018d}",
            "name": f"Staf {i}",
            "jenis": "PNS",
            "jabatan_type": "PELAKSANA",
            "jabatan_name": "Pengadministrasi Umum",
            "unit_code": "B",
        }
        for i in range(n - 2)
    ]
    return OrgImport.model_validate(
        {
            "instansi": {"code": f"KAB-{n}", "name": f"Kabupaten {n}"},
            "units": [
                {"code": "A", "name": "Sekretariat", "head_nip": sekda},
                {"code": "B", "name": "Bidang", "parent_code": "A", "head_nip": kabid},
            ],
            "pegawai": [
                {
                    "nip": sekda,
                    "name": "Sekda",
                    "jenis": "PNS",
                    "jabatan_type": "JPT",
                    "jabatan_name": "Sekretaris Daerah",
                    "unit_code": "A",
                },
                {
                    "nip": kabid,
                    "name": "Kabid",
                    "jenis": "PNS",
                    "jabatan_type": "ADMINISTRATOR",
                    "jabatan_name": "Kepala Bidang",
                    "unit_code": "B",
                },
                *staff,
            ],
        }
    )


def _planted_cycle(db: Engine, now: datetime, n: int) -> int:
    """A cycle of `n` SKPs, each with an RHK Utama (every tenth intervening nothing), an indicator (every fifth
    without a target), a rated period with a realisasi and no bukti dukung: every rule has rows to read."""
    with unit_of_work(db) as s:
        instansi_id = import_org(s, _org(n), actor=ROOT, now=now).instansi_id
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=now)
        cycle_id = cycles.create(
            s, instansi_id=instansi_id, year=2026, name=f"SKP {n}", policy_version_id=pv.id, actor=ROOT, now=now
        ).id
    assert cycle_id is not None
    cycles.open_cycle(lambda: Session(db, expire_on_commit=False), cycle_id, actor=ROOT, now=now)
    with unit_of_work(db) as s:
        ids = list(s.scalars(select(col(Skp.id)).where(col(Skp.cycle_id) == cycle_id).order_by(col(Skp.id))))
        rhk = (
            s.execute(
                insert(Rhk).returning(col(Rhk.id)),
                [{"skp_id": i, "position": 1, "jenis": "UTAMA", "text": f"RHK {k % 7}"} for k, i in enumerate(ids)],
            )
            .scalars()
            .all()
        )
        indikator = (
            s.execute(
                insert(Indikator).returning(col(Indikator.id)),
                [
                    {"rhk_id": r, "position": 1, "text": "Laporan", "aspek": "KUANTITAS", "target": 0 if k % 5 else 12}
                    for k, r in enumerate(rhk)
                ],
            )
            .scalars()
            .all()
        )
        evaluations = (
            s.execute(
                insert(Evaluation).returning(col(Evaluation.id)),
                [{"skp_id": i, "period_no": 1, "state": "evaluated", "version": 1, "predikat": "BAIK"} for i in ids],
            )
            .scalars()
            .all()
        )
        s.execute(
            insert(Realisasi),
            [{"evaluation_id": e, "indikator_id": d, "value": 10} for e, d in zip(evaluations, indikator, strict=True)],
        )
    return cycle_id


def _statements(db: Engine, cycle_id: int) -> tuple[int, int]:
    n = 0

    def seen(*_: object) -> None:
        nonlocal n
        n += 1

    event.listen(db, "before_cursor_execute", seen)
    try:
        with reading(db) as s:
            found = quality.report(s, cycle_id, actor=ROOT)
    finally:
        event.remove(db, "before_cursor_execute", seen)
    return n, len(found.problems)


def test_statements_do_not_grow_with_the_skps(db: Engine, now: datetime) -> None:
    small, large = _planted_cycle(db, now, 10), _planted_cycle(db, now, 200)
    (at_10, problems_10), (at_200, problems_200) = _statements(db, small), _statements(db, large)
    assert problems_200 > problems_10 * 10  # the larger cycle has many more rows to report
    assert at_10 == at_200 and at_10 <= 2 * len(QualityRule) + 4


# --- the gate: open, open_period, start_assessment ------------------------------------------------------------


def _events(db: Engine, entity_type: str, trigger: str) -> list[AuditEvent]:
    with reading(db) as s:
        return list(
            s.scalars(
                select(AuditEvent).where(col(AuditEvent.entity_type) == entity_type, col(AuditEvent.trigger) == trigger)
            )
        )


def _audit_count(db: Engine) -> int:
    with reading(db) as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_opening_waits_for_a_pegawai_without_a_penilai_unless_an_admin_forces_it(db: Engine, now: datetime) -> None:
    org = small_org()
    org = org.model_copy(
        update={
            "units": [
                *org.units,
                org.units[0].model_copy(update={"code": "BARU", "name": "Unit Baru", "head_nip": None}),
            ],
            "pegawai": [
                *[p.model_copy(update={"password": None}) for p in org.pegawai],
                org.pegawai[-1].model_copy(
                    update={"nip": "199606062021011007", "name": "Tanpa Atasan", "unit_code": "BARU", "password": None}
                ),
            ],
        }
    )
    with unit_of_work(db) as s:
        instansi_id = import_org(s, org, actor=ROOT, now=now).instansi_id
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=now)
        cycle_id = cycles.create(
            s, instansi_id=instansi_id, year=2026, name="SKP 2026", policy_version_id=pv.id, actor=ROOT, now=now
        ).id
    assert cycle_id is not None
    sessions = lambda: Session(db, expire_on_commit=False)  # noqa: E731
    before = _audit_count(db)
    with pytest.raises(GuardFailed) as refused:
        cycles.open_cycle(sessions, cycle_id, actor=ROOT, now=now)
    assert refused.value.problems == [
        f"data quality: no_penilai — 1 blocking problem(s); GET /cycles/{cycle_id}/quality lists them, "
        "an admin may force"
    ]
    with reading(db) as s:
        assert s.get_one(Cycle, cycle_id).state == "planning"
        assert s.scalar(select(func.count()).where(col(Skp.cycle_id) == cycle_id)) == 0
    assert _audit_count(db) == before
    with pytest.raises(NotPermitted):  # the scheduler never forces
        cycles.open_cycle(sessions, cycle_id, actor=SYSTEM, now=now, force=True)
    opened = cycles.open_cycle(sessions, cycle_id, actor=ROOT, now=now, force=True)
    assert (opened.cycle.state, opened.drafted) == ("drafting", 7)
    (event_,) = _events(db, "cycle", "open")
    assert event_.actor == ROOT.ref and event_.note is not None and "no_penilai 1" in event_.note


def test_start_assessment_waits_for_a_missing_target_unless_an_admin_forces_it(
    db: Engine, cast: Cast, now: datetime
) -> None:
    _zero_target(db, cast)
    before = _audit_count(db)
    with pytest.raises(GuardFailed) as refused, unit_of_work(db) as s:
        cycles.fire(s, cast.cycle_id, "start_assessment", actor=ROOT, now=now)
    assert [p.split(" — ")[0] for p in refused.value.problems] == ["data quality: target_missing"]
    assert "1 blocking problem(s)" in refused.value.problems[0]
    assert _audit_count(db) == before
    with unit_of_work(db) as s:
        assert s.get_one(Cycle, cast.cycle_id).state == "monitoring"
        moved = cycles.fire(s, cast.cycle_id, "start_assessment", actor=ROOT, now=now, force=True)
    assert moved.state == "assessing"
    (event_,) = _events(db, "cycle", "start_assessment")
    assert event_.note is not None and "target_missing 1" in event_.note and "user:root" in event_.note


def test_which_rules_block_is_the_policys(db: Engine, cast: Cast, now: datetime) -> None:
    _zero_target(db, cast)
    severity = {**load_preset("permenpanrb-6-2022").quality.severity, QualityRule.TARGET_MISSING: Severity.WARNING}
    _repin(db, cast, now, severity=severity)
    with unit_of_work(db) as s:
        assert cycles.fire(s, cast.cycle_id, "start_assessment", actor=ROOT, now=now).state == "assessing"
    (event_,) = _events(db, "cycle", "start_assessment")
    assert event_.note is None
    assert ("target_missing", STAF1) in _rules(db, cast)


def test_opening_a_period_waits_unless_an_admin_forces_it(db: Engine, cast: Cast, now: datetime) -> None:
    _no_penilai(db, cast)
    as_of = now + timedelta(days=30)
    before = _audit_count(db)
    with pytest.raises(GuardFailed):
        runs.run("open-period", runs.RunContext(db, ROOT, as_of, cast.cycle_id, 2, 500))
    swept = runs.run("open-period", runs.RunContext(db, SYSTEM, as_of, None, 2, 500))  # the scheduler, every cycle
    (row,) = swept["cycles"]
    assert row["cycle_id"] == cast.cycle_id and "no_penilai" in row["refused"][0] and "opened" not in row
    assert _audit_count(db) == before
    forced = runs.run("open-period", runs.RunContext(db, ROOT, as_of, cast.cycle_id, 2, 500, force=True))
    assert forced["cycles"][0]["opened"]["opened"] == 6
    opened = _events(db, "evaluation", "open")
    assert len(opened) == 6 and all(e.note and "no_penilai 1" in e.note for e in opened)

"""A qualitative SKP through the use cases: planned with an ekspektasi, realised in words, rated per indikator by the
penilai, the rating hasil kerja derived and the kuadran's predikat; its exports, quality report and documents."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from api.web import documents
from policies.schema import ApproachRule, DeriveRating, QualitativeUse
from states.enums import CapaianLevel, Rating
from states.errors import GuardFailed, InvalidInput
from states.lifecycle import TriggerInput
from tests.integration.org import KABID, STAF1, STAF2
from tests.integration.scenario import ROOT, SYSTEM, Cast, event_count, monitored_cycle, open_cycle, rows
from workflows.actors import Actor
from workflows.cases import evaluations, policy_store, skps
from workflows.cases.evaluations import RealisasiIn
from workflows.cases.skps import PlanIn
from workflows.queries import document_data, exports, quality
from workflows.store.tables import AuditEvent, Cycle, Indikator, Pegawai, Realisasi, Skp
from workflows.store.uow import reading, unit_of_work

JANUARY = 1
ATAS, SESUAI, BAWAH = Rating.DI_ATAS_EKSPEKTASI, Rating.SESUAI_EKSPEKTASI, Rating.DI_BAWAH_EKSPEKTASI
KEPUASAN = "Kepuasan penerima konsultasi gizi"
EKSPEKTASI = "Penerima konsultasi memahami anjuran gizi dan menyatakan puas atas layanan"


def qualitative_plan(intervenes: int | None) -> PlanIn:
    """An RHK Utama with a qualitative and a quantitative indikator, and a qualitative RHK Tambahan."""
    return PlanIn.model_validate(
        {
            "rhk": [
                {
                    "jenis": "UTAMA",
                    "text": "Terlaksananya konsultasi gizi",
                    "intervensi_rhk_id": intervenes,
                    "cascade": "INDIRECT" if intervenes else None,
                    "indikator": [
                        {"text": KEPUASAN, "aspek": "KUALITAS", "approach": "KUALITATIF", "ekspektasi": EKSPEKTASI},
                        {"text": "Konsultasi dilayani", "aspek": "KUANTITAS", "target": 20, "satuan": "orang"},
                    ],
                },
                {
                    "jenis": "TAMBAHAN",
                    "text": "Narasumber penyuluhan",
                    "indikator": [
                        {
                            "text": "Materi penyuluhan",
                            "aspek": "KUALITAS",
                            "approach": "KUALITATIF",
                            "ekspektasi": "Materi jelas dan sesuai sasaran",
                        }
                    ],
                },
            ],
            "propose": True,
        }
    )


@pytest.fixture
def cast(db: Engine, now: datetime) -> Cast:
    cast = monitored_cycle(db, now, {STAF2: qualitative_plan})
    evaluations.open_period(lambda: Session(db), cast.cycle_id, JANUARY, actor=SYSTEM, now=now)
    with unit_of_work(db) as s:
        skps.set_capaian(s, cast.cycle_id, cast.units["DINKES-P2P"], JANUARY, CapaianLevel.BAIK, actor=ROOT, now=now)
    return cast


def ids(db: Engine, cast: Cast, nip: str) -> dict[str, int]:
    with reading(db) as s:
        view = evaluations.get_evaluation(s, cast.skps[nip], JANUARY, actor=ROOT)
    return {r.indikator_text: r.indikator_id for r in view.realisasi}


def realise(db: Engine, cast: Cast, now: datetime) -> dict[str, int]:
    found = ids(db, cast, STAF2)
    body = RealisasiIn.model_validate(
        {
            "realisasi": [
                {"indikator_id": found[KEPUASAN], "text": "Survei: 18 dari 20 penerima menyatakan puas"},
                {"indikator_id": found["Konsultasi dilayani"], "value": 22},
                {"indikator_id": found["Materi penyuluhan"], "text": "Dua kali penyuluhan di posyandu"},
            ],
            "submit": True,
        }
    )
    with unit_of_work(db) as s:
        evaluations.save_realisasi(s, cast.skps[STAF2], JANUARY, body, actor=cast.actors[STAF2], now=now)
    return found


def pin(db: Engine, cast: Cast, now: datetime, **changes: object) -> None:
    """The cycle runs on the preset with other `approach` settings."""
    with unit_of_work(db) as s:
        preset = policy_store.cycle_policy(s, s.get_one(Cycle, cast.cycle_id))
        changed = preset.model_copy(
            update={"name": f"approach-{sorted(changes)}", "approach": preset.approach.model_copy(update=changes)}
        )
        pinned = policy_store.store(s, changed, instansi_id=cast.instansi_id, created_by="test", now=now).id
        s.execute(update(Cycle).where(col(Cycle.id) == cast.cycle_id).values(policy_version_id=pinned))


def test_a_qualitative_skp_from_plan_to_predikat(db: Engine, now: datetime, cast: Cast) -> None:
    with reading(db) as s:
        planned = skps.get(s, cast.skps[STAF2], ROOT)
    kepuasan = planned.rhk[0]["indikator"][0]
    assert planned.state == "monitored"  # agreed with a qualitative indikator: no target asked of it
    assert (kepuasan["approach"], kepuasan["target"], kepuasan["ekspektasi"]) == ("KUALITATIF", None, EKSPEKTASI)
    assert planned.rhk[0]["indikator"][1]["approach"] == "KUANTITATIF"

    found = ids(db, cast, STAF2)
    with pytest.raises(InvalidInput) as refused, unit_of_work(db) as s:
        bad = RealisasiIn.model_validate({"realisasi": [{"indikator_id": found[KEPUASAN], "value": 90}]})
        evaluations.save_realisasi(s, cast.skps[STAF2], JANUARY, bad, actor=cast.actors[STAF2], now=now)
    assert refused.value.problems == [
        "realisasi[0].value: a qualitative indikator is realised in words (text), not as a value"
    ]
    assert rows(db, Realisasi) == 0

    realise(db, cast, now)
    with reading(db) as s:
        submitted = evaluations.get_evaluation(s, cast.skps[STAF2], JANUARY, actor=cast.actors[KABID])
    # the quantitative indikator's capaian (22 of 20: 110 %) rates it; the qualitative ones wait for the penilai
    assert [(r.indikator_text, r.rating_derived) for r in submitted.realisasi] == [
        (KEPUASAN, None),
        ("Konsultasi dilayani", "DI_ATAS_EKSPEKTASI"),
        ("Materi penyuluhan", None),
    ]
    assert submitted.hasil_kerja_derived is None

    kabid = cast.actors[KABID]
    events = event_count(db)
    with pytest.raises(GuardFailed) as unrated, unit_of_work(db) as s:
        evaluations.evaluate(s, cast.skps[STAF2], JANUARY, rating_perilaku=SESUAI, actor=kabid, now=now)
    assert unrated.value.problems == [
        f"rating_hasil_kerja is required (the indikator ratings give none; indikator '{KEPUASAN}' has no rating)"
    ]
    assert event_count(db) == events

    with unit_of_work(db) as s:  # the penilai rates the qualitative indikator and leaves the rating hasil kerja out
        rated = evaluations.evaluate(
            s,
            cast.skps[STAF2],
            JANUARY,
            rating_perilaku=ATAS,
            indikator_ratings={found[KEPUASAN]: ATAS, found["Materi penyuluhan"]: SESUAI},
            actor=kabid,
            now=now,
        )
    assert (rated.state, rated.rating_hasil_kerja, rated.predikat) == ("evaluated", "DI_ATAS_EKSPEKTASI", "SANGAT_BAIK")
    assert rated.hasil_kerja_derived == "DI_ATAS_EKSPEKTASI"
    assert [r.rating for r in rated.realisasi] == ["DI_ATAS_EKSPEKTASI", None, "SESUAI_EKSPEKTASI"]
    with reading(db) as s:
        stored = dict(s.execute(select(col(Realisasi.indikator_id), col(Realisasi.rating))).tuples().all())
        event = s.scalars(
            select(AuditEvent).where(col(AuditEvent.trigger) == "evaluate").order_by(col(AuditEvent.id).desc())
        ).first()
    assert stored[found[KEPUASAN]] == "DI_ATAS_EKSPEKTASI" and stored[found["Konsultasi dilayani"]] is None
    assert event is not None and event.to_state == "evaluated"

    # the numeric SKP beside it is rated as before: the penilai's rating hasil kerja, the kuadran
    numeric = ids(db, cast, STAF1)
    with unit_of_work(db) as s:
        items = [{"indikator_id": i, "value": 1} for i in numeric.values()]
        body = RealisasiIn.model_validate({"realisasi": items, "submit": True})
        evaluations.save_realisasi(s, cast.skps[STAF1], JANUARY, body, actor=cast.actors[STAF1], now=now)
        staf1 = evaluations.evaluate(
            s, cast.skps[STAF1], JANUARY, rating_hasil_kerja=SESUAI, rating_perilaku=BAWAH, actor=kabid, now=now
        )
    assert (staf1.rating_hasil_kerja, staf1.predikat) == ("SESUAI_EKSPEKTASI", "KURANG")


def test_binding_the_rating_hasil_kerja_to_the_indikator_ratings(db: Engine, now: datetime, cast: Cast) -> None:
    pin(db, cast, now, derive_rating=DeriveRating.BINDING)
    found = realise(db, cast, now)
    kabid = cast.actors[KABID]
    with pytest.raises(GuardFailed) as refused, unit_of_work(db) as s:
        evaluations.evaluate(
            s, cast.skps[STAF2], JANUARY, rating_hasil_kerja=ATAS, rating_perilaku=SESUAI, actor=kabid, now=now
        )
    assert refused.value.problems == [
        f"rating_hasil_kerja follows the indikator ratings, which do not give one yet; indikator '{KEPUASAN}' has no "
        "rating"
    ]
    with pytest.raises(GuardFailed) as differs, unit_of_work(db) as s:
        evaluations.evaluate(
            s,
            cast.skps[STAF2],
            JANUARY,
            rating_hasil_kerja=ATAS,
            rating_perilaku=SESUAI,
            indikator_ratings={found[KEPUASAN]: BAWAH, found["Konsultasi dilayani"]: BAWAH},
            actor=kabid,
            now=now,
        )
    assert differs.value.problems == [
        "rating_hasil_kerja follows the indikator ratings (DI_BAWAH_EKSPEKTASI), not DI_ATAS_EKSPEKTASI"
    ]
    with reading(db) as s:  # nothing of the refused evaluations stayed
        assert set(s.scalars(select(col(Realisasi.rating)))) == {None}
    with unit_of_work(db) as s:
        rated = evaluations.evaluate(
            s,
            cast.skps[STAF2],
            JANUARY,
            rating_perilaku=SESUAI,
            indikator_ratings={found[KEPUASAN]: BAWAH},  # one Utama of two below, the other at 110 %: Sesuai
            actor=kabid,
            now=now,
        )
    assert (rated.rating_hasil_kerja, rated.predikat) == ("SESUAI_EKSPEKTASI", "BAIK")


@pytest.mark.parametrize(
    ("indikator", "problem"),
    [
        (
            {"text": "Kepuasan", "aspek": "KUALITAS", "approach": "KUALITATIF"},
            "rhk[0].indikator[0].ekspektasi: a qualitative indikator needs its ekspektasi (the expected result)",
        ),
        (
            {"text": "Kepuasan", "aspek": "KUALITAS", "approach": "KUALITATIF", "ekspektasi": "Puas", "target": 90},
            "rhk[0].indikator[0].target: a qualitative indikator has no numeric target (its ekspektasi says it)",
        ),
        (
            {"text": "Laporan", "aspek": "KUANTITAS", "target": 12, "ekspektasi": "Tepat waktu"},
            "rhk[0].indikator[0].ekspektasi: only a qualitative indikator has an ekspektasi; this one has a target",
        ),
    ],
)
def test_a_plan_with_a_wrong_indikator_changes_nothing(
    db: Engine, now: datetime, indikator: dict[str, object], problem: str
) -> None:
    cycle_id = open_cycle(db, now)
    with reading(db) as s:
        sekda = s.execute(
            select(col(Skp.id), col(Pegawai.id))
            .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
            .where(col(Skp.cycle_id) == cycle_id, col(Skp.penilai_id).is_(None))
        ).one()
    actor = Actor.pegawai(sekda[1], "")
    events = event_count(db)
    body = PlanIn.model_validate({"rhk": [{"jenis": "UTAMA", "text": "Layanan", "indikator": [indikator]}]})
    with pytest.raises(InvalidInput) as refused, unit_of_work(db) as s:
        skps.save_plan(s, sekda[0], body, actor=actor, now=now)
    assert refused.value.problems == [problem]
    assert (rows(db, Indikator), event_count(db)) == (0, events)


def test_the_policy_decides_who_may_use_it(db: Engine, now: datetime, cast: Cast) -> None:
    pin(db, cast, now, rules=[ApproachRule(units=["DINKES"], qualitative=QualitativeUse.OFF)])
    with reading(db) as s:
        planned = skps.get(s, cast.skps[STAF2], ROOT)
    body = PlanIn.model_validate({"rhk": [dict(r) for r in planned.rhk]})  # the same plan, saved again
    events = event_count(db)
    with unit_of_work(db) as s:  # monitored: not editable; adjust it first, as a perubahan SKP would
        inp = TriggerInput(reason="perubahan target")
        skps.fire(s, cast.skps[STAF2], "adjust", actor=cast.actors[KABID], now=now, inp=inp)
    with pytest.raises(InvalidInput) as refused, unit_of_work(db) as s:
        skps.save_plan(s, cast.skps[STAF2], body, actor=cast.actors[KABID], now=now)
    assert refused.value.problems == [
        "rhk[0].indikator[0].approach: the policy allows no qualitative indikator for this SKP",
        "rhk[1].indikator[0].approach: the policy allows no qualitative indikator for this SKP",
    ]
    assert event_count(db) == events + 1  # the adjustment only
    with reading(db) as s:  # the quality report names what the policy (since) refuses
        report = quality.report(s, cast.cycle_id, actor=ROOT)
    found = [(p.rule, p.nip, p.severity) for p in report.problems if p.rule == "approach_not_allowed"]
    assert found == [("approach_not_allowed", STAF2, "warning")]


def test_exports_quality_and_documents_show_both_approaches(db: Engine, now: datetime, cast: Cast) -> None:
    found = realise(db, cast, now)
    with unit_of_work(db) as s:
        evaluations.evaluate(
            s,
            cast.skps[STAF2],
            JANUARY,
            rating_perilaku=SESUAI,
            indikator_ratings={found[KEPUASAN]: SESUAI},  # the Tambahan's is left out: reported
            actor=cast.actors[KABID],
            now=now,
        )
        # a qualitative indikator whose ekspektasi was lost (an import, a direct edit): blocking in the report
        s.execute(update(Indikator).where(col(Indikator.text) == "Materi penyuluhan").values(ekspektasi=None))

    sessions = lambda: reading(db)  # noqa: E731
    predikat = list(exports.predikat_rows(sessions, instansi_id=cast.instansi_id, cycle_id=cast.cycle_id))
    pendekatan = exports.PREDIKAT_COLUMNS.index("pendekatan")
    by_nip = {r[0]: r[pendekatan] for r in predikat}
    assert (by_nip[STAF2], by_nip[STAF1]) == ("CAMPURAN", "KUANTITATIF")
    tpp = list(exports.tpp_rows(sessions, instansi_id=cast.instansi_id, cycle_id=cast.cycle_id, period_no=JANUARY))
    assert [(r[0], r[exports.TPP_COLUMNS.index("predikat")], r[-1]) for r in tpp] == [(STAF2, "BAIK", "CAMPURAN")]

    with reading(db) as s:
        report = quality.report(s, cast.cycle_id, actor=ROOT)
        data = document_data.gather(s, cast.skps[STAF2], ROOT)
    ours = {"target_missing", "ekspektasi_missing", "qualitative_unrated", "approach_not_allowed"}
    mine = sorted((p.rule, p.severity, p.message) for p in report.problems if p.nip == STAF2 and p.rule in ours)
    assert mine == [
        (
            "ekspektasi_missing",
            "blocking",
            "1 indikator kualitatif tanpa ekspektasi / 1 qualitative indicator(s) with no ekspektasi",
        ),
        (
            "qualitative_unrated",
            "info",
            "periode 1: 1 indikator kualitatif dinilai tanpa rating per indikator / period 1: 1 qualitative "
            "indicator(s) rated without a rating of their own",
        ),
    ]  # and no target_missing: a qualitative indikator has no target by design
    assert data.pendekatan == "CAMPURAN" and data.rated_period == JANUARY
    assert data.indikator_ratings == {
        found[KEPUASAN]: "SESUAI_EKSPEKTASI",
        found["Konsultasi dilayani"]: "DI_ATAS_EKSPEKTASI",
    }

    assert documents.evaluasi_pdf(data).startswith(b"%PDF")
    assert documents.skp_pdf(data).startswith(b"%PDF")


def test_a_numeric_skp_reads_as_before(db: Engine, now: datetime, cast: Cast) -> None:
    """An SKP planned by a client that sends only the old fields reads as before: targets, no ekspektasi."""
    with reading(db) as s:
        view = skps.get(s, cast.skps[STAF1], ROOT)
    assert {(i["approach"], i["ekspektasi"]) for r in view.rhk for i in r["indikator"]} == {("KUANTITATIF", None)}
    assert all(i["target"] is not None for r in view.rhk for i in r["indikator"])

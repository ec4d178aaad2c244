"""Organisation import: idempotent upsert, resolved atasan, per-row errors that write nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import col

from states.errors import InvalidInput
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2, STAF2_PASSWORD, small_org
from workflows import audit
from workflows.actors import Actor
from workflows.cases.org.imports import UnitIn, import_org
from workflows.store.passwords import verify_password
from workflows.store.tables import AuditEvent, Pegawai, Unit
from workflows.store.uow import unit_of_work

ROOT = Actor.admin("root")


def atasan_of(db: Engine) -> dict[str, str | None]:
    with unit_of_work(db) as s:
        nip = {p.id: p.nip for p in s.scalars(select(Pegawai))}
        return {p.nip: nip.get(p.atasan_id) if p.atasan_id else None for p in s.scalars(select(Pegawai))}


def counts(db: Engine) -> tuple[int, int, int]:
    with unit_of_work(db) as s:
        return (
            s.scalar(select(func.count()).select_from(Unit)) or 0,
            s.scalar(select(func.count()).select_from(Pegawai)) or 0,
            s.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def test_import_resolves_each_pegawais_pejabat_penilai(db: Engine, now: datetime) -> None:
    with unit_of_work(db) as s:
        result = import_org(s, small_org(), actor=ROOT, now=now)
    assert (result.units_created, result.pegawai_created) == (4, 6)
    assert atasan_of(db) == {
        SEKDA: None,  # rated from outside the organisation (the bupati)
        KADIS: SEKDA,  # a head is rated by the head of the parent unit
        KABID: KADIS,
        KABID2: KADIS,
        STAF1: KABID,
        STAF2: KABID,
    }
    with unit_of_work(db) as s:
        staff = s.scalar(select(Pegawai).where(col(Pegawai.nip) == STAF2))
        units = {u.code: u for u in s.scalars(select(Unit))}
    assert staff is not None and staff.password_hash and verify_password(staff.password_hash, STAF2_PASSWORD)
    assert units["DINKES-P2P"].timezone == "Asia/Makassar"  # inherited from the root
    assert units["DINKES-P2P"].path == f"/{units['PEMDA'].id}/{units['DINKES'].id}/{units['DINKES-P2P'].id}/"


def test_reimport_is_idempotent_and_applies_changes(db: Engine, now: datetime) -> None:
    with unit_of_work(db) as s:
        import_org(s, small_org(), actor=ROOT, now=now)
    first = counts(db)
    payload = small_org()
    moved = payload.model_copy(
        update={  # STAF1 moves under KABID2; nobody's password is in the file this time
            "pegawai": [
                p.model_copy(update={"atasan_nip": KABID2 if p.nip == STAF1 else p.atasan_nip, "password": None})
                for p in payload.pegawai
            ]
        }
    )
    with unit_of_work(db) as s:
        result = import_org(s, moved, actor=ROOT, now=now)
    assert (result.units_created, result.units_updated, result.pegawai_created, result.pegawai_updated) == (0, 4, 0, 6)
    assert counts(db)[:2] == first[:2]
    assert atasan_of(db)[STAF1] == KABID2
    with unit_of_work(db) as s:  # a file without a password keeps the one set before
        staff = s.scalar(select(Pegawai).where(col(Pegawai.nip) == STAF2))
    assert staff is not None and staff.password_hash and verify_password(staff.password_hash, STAF2_PASSWORD)
    with unit_of_work(db) as s:
        assert audit.verify(s).ok


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"units": [{"code": "X", "name": "X", "parent_code": "NOPE"}]}, "units[0].parent_code: unknown unit 'NOPE'"),
        (
            {"units": [{"code": "A", "name": "A", "parent_code": "B"}, {"code": "B", "name": "B", "parent_code": "A"}]},
            "is on a cycle of parent units",
        ),
        (
            {
                "pegawai": [
                    {
                        "nip": SEKDA,
                        "name": "a",
                        "jenis": "PNS",
                        "jabatan_type": "JPT",
                        "jabatan_name": "x",
                        "unit_code": "NOWHERE",
                    }
                ]
            },
            "pegawai[0].unit_code: unknown unit 'NOWHERE'",
        ),
        (
            {
                "pegawai": [
                    {
                        "nip": SEKDA,
                        "name": "a",
                        "jenis": "PNS",
                        "jabatan_type": "JPT",
                        "jabatan_name": "x",
                        "unit_code": "PEMDA",
                    }
                ]
                * 2
            },
            "pegawai[1].nip: duplicate of pegawai[0]",
        ),
    ],
)
def test_bad_rows_are_reported_and_nothing_is_written(
    db: Engine, now: datetime, change: dict[str, object], problem: str
) -> None:
    with pytest.raises(InvalidInput) as refused, unit_of_work(db) as s:
        import_org(s, small_org(**change), actor=ROOT, now=now)
    assert any(problem in p for p in refused.value.problems), refused.value.problems
    assert counts(db) == (0, 0, 0)


def test_a_cycle_in_the_atasan_graph_is_refused(db: Engine, now: datetime) -> None:
    payload = small_org()
    looped = payload.model_copy(
        update={
            "pegawai": [p.model_copy(update={"atasan_nip": STAF1}) if p.nip == KABID else p for p in payload.pegawai]
        }
    )
    with pytest.raises(InvalidInput, match="cycle of atasan"), unit_of_work(db) as s:
        import_org(s, looped, actor=ROOT, now=now)
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize("nip", ["123", "198501012010011001\n", "١٩٨٥٠١٠١٢٠١٠٠١١٠٠١"])
def test_malformed_nip_is_refused_by_the_payload(nip: str) -> None:
    with pytest.raises(ValueError, match="18 digits"):
        small_org(
            pegawai=[
                {
                    "nip": nip,
                    "name": "a",
                    "jenis": "PNS",
                    "jabatan_type": "JPT",
                    "jabatan_name": "x",
                    "unit_code": "PEMDA",
                }
            ]
        )


def test_moving_a_unit_moves_its_subtree(db: Engine, now: datetime) -> None:
    with unit_of_work(db) as s:
        import_org(s, small_org(), actor=ROOT, now=now)
    moved = small_org()
    moved = moved.model_copy(
        update={
            "units": [
                *moved.units[:1],
                UnitIn(code="ASISTEN", name="Asisten Kesra", parent_code="PEMDA"),
                *[
                    u.model_copy(update={"parent_code": "ASISTEN"}) if u.code == "DINKES" else u
                    for u in moved.units[1:]
                ],
            ]
        }
    )
    with unit_of_work(db) as s:
        import_org(s, moved, actor=ROOT, now=now)
        units = {u.code: u for u in s.scalars(select(Unit))}
    ids = [units[c].id for c in ("PEMDA", "ASISTEN", "DINKES", "DINKES-P2P")]
    assert units["DINKES-P2P"].path == "/" + "/".join(map(str, ids)) + "/"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"units": [{"code": "PEMDA", "name": "S", "head_nip": STAF1}]}, "belongs to unit 'DINKES-P2P', not 'PEMDA'"),
        ({"units": [{"code": "PEMDA", "name": "S", "timezone": "Mars/Olympus"}]}, "unknown time zone"),
    ],
)
def test_heads_belong_to_their_unit_and_zones_exist(
    db: Engine, now: datetime, change: dict[str, object], problem: str
) -> None:
    with pytest.raises((InvalidInput, ValueError), match=problem), unit_of_work(db) as s:
        import_org(s, small_org(**change), actor=ROOT, now=now)
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize(
    ("given", "stored"), [("WIB", "Asia/Jakarta"), ("wita", "Asia/Makassar"), (" WIT ", "Asia/Jayapura")]
)
def test_units_may_name_their_zone_as_wib_wita_or_wit(given: str, stored: str) -> None:
    assert UnitIn(code="PEMDA", name="Sekretariat Daerah", timezone=given).timezone == stored

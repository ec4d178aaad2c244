"""Which instansi a request acts on, by one rule (`instansi_for_request`), and the first import of a fresh install."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import col

from states.errors import InvalidInput, NotFound, NotPermitted, SkpflowError
from tests.integration.org import small_org
from workflows.actors import Actor
from workflows.cases.org.files import import_org_file
from workflows.cases.org.imports import InstansiIn, OrgImport, first_instansi, import_org
from workflows.cases.org.lookup import instansi_for_request
from workflows.store.settings import Settings
from workflows.store.tables import AuditEvent, Instansi, Pegawai, Unit
from workflows.store.uow import unit_of_work

ROOT = Actor.admin("root")
FIRST = InstansiIn(code="KAB-SATU", name="Pemerintah Kabupaten Satu")


def instansi(db: Engine, *codes: str, now: datetime = datetime(2026, 1, 5, tzinfo=UTC)) -> dict[str, int]:
    """Instansi created as the super-admin does: by an import that names each."""
    with unit_of_work(db) as s:
        return {
            code: import_org(
                s, OrgImport(instansi=InstansiIn(code=code, name=f"Kabupaten {code}")), actor=ROOT, now=now
            ).instansi_id
            for code in codes
        }


@dataclass(frozen=True)
class Case:
    """Instansi in the database, the caller (by what they hold), the code sent, reading or writing → the answer:
    the code chosen, or the refusal with words its problem must contain."""

    world: tuple[str, ...]
    caller: str
    code: str | None
    reading: bool
    chosen: str | None = None
    refused: type[SkpflowError] | None = None
    says: tuple[str, ...] = ()


def caller(kind: str, ids: dict[str, int]) -> Actor:
    a, b = ids.get("KAB-A", -1), ids.get("KAB-B", -2)
    return {
        "super-admin": ROOT,
        "admin of A": Actor.admin("hr.a", frozenset({a})),
        "admin of A and B": Actor(ref="user:hr.ab", admin_of=frozenset({a, b})),
        "auditor of A": Actor(ref="user:audit.a", auditor_of=frozenset({a})),
        "admin of A, auditor of B": Actor(ref="user:mixed", admin_of=frozenset({a}), auditor_of=frozenset({b})),
        "pegawai": Actor.pegawai(1, "199001012020011001"),
    }[kind]


NONE, ONE, TWO = (), ("KAB-A",), ("KAB-A", "KAB-B")
FRESH = "no instansi exists yet: import the organisation first"
BOTH = "one of the 2 instansi the caller may choose: KAB-A, KAB-B"
CASES = {
    # nothing named: the caller's only one, else the only one there is, else the codes to choose from
    "none, super-admin": Case(NONE, "super-admin", None, False, refused=InvalidInput, says=("required", FRESH)),
    "one, super-admin": Case(ONE, "super-admin", None, False, chosen="KAB-A"),
    "several, super-admin": Case(TWO, "super-admin", None, False, refused=InvalidInput, says=("required", BOTH)),
    "one, its admin": Case(ONE, "admin of A", None, False, chosen="KAB-A"),
    "several, admin of one": Case(TWO, "admin of A", None, False, chosen="KAB-A"),
    "several, admin of both": Case(TWO, "admin of A and B", None, False, refused=InvalidInput, says=(BOTH,)),
    "several, pegawai": Case(TWO, "pegawai", None, False, refused=NotPermitted),
    "several, auditor writes": Case(TWO, "auditor of A", None, False, refused=NotPermitted),
    # a named instansi wins, if the caller may use it
    "named, super-admin": Case(TWO, "super-admin", "KAB-B", False, chosen="KAB-B"),
    "named, its admin": Case(TWO, "admin of A", "KAB-A", False, chosen="KAB-A"),
    "named, not administered": Case(TWO, "admin of A", "KAB-B", False, refused=NotPermitted),
    "named unknown, admin": Case(TWO, "admin of A", "KAB-X", False, refused=NotPermitted),
    "named unknown, super-admin": Case(
        ONE, "super-admin", "KAB-X", False, refused=InvalidInput, says=("unknown instansi 'KAB-X'", "choose: KAB-A")
    ),
    "named unknown, none there": Case(
        NONE, "super-admin", "KAB-X", False, refused=InvalidInput, says=("unknown instansi 'KAB-X'", FRESH)
    ),
    # reading (the audit export): auditors too; a named instansi the caller may not read is not found
    "read, none, super-admin": Case(NONE, "super-admin", None, True, refused=InvalidInput, says=(FRESH,)),
    "read, one, super-admin": Case(ONE, "super-admin", None, True, chosen="KAB-A"),
    "read, several, super-admin": Case(TWO, "super-admin", None, True, refused=InvalidInput, says=(BOTH,)),
    "read, several, auditor": Case(TWO, "auditor of A", None, True, chosen="KAB-A"),
    "read, named, auditor": Case(TWO, "auditor of A", "KAB-A", True, chosen="KAB-A"),
    "read, named not read": Case(TWO, "auditor of A", "KAB-B", True, refused=NotFound),
    "read, named unknown": Case(TWO, "auditor of A", "KAB-X", True, refused=NotFound),
    "read, admin and auditor": Case(TWO, "admin of A, auditor of B", None, True, refused=InvalidInput, says=(BOTH,)),
    "write, admin and auditor": Case(TWO, "admin of A, auditor of B", None, False, chosen="KAB-A"),
    "read, pegawai": Case(ONE, "pegawai", None, True, refused=NotPermitted),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_instansi_of_a_request(db: Engine, case: Case) -> None:
    ids = instansi(db, *case.world)
    with unit_of_work(db) as s:
        if case.refused is None:
            chosen = instansi_for_request(s, caller(case.caller, ids), case.code, "cycle", reading=case.reading)
            assert chosen == ids[case.chosen or ""]
            return
        with pytest.raises(case.refused) as refused:
            instansi_for_request(s, caller(case.caller, ids), case.code, "cycle", reading=case.reading)
    problems = " ".join(getattr(refused.value, "problems", []))
    for words in case.says:
        assert words in problems, problems
    assert "more than one" not in problems


def test_a_long_choice_is_counted_not_cut_silently(db: Engine) -> None:
    instansi(db, *(f"KAB-{n:02}" for n in range(53)))
    with unit_of_work(db) as s, pytest.raises(InvalidInput) as refused:
        instansi_for_request(s, ROOT, None, "cycle")
    (problem,) = refused.value.problems
    assert "of the 53 instansi" in problem and problem.endswith("KAB-49 and 3 more")


def census(db: Engine) -> tuple[int, int, int, int]:
    with unit_of_work(db) as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(t)) or 0 for t in (Instansi, Unit, Pegawai, AuditEvent)
        )


def test_the_first_import_of_a_fresh_install_creates_its_instansi_audited(db: Engine, now: datetime) -> None:
    unnamed = small_org(instansi=None)
    with unit_of_work(db) as s:
        result = import_org(s, unnamed, actor=ROOT, now=now, first_instansi=FIRST)
    assert (result.instansi.code, result.instansi.name, result.instansi.created) == (FIRST.code, FIRST.name, True)
    assert (result.units_created, result.pegawai_created) == (4, 6)
    with unit_of_work(db) as s:
        (made,) = s.scalars(select(Instansi)).all()
        events = s.scalars(
            select(AuditEvent).where(col(AuditEvent.entity_type) == "instansi").order_by(col(AuditEvent.seq))
        ).all()
    assert made.id == result.instansi_id
    assert [(e.trigger, e.actor, e.instansi_id) for e in events] == [
        ("create", "user:root", made.id),
        ("import_org", "user:root", made.id),
    ]
    assert "SKPFLOW_INSTANSI_CODE" in (events[0].note or "")

    # with one instansi, the next import goes into it: nothing is created, the settings are not consulted again
    with unit_of_work(db) as s:
        again = import_org(s, unnamed, actor=ROOT, now=now, first_instansi=InstansiIn(code="LAIN", name="Lain"))
    assert (again.instansi_id, again.instansi.created, again.units_updated, again.pegawai_updated) == (
        made.id,
        False,
        4,
        6,
    )
    assert census(db)[0] == 1


def test_without_settings_a_fresh_import_must_name_its_instansi(db: Engine, now: datetime) -> None:
    with unit_of_work(db) as s, pytest.raises(InvalidInput) as refused:
        import_org(s, small_org(instansi=None), actor=ROOT, now=now)
    assert "no instansi exists yet" in refused.value.problems[0]
    assert census(db) == (0, 0, 0, 0)


def test_over_several_instansi_the_super_admin_names_one_and_nothing_is_written(db: Engine, now: datetime) -> None:
    instansi(db, "KAB-A", "KAB-B")
    before = census(db)
    with unit_of_work(db) as s, pytest.raises(InvalidInput) as refused:
        import_org(s, small_org(instansi=None), actor=ROOT, now=now, first_instansi=FIRST)
    assert BOTH in refused.value.problems[0]
    assert census(db) == before == (2, 0, 0, 4)


def test_an_admin_of_one_instansi_imports_into_it_among_several(db: Engine, now: datetime) -> None:
    ids = instansi(db, "KAB-A", "KAB-B")
    with unit_of_work(db) as s:
        result = import_org(s, small_org(instansi=None), actor=Actor.admin("hr.a", frozenset({ids["KAB-A"]})), now=now)
    assert (result.instansi_id, result.instansi.code, result.instansi.created) == (ids["KAB-A"], "KAB-A", False)
    with unit_of_work(db) as s, pytest.raises(NotPermitted):
        import_org(s, small_org(), actor=Actor.admin("hr.a", frozenset({ids["KAB-A"]})), now=now)  # KAB-CONTOH


def test_a_file_without_an_instansi_record_creates_it_the_same_way(db: Engine, now: datetime) -> None:
    data = (
        b"record,code,name,parent_code,head_nip,nip,jenis,jabatan_type,jabatan_name,unit_code\n"
        b"unit,SETDA,Sekretariat Daerah,,197001011990031001,,,,,\n"
        b"pegawai,,Sekretaris Daerah,,,197001011990031001,PNS,JPT,Sekretaris Daerah,SETDA\n"
    )
    with unit_of_work(db) as s:
        result = import_org_file(s, data, actor=ROOT, now=now, first_instansi=FIRST)
    assert (result.instansi.code, result.instansi.created, result.units_created, result.pegawai_created) == (
        "KAB-SATU",
        True,
        1,
        1,
    )


def test_the_first_instansi_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SKPFLOW_INSTANSI_CODE", "SKPFLOW_INSTANSI_NAME"):
        monkeypatch.delenv(name, raising=False)
    assert first_instansi(Settings()) == InstansiIn(code="INSTANSI", name="Instansi Pemerintah")
    monkeypatch.setenv("SKPFLOW_INSTANSI_CODE", "KAB-SLEMAN")
    monkeypatch.setenv("SKPFLOW_INSTANSI_NAME", "Pemerintah Kabupaten Sleman")
    assert first_instansi(Settings()) == InstansiIn(code="KAB-SLEMAN", name="Pemerintah Kabupaten Sleman")

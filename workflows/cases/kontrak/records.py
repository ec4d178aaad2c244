"""HR records a PPPK's perjanjian kerja: by hand, or from the organisation import; and reads them back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from states.enums import JenisPegawai
from states.errors import InvalidInput, NotFound, NotPermitted
from states.follow_up import CONTRACT
from states.messages import Problem, label
from states.roles import Role
from workflows import engine
from workflows.actors import Actor
from workflows.store.tables import FollowUpCase, Kontrak, Pegawai

# --- HR records a contract --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KontrakIn:
    """A contract as its SK gives it: the first and the last day, the SK's number, a note for the trail."""

    mulai: date
    selesai: date
    sk_number: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class KontrakView:
    id: int
    nip: str
    mulai: date
    selesai: date
    sk_number: str | None
    version: int
    case_id: int | None  # the extension recommendation, once the contract ladder opened it
    case_kind: str | None
    case_state: str | None


@dataclass(frozen=True)
class PegawaiKontrak:
    nip: str
    name: str
    jenis: str
    items: list[KontrakView]  # oldest first


def set_kontrak(session: Session, nip: str, inp: KontrakIn, *, actor: Actor, now: datetime) -> KontrakView:
    """Record a PPPK's contract, audited on the contract's chain: a contract starting on the same day as a recorded
    one corrects it (`amend`), any other is the next contract (`create`). Refused, changing nothing, for a PNS, when
    `selesai` is before `mulai`, when it overlaps another of the pegawai's contracts, or when it would move the end
    of a contract whose extension HR has decided."""
    pegawai = _pegawai(session, nip, actor, "kontrak")
    assert pegawai.id is not None
    recorded = list(
        session.scalars(select(Kontrak).where(col(Kontrak.pegawai_id) == pegawai.id).order_by(col(Kontrak.mulai)))
    )
    same = next((k for k in recorded if k.mulai == inp.mulai), None)
    problems = contract_problems(pegawai.jenis, inp.mulai, inp.selesai, [(k.mulai, k.selesai) for k in recorded])
    if same is not None and same.case_id is not None and same.selesai != inp.selesai:
        case = session.get_one(FollowUpCase, same.case_id)
        if case.state != CONTRACT.initial.value:
            problems.append(Problem.say("input.kontrak.decided", mulai=same.mulai.isoformat(), state=case.state))
    if inp.sk_number is not None and len(inp.sk_number) > 120:
        problems.append(Problem.say("input.kontrak.sk_number_long"))
    if problems:
        raise InvalidInput(problems)
    note = " — ".join(x.strip() for x in (inp.sk_number or "", inp.note or "") if x and x.strip()) or None
    payload = {
        "nip": pegawai.nip,
        "kontrak_mulai": inp.mulai.isoformat(),
        "kontrak_selesai": inp.selesai.isoformat(),
        "sk_number": inp.sk_number,
    }
    if same is None:
        row = Kontrak(
            instansi_id=pegawai.instansi_id,
            pegawai_id=pegawai.id,
            mulai=inp.mulai,
            selesai=inp.selesai,
            sk_number=inp.sk_number,
            created_at=now,
        )
        engine.record(
            session,
            row,
            "create",
            actor=actor,
            role=Role.ADMIN.value,
            now=now,
            note=note,
            payload=payload,
            created=True,
        )
    else:
        row = same
        payload["was_selesai"] = same.selesai.isoformat()
        row.selesai, row.sk_number = inp.selesai, inp.sk_number
        engine.record(session, row, "amend", actor=actor, role=Role.ADMIN.value, now=now, note=note, payload=payload)
    return _view(session, pegawai.nip, row)


def contract_problems(
    jenis: str, mulai: date, selesai: date, recorded: Sequence[tuple[date, date]], *, field: str = "kontrak"
) -> list[Problem]:
    """What is wrong with recording this contract beside the pegawai's recorded ones (as (mulai, selesai)); the
    one starting the same day is the one being corrected."""
    problems: list[Problem] = []
    if jenis != JenisPegawai.PPPK.value:
        problems.append(Problem.say("input.kontrak.not_pppk", jenis=jenis))
    ends, starts = label("field", f"{field}_selesai"), label("field", f"{field}_mulai")
    if selesai < mulai:
        problems.append(
            Problem.say(
                "input.kontrak.ends_before",
                ends=ends,
                starts=starts,
                selesai=selesai.isoformat(),
                mulai=mulai.isoformat(),
            )
        )
    for a, b in recorded:
        if a != mulai and a <= selesai and mulai <= b:
            problems.append(
                Problem.say(
                    "input.kontrak.overlaps",
                    starts=starts,
                    mulai=mulai.isoformat(),
                    selesai=selesai.isoformat(),
                    a=a.isoformat(),
                    b=b.isoformat(),
                )
            )
    return problems


def record_imported(
    session: Session, contracts: Sequence[tuple[int, str, KontrakIn]], *, actor: Actor, now: datetime
) -> int:
    """The contracts an organisation import carries, by pegawai id and NIP, after the import's own checks; each
    audited as `set_kontrak` would. Returns how many were created or changed (an identical one is left alone)."""
    if not contracts:
        return 0
    ids = [pid for pid, _, _ in contracts]
    recorded: dict[int, dict[date, Kontrak]] = {}
    for k in session.scalars(select(Kontrak).where(col(Kontrak.pegawai_id).in_(ids))):
        recorded.setdefault(k.pegawai_id, {})[k.mulai] = k
    found = session.execute(select(col(Pegawai.id), col(Pegawai.instansi_id)).where(col(Pegawai.id).in_(ids)))
    instansi_of = dict(found.tuples().all())
    changed = 0
    for pegawai_id, nip, inp in contracts:
        same = recorded.get(pegawai_id, {}).get(inp.mulai)
        if same is not None and (same.selesai, same.sk_number) == (inp.selesai, inp.sk_number or same.sk_number):
            continue
        payload = {"nip": nip, "kontrak_mulai": inp.mulai.isoformat(), "kontrak_selesai": inp.selesai.isoformat()}
        if same is None:
            row = Kontrak(
                instansi_id=instansi_of[pegawai_id],
                pegawai_id=pegawai_id,
                mulai=inp.mulai,
                selesai=inp.selesai,
                sk_number=inp.sk_number,
                created_at=now,
            )
            engine.record(
                session,
                row,
                "create",
                actor=actor,
                role=Role.ADMIN.value,
                now=now,
                note="import",
                payload=payload,
                created=True,
            )
        else:
            same.selesai, same.sk_number = inp.selesai, inp.sk_number or same.sk_number
            engine.record(
                session, same, "amend", actor=actor, role=Role.ADMIN.value, now=now, note="import", payload=payload
            )
        changed += 1
    return changed


def contracts_of(session: Session, nip: str, *, actor: Actor) -> PegawaiKontrak:
    """A pegawai's contracts with their recommendation cases, for HR of the pegawai's instansi (and auditors)."""
    pegawai = session.scalar(select(Pegawai).where(col(Pegawai.nip) == nip))
    if pegawai is None or not (actor.super_admin or pegawai.instansi_id in actor.oversees()):
        raise NotFound("pegawai", nip)
    rows = session.scalars(
        select(Kontrak).where(col(Kontrak.pegawai_id) == pegawai.id).order_by(col(Kontrak.mulai))
    ).all()
    cases = {
        c.id: c
        for c in session.scalars(
            select(FollowUpCase).where(col(FollowUpCase.id).in_([k.case_id for k in rows if k.case_id]))
        )
    }
    return PegawaiKontrak(
        pegawai.nip, pegawai.name, pegawai.jenis, [_view(session, pegawai.nip, k, cases.get(k.case_id)) for k in rows]
    )


def _pegawai(session: Session, nip: str, actor: Actor, action: str) -> Pegawai:
    pegawai = session.scalar(select(Pegawai).where(col(Pegawai.nip) == nip))
    if pegawai is None or not (actor.is_admin_of(pegawai.instansi_id) or actor.pegawai_id is not None):
        raise NotFound("pegawai", nip)
    if not actor.is_admin_of(pegawai.instansi_id):
        raise NotPermitted("pegawai", action, ["admin"])
    return pegawai


def _view(session: Session, nip: str, row: Kontrak, case: FollowUpCase | None = None) -> KontrakView:
    assert row.id is not None
    if case is None and row.case_id is not None:
        case = session.get(FollowUpCase, row.case_id)
    return KontrakView(
        row.id,
        nip,
        row.mulai,
        row.selesai,
        row.sk_number,
        row.version,
        row.case_id,
        case.kind if case else None,
        case.state if case else None,
    )

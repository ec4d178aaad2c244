"""The contract ladder: when a contract's recommendation is due, the deadline sweep opens a follow-up case
`perpanjangan_kontrak` or `tidak_diperpanjang` from the predikat of the contract's years, for HR to decide (audited)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from policies import calendar
from policies.deadlines import months_before_end
from policies.kontrak import Recommendation, Source, YearResult, contract_years, expires_at, opens_at, recommend
from policies.schema import Policy
from states.cycle import CycleState
from states.enums import JenisPegawai, Predikat
from states.evaluation import EvaluationState
from states.follow_up import CONTRACT
from states.roles import Role
from workflows import audit
from workflows.actors import Actor
from workflows.store.tables import AuditEvent, Cycle, Evaluation, FollowUpCase, Kontrak, Pegawai, Skp, Unit

OPEN_CYCLES = (CycleState.drafting, CycleState.monitoring, CycleState.assessing, CycleState.following_up)


# --- the contract ladder opens the recommendation ---------------------------------------------------------------


@dataclass(frozen=True)
class _Due:
    kontrak_id: int
    pegawai_id: int
    skp_id: int
    mulai: date
    selesai: date
    local: datetime  # as_of in the unit's zone


def open_recommendations(
    session: Session,
    cycle_id: int,
    policy: Policy,
    *,
    as_of: datetime,
    actor: Actor,
    unit_ids: Sequence[int] | None = None,
    chunk: int = 5000,
) -> Counter[str]:
    """Open the extension recommendation of every PPPK contract whose case is due to open by `as_of`
    (`kontrak.opens_days_before_due` before the recommendation is due) and has none, in the instansi's newest open
    cycle (the case sits on the pegawai's SKP there, where HR's follow-up list shows it). Each is computed from the
    predikat of the contract's years (`policies.kontrak.recommend`) and audited as its case's genesis event.

    Set-based: per chunk of contracts, one statement finds them with their SKP, one reads the annual and one the
    periodic predikat of their years, one inserts the cases, one their events, one links the contracts. Idempotent:
    a contract with a case is never read again; a contract already followed by the next one, or ended, is skipped.
    """
    cycle = session.get_one(Cycle, cycle_id)
    newest = session.scalar(
        select(col(Cycle.id))
        .where(col(Cycle.instansi_id) == cycle.instansi_id, col(Cycle.state).in_([s.value for s in OPEN_CYCLES]))
        .order_by(col(Cycle.year).desc(), col(Cycle.id).desc())
        .limit(1)
    )
    if newest != cycle_id:
        return Counter()
    today = as_of.date()
    rule = policy.deadlines.kontrak_recommendation
    # a contract ending after this day cannot be due to open yet in any zone (a day of slack each way)
    horizon = today + timedelta(days=policy.kontrak.opens_days_before_due + 2)
    latest_end = months_before_end(horizon, -rule.months_before)
    later = aliased(Kontrak)
    anchor = (
        select(func.max(col(Skp.id)))
        .where(col(Skp.cycle_id) == cycle_id, col(Skp.pegawai_id) == col(Kontrak.pegawai_id))
        .correlate(Kontrak)
        .scalar_subquery()
    )
    found = (
        select(
            col(Kontrak.id),
            col(Kontrak.pegawai_id),
            col(Kontrak.mulai),
            col(Kontrak.selesai),
            anchor.label("skp_id"),
        )
        .join(Pegawai, col(Pegawai.id) == col(Kontrak.pegawai_id))
        .where(
            col(Kontrak.instansi_id) == cycle.instansi_id,
            col(Kontrak.case_id).is_(None),
            col(Kontrak.selesai) >= today - timedelta(days=1),
            col(Kontrak.selesai) <= latest_end,
            col(Pegawai.jenis) == JenisPegawai.PPPK.value,
            col(Pegawai.active),
            ~select(col(later.id))
            .where(col(later.pegawai_id) == col(Kontrak.pegawai_id), col(later.mulai) > col(Kontrak.mulai))
            .exists(),
            anchor.is_not(None),
        )
        .order_by(col(Kontrak.id))
        .limit(chunk)
    )
    opened: Counter[str] = Counter()
    after = 0
    while True:
        rows = session.execute(found.where(col(Kontrak.id) > after)).all()
        if not rows:
            return opened
        after = rows[-1][0]
        zones = _zones(session, [r.skp_id for r in rows])
        due: list[_Due] = []
        for kid, pid, mulai, selesai, skp_id in rows:
            tz = zones.get(skp_id)
            if opens_at(policy, selesai, tz) <= as_of < expires_at(policy, selesai, tz):
                zone = calendar.zone(policy.calendar, tz)
                due.append(_Due(kid, pid, skp_id, mulai, selesai, as_of.astimezone(zone)))
        if unit_ids is not None:
            keep = _in_units(session, [d.skp_id for d in due], unit_ids)
            due = [d for d in due if d.skp_id in keep]
        opened.update(_open(session, due, policy, cycle.instansi_id, as_of=as_of, actor=actor))
        if len(rows) < chunk:
            return opened


def _zones(session: Session, skp_ids: list[int]) -> dict[int, str]:
    found = session.execute(
        select(col(Skp.id), col(Unit.timezone))
        .join(Unit, col(Unit.id) == col(Skp.unit_id))
        .where(col(Skp.id).in_(skp_ids))
    ).tuples()
    return {skp_id: tz for skp_id, tz in found if skp_id is not None}


def _in_units(session: Session, skp_ids: list[int], unit_ids: Sequence[int]) -> set[int]:
    if not skp_ids:
        return set()
    return set(
        session.scalars(select(col(Skp.id)).where(col(Skp.id).in_(skp_ids), col(Skp.unit_id).in_(list(unit_ids))))
    )


def _open(
    session: Session, due: list[_Due], policy: Policy, instansi_id: int, *, as_of: datetime, actor: Actor
) -> Counter[str]:
    if not due:
        return Counter()
    results = _results(session, instansi_id, due, policy)
    existing = set(
        session.execute(
            select(col(FollowUpCase.skp_id), col(FollowUpCase.kind)).where(
                col(FollowUpCase.skp_id).in_([d.skp_id for d in due])
            )
        ).tuples()
    )
    chosen: dict[tuple[int, str], tuple[_Due, Recommendation]] = {}
    for d in due:
        years = contract_years(d.mulai, d.selesai, d.local.date())
        advice = recommend(policy, [results.get((d.pegawai_id, y), YearResult(y, None)) for y in years])
        key = (d.skp_id, advice.kind.value)
        if key in existing or key in chosen:
            continue  # the SKP holds this kind of case already (a second contract in one year): the next cycle's
        chosen[key] = (d, advice)
    if not chosen:
        return Counter()
    state = CONTRACT.initial.value
    created = session.execute(
        insert(FollowUpCase).returning(col(FollowUpCase.id), col(FollowUpCase.skp_id), col(FollowUpCase.kind)),
        [
            {
                "skp_id": skp_id,
                "kind": kind,
                "state": state,
                "opened_at": as_of,
                "scheduled_at": None,
                "state_since": as_of,
                "version": 1,
            }
            for skp_id, kind in chosen
        ],
    ).all()
    events, links = [], []
    for case_id, skp_id, kind in created:
        d, advice = chosen[(skp_id, kind)]
        links.append({"_id": d.kontrak_id, "_case": case_id})
        events.append(
            audit.new_event(
                entity_type="follow_up_case",
                entity_id=case_id,
                seq=1,
                instansi_id=instansi_id,
                prev_hash=audit.GENESIS,
                at=as_of,
                actor=actor.ref,
                role=Role.SYSTEM.value,
                trigger="open",
                from_state=None,
                to_state=state,
                payload=_payload(d, advice, policy),
                note=_note(d, advice, policy),
            )
        )
    session.execute(insert(AuditEvent), events)
    table: Any = Kontrak.__table__  # type: ignore[attr-defined]
    # the link only: the contract's own chain records what HR recorded, the case's genesis event why it opened
    session.execute(update(table).where(table.c.id == bindparam("_id")).values(case_id=bindparam("_case")), links)
    return Counter(kind for _, _, kind in created)


def _payload(d: _Due, advice: Recommendation, policy: Policy) -> dict[str, Any]:
    return {
        "skp_id": d.skp_id,
        "kind": advice.kind.value,
        "kontrak_id": d.kontrak_id,
        "kontrak_mulai": d.mulai.isoformat(),
        "kontrak_selesai": d.selesai.isoformat(),
        "rule": advice.rule,
        "min_predikat": policy.kontrak.min_predikat.value,
        "counted": [
            {"year": r.year, "predikat": r.predikat.value if r.predikat else None, "source": str(r.source)}
            for r in advice.counted
        ],
        "low_years": list(advice.low),
        "policy": f"{policy.name} {policy.version}",
    }


def _note(d: _Due, advice: Recommendation, policy: Policy) -> str:
    counted = ", ".join(f"{r.year} {r.predikat.value if r.predikat else '-'} ({r.source!s})" for r in advice.counted)
    head = f"{advice.rule}: kontrak {d.mulai.isoformat()} – {d.selesai.isoformat()}"
    if not advice.counted:
        return f"{head}; belum ada predikat untuk dinilai"
    return f"{head}; predikat {counted or '-'}; minimal {policy.kontrak.min_predikat.value}"


def _results(
    session: Session, instansi_id: int, due: Sequence[_Due], policy: Policy
) -> dict[tuple[int, int], YearResult]:
    """Per (pegawai, year) of these contracts: the annual predikat (a year's last SKP with one decides), else, with
    `kontrak.periodic_stands_in`, the latest closed periodic predikat of that year. Two statements."""
    pegawai = sorted({d.pegawai_id for d in due})
    first, last = min(d.mulai.year for d in due), max(d.selesai.year for d in due)
    years = (col(Cycle.instansi_id) == instansi_id, col(Cycle.year).between(first, last))
    out: dict[tuple[int, int], YearResult] = {}
    if policy.kontrak.periodic_stands_in:
        periodic = session.execute(
            select(col(Skp.pegawai_id), col(Cycle.year), col(Evaluation.predikat))
            .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
            .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
            .where(
                *years,
                col(Skp.pegawai_id).in_(pegawai),
                col(Evaluation.state) == EvaluationState.closed.value,
                col(Evaluation.predikat).is_not(None),
            )
            .order_by(col(Cycle.year), col(Evaluation.period_no), col(Skp.id))
        ).tuples()
        for pid, year, p in periodic:
            if p is not None:
                out[(pid, year)] = YearResult(year, Predikat(p), Source.PERIODIC)
    annual = session.execute(
        select(col(Skp.pegawai_id), col(Cycle.year), col(Skp.predikat))
        .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
        .where(*years, col(Skp.pegawai_id).in_(pegawai), col(Skp.predikat).is_not(None))
        .order_by(col(Skp.id))
    ).tuples()
    for pid, year, p in annual:
        if p is not None:
            out[(pid, year)] = YearResult(year, Predikat(p), Source.ANNUAL)
    return out

"""Keberatan use cases: the pegawai objects to an assessed SKP in time, the atasan penilai decides, finally."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import limits
from policies.kuadran import predikat as kuadran_predikat
from policies.schema import Policy
from policies.unit_head import rating_for_unit_head
from states.enums import CapaianLevel, Rating
from states.errors import GuardFailed, InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from states.keberatan import KEBERATAN, KeberatanFacts, KeberatanState
from states.lifecycle import TriggerInput
from states.messages import Problem, label
from states.roles import Role
from states.skp import SKP, SkpState
from workflows import engine
from workflows.actors import Actor
from workflows.cases import notices, policy_store, skps
from workflows.store.tables import Cycle, Keberatan, Skp, Unit


class ObjectionIn(BaseModel):
    """The body of `POST /skps/{id}/objection`."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=4000, description="Why the pegawai objects to the result.")


class DecisionIn(BaseModel):
    """The body of `POST /skps/{id}/objection/decision`; the decision is final."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["rejected", "changed"] = Field(description="rejected keeps the result; changed rewrites it.")
    note: str = Field(min_length=1, max_length=4000, description="The reasons for the decision.")
    rating_hasil_kerja: Rating | None = Field(
        default=None, description="The new rating hasil kerja (changed only; a unit head's is the unit's capaian)."
    )
    rating_perilaku: Rating | None = Field(default=None, description="The new rating perilaku (changed only).")


@dataclass(frozen=True)
class KeberatanView:
    id: int
    skp_id: int
    state: str
    version: int
    reason: str
    decision: str | None
    note: str | None
    filed_at: datetime
    decided_at: datetime | None
    allowed_triggers: list[str]
    predikat: str | None  # the SKP's predikat now: after a changed decision, the new one
    warnings: tuple[str, ...] = ()  # e.g. the unit's distribution no longer holds after a changed decision


def standing(session: Session, actor: Actor, skp: Skp, cycle: Cycle) -> skps.Standing:
    """The actor's roles towards an SKP's objection: an admin decides on behalf of an atasan penilai the
    organisation lacks (a top JPT's, whose atasan is outside it), and the audit says so."""
    who = skps.standing(session, actor, skp, cycle)
    if Role.ADMIN in who.roles and skp.atasan_penilai_id is None:
        return skps.Standing(who.roles | {Role.ATASAN_PENILAI}, on_behalf=Role.ATASAN_PENILAI)
    return who


def file(session: Session, skp_id: int, reason: str, *, actor: Actor, now: datetime) -> KeberatanView:
    """The pegawai objects to the SKP's result while its filing window is open; one pending objection at most."""
    skp, cycle, who = _locked(session, skp_id, actor)
    if Role.PEGAWAI not in who.roles:
        raise NotPermitted("keberatan", "file", sorted(r.value for r in who.roles), held=True)
    if not reason.strip():
        raise InvalidInput([Problem.say("input.required", field=label("field", "reason"))])
    policy = policy_store.cycle_policy(session, cycle)
    if too_long := limits.notes(policy.limits, [("reason", reason)]):
        raise InvalidInput(too_long)
    state = SkpState(skp.state)
    if state is not SkpState.assessed or skp.assessed_at is None:
        raise TransitionNotAllowed("skp", "file_objection", skp.state, SKP.allowed_triggers(state, who.roles))
    problems: list[str] = []
    closes = skps.filing_window_closes(policy, skp.assessed_at, _timezone(session, skp))
    if now >= closes:
        problems.append(Problem.say("keberatan.file.window_closed", closes=closes.isoformat()))
    earlier = set(session.scalars(select(col(Keberatan.state)).where(col(Keberatan.skp_id) == skp_id)))
    if earlier & skps.PENDING_OBJECTION:
        problems.append(Problem.say("keberatan.file.pending"))
    if KeberatanState.decided.value in earlier:
        problems.append(Problem.say("keberatan.file.decided"))
    if problems:
        raise GuardFailed("keberatan", "file", problems, policy_version=policy.version)
    row = Keberatan(skp_id=skp_id, state=KEBERATAN.initial.value, reason=reason.strip(), filed_at=now)
    engine.record(
        session,
        row,
        "file",
        actor=actor,
        role=Role.PEGAWAI.value,
        now=now,
        created=True,
        note=row.reason,
        payload={"skp_id": skp_id, "predikat": skp.predikat},
    )
    assert row.id is not None
    notices.notify(session, skp, "keberatan", row.id, "file", seq=row.version, now=now, note=row.reason)
    return _view(session, row, skp, cycle, actor=actor)


def review(
    session: Session, skp_id: int, *, actor: Actor, now: datetime, expected_version: int | None = None
) -> KeberatanView:
    """The atasan penilai takes the objection under review (asking the penilai and the pegawai to explain)."""
    return _fire(session, skp_id, "review", TriggerInput(), actor=actor, now=now, expected_version=expected_version)


def withdraw(
    session: Session,
    skp_id: int,
    *,
    note: str | None = None,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> KeberatanView:
    """The pegawai withdraws an objection not yet under review."""
    inp = TriggerInput(note=note)
    return _fire(session, skp_id, "withdraw", inp, actor=actor, now=now, expected_version=expected_version)


def decide(
    session: Session,
    skp_id: int,
    decision: str,
    note: str | None,
    *,
    rating_hasil_kerja: Rating | None = None,
    rating_perilaku: Rating | None = None,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> KeberatanView:
    """The atasan penilai decides, finally: 'rejected' keeps the result; 'changed' rewrites the SKP's ratings and
    predikat (kuadran) in the same transaction, with its own event on the SKP's trail."""
    inp = TriggerInput(
        decision=decision, note=note, rating_hasil_kerja=rating_hasil_kerja, rating_perilaku=rating_perilaku
    )
    return _fire(session, skp_id, "decide", inp, actor=actor, now=now, expected_version=expected_version)


def get(session: Session, skp_id: int, *, actor: Actor) -> KeberatanView:
    """The SKP's latest objection, for anyone with a standing on the SKP."""
    skp, cycle, _ = skps.load(session, skp_id, actor)
    return _view(session, _latest(session, skp_id), skp, cycle, actor=actor)


def _fire(
    session: Session,
    skp_id: int,
    trigger: str,
    inp: TriggerInput,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None,
) -> KeberatanView:
    skp, cycle, who = _locked(session, skp_id, actor)
    row = _latest(session, skp_id)
    policy = policy_store.cycle_policy(session, cycle)
    if problems := limits.trigger_input(policy.limits, inp):
        raise InvalidInput(problems)
    facts = _facts(session, skp, policy)
    fired = engine.fire(
        session,
        KEBERATAN,
        row,
        trigger,
        actor=actor,
        roles=who.roles,
        facts=facts,
        now=now,
        inp=inp,
        expected_version=expected_version,
        on_behalf=who.on_behalf,
        apply=_decided(inp, now) if trigger == "decide" else None,
    )
    assert row.id is not None
    notices.notify(session, skp, "keberatan", row.id, trigger, seq=row.version, now=now, note=inp.note)
    warnings: tuple[str, ...] = ()
    if trigger == "decide" and inp.decision == "changed":
        role = engine.acting_role(KEBERATAN, fired.source, trigger, who.roles)
        assert role is not None  # the lifecycle admitted one of the roles
        audited = f"{Role.ADMIN.value} a.n. {role.value}" if role == who.on_behalf else role.value
        _rewrite_result(session, skp, row, inp, facts=facts, policy=policy, actor=actor, role=audited, now=now)
        warnings = _distribution_warnings(session, skp, policy)
    return _view(session, row, skp, cycle, actor=actor, warnings=warnings)


def _decided(inp: TriggerInput, now: datetime) -> Callable[[Any], None]:
    def apply(row: Any) -> None:
        row.decision, row.note, row.decided_at = inp.decision, (inp.note or "").strip(), now

    return apply


def _rewrite_result(
    session: Session,
    skp: Skp,
    keberatan: Keberatan,
    inp: TriggerInput,
    *,
    facts: KeberatanFacts,
    policy: Policy,
    actor: Actor,
    role: str,
    now: datetime,
) -> None:
    hk = inp.rating_hasil_kerja or facts.rating_hasil_kerja
    pk = inp.rating_perilaku or facts.rating_perilaku
    assert hk is not None  # an assessed SKP has both ratings
    assert pk is not None
    before = {
        "rating_hasil_kerja": skp.rating_hasil_kerja,
        "rating_perilaku": skp.rating_perilaku,
        "predikat": skp.predikat,
    }
    skp.rating_hasil_kerja, skp.rating_perilaku = hk.value, pk.value
    skp.predikat = kuadran_predikat(policy, hk, pk).value
    after = {
        "rating_hasil_kerja": skp.rating_hasil_kerja,
        "rating_perilaku": skp.rating_perilaku,
        "predikat": skp.predikat,
    }
    engine.record(
        session,
        skp,
        "objection_decision",
        actor=actor,
        role=role,
        now=now,
        note=f"keberatan {keberatan.id} changed the predikat {before['predikat']} → {skp.predikat}",
        payload={"keberatan_id": keberatan.id, "before": before, "after": after},
    )


def _distribution_warnings(session: Session, skp: Skp, policy: Policy) -> tuple[str, ...]:
    # the regulation is silent on whether a changed result must fit the curve: re-validate and warn
    broken = skps.curve_violations(session, skp.cycle_id, policy, [skp.unit_id])
    return tuple(f"the unit's distribution: {v}" for v in broken[skp.unit_id])


def _facts(session: Session, skp: Skp, policy: Policy) -> KeberatanFacts:
    level = skps.capaian_level(session, skp.cycle_id, skp.unit_id, skps.ANNUAL)
    unit = session.get(Unit, skp.unit_id)
    heads_unit = unit is not None and unit.head_id == skp.pegawai_id
    return KeberatanFacts(
        rating_hasil_kerja=Rating(skp.rating_hasil_kerja) if skp.rating_hasil_kerja else None,
        rating_perilaku=Rating(skp.rating_perilaku) if skp.rating_perilaku else None,
        unit_head_rating=rating_for_unit_head(policy, CapaianLevel(level)) if heads_unit and level else None,
    )


def _locked(session: Session, skp_id: int, actor: Actor) -> tuple[Skp, Cycle, skps.Standing]:
    # objections to one SKP queue on its row: two filings never both see "none pending", and a follow-up
    # sweep (which locks the same rows) never moves an SKP past an objection filed under its nose
    skp = session.scalar(
        select(Skp).where(col(Skp.id) == skp_id).with_for_update().execution_options(populate_existing=True)
    )
    cycle = session.get(Cycle, skp.cycle_id) if skp else None
    if skp is None or cycle is None:
        raise NotFound("skp", skp_id)
    who = standing(session, actor, skp, cycle)
    if not who.roles:
        raise NotFound("skp", skp_id)
    return skp, cycle, who


def _latest(session: Session, skp_id: int) -> Keberatan:
    row = session.scalar(
        select(Keberatan).where(col(Keberatan.skp_id) == skp_id).order_by(col(Keberatan.id).desc()).limit(1)
    )
    if row is None:
        raise NotFound("keberatan", f"of skp {skp_id}")
    return row


def _timezone(session: Session, skp: Skp) -> str:
    unit = session.get(Unit, skp.unit_id)
    return unit.timezone if unit else ""


def _view(
    session: Session, row: Keberatan, skp: Skp, cycle: Cycle, *, actor: Actor, warnings: tuple[str, ...] = ()
) -> KeberatanView:
    assert row.id is not None
    who = standing(session, actor, skp, cycle)
    return KeberatanView(
        id=row.id,
        skp_id=row.skp_id,
        state=row.state,
        version=row.version,
        reason=row.reason,
        decision=row.decision,
        note=row.note,
        filed_at=row.filed_at,
        decided_at=row.decided_at,
        allowed_triggers=KEBERATAN.allowed_triggers(KeberatanState(row.state), who.roles),
        predikat=skp.predikat,
        warnings=warnings,
    )

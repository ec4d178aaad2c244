"""The ladder as statements: the plan of the steps newly reached from each last step taken, who each step notifies,
and the outbox rows those two make when joined to the pending rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlmodel import col

from policies.schema import LadderAction, LadderStep, Recipient
from workflows.flows.sweep.context import Person
from workflows.flows.sweep.messages import NO_ADDRESS
from workflows.flows.sweep.pending import Pending
from workflows.store.tables import Input360, Pegawai, Skp, UtcDateTime


def superseded(ladder: Sequence[LadderStep], new: range, due: datetime, as_of: datetime) -> set[int]:
    """The steps of `new` recorded but neither sent nor acted on: a later step of the same action is among them, or
    a reminder once the deadline has passed."""
    out = set()
    for i in new:
        step = ladder[i]
        later_same = any(ladder[j].action is step.action for j in new if j > i)
        stale_reminder = step.action is LadderAction.REMINDER and as_of >= due
        if later_same or stale_reminder:
            out.add(i)
    return out


def plan(ladder: Sequence[LadderStep], due: datetime, reach: int, taken: Sequence[int], as_of: datetime) -> Subquery:
    """Per `taken` value (the last step already taken), the steps reached since; `notified` is false for a
    superseded step (recorded, neither sent nor acted on)."""
    rows = []
    for last in taken:
        new = range(last + 1, reach)
        skipped = superseded(ladder, new, due, as_of)
        for i in new:
            step = ladder[i]
            rows.append(
                select(
                    literal(last, Integer).label("taken"),
                    literal(i, Integer).label("step_index"),
                    literal(step.action.value, String).label("action"),
                    literal(step.auto_action.value if step.auto_action else None, String).label("auto_action"),
                    literal(due + timedelta(days=step.offset_days), UtcDateTime()).label("step_at"),
                    literal(i not in skipped, Boolean).label("notified"),
                )
            )
    return (union_all(*rows) if len(rows) > 1 else rows[0]).subquery("plan")


def recipients(ladder: Sequence[LadderStep], hr: Sequence[Person]) -> Subquery | None:
    """Who each ladder step notifies, in the step's order: `kind` names where the person comes from (the
    pegawai, the penilai, the atasan penilai, or an HR admin given in `ref`, `name`, `email`); the `…_hr` kinds
    stand in for a penilai or atasan penilai outside the organisation, whose HR acts on their behalf."""
    stand_in = {Recipient.PENILAI: "penilai", Recipient.ATASAN_PENILAI: "atasan"}
    rows = []
    for i, step in enumerate(ladder):
        for order, who in enumerate(step.notify):
            people: list[tuple[str, Person | None]]
            if who is Recipient.PEGAWAI:
                people = [("pegawai", None)]
            elif who is Recipient.PEMBERI:
                people = [("pemberi", None)]
            elif who in stand_in:
                people = [(stand_in[who], None)] + [(f"{stand_in[who]}_hr", p) for p in hr]
            else:
                people = [("hr", p) for p in hr]
            rows += [
                select(
                    literal(i, Integer).label("step_index"),
                    literal(order * 1000 + n, Integer).label("ord"),
                    literal(kind, String).label("kind"),
                    literal(p.ref if p else None, String).label("ref"),
                    literal(p.name if p else None, String).label("name"),
                    literal(p.email if p else None, String).label("email"),
                )
                for n, (kind, p) in enumerate(people)
            ]
    if not rows:  # a ladder that notifies nobody
        return None
    return (union_all(*rows) if len(rows) > 1 else rows[0]).subquery("who")


def outbox_rows(pending: Pending, planned: Callable[..., Select[Any]], plan: Subquery, who: Subquery) -> Select[Any]:
    """The outbox rows of the notified steps: one per recipient (the same person once per step, by `ref`), in
    entity, step and recipient order, with what `messages.render` needs for their text (the recipient's name, the
    pegawai's name and NIP, the entity's state) in place of `subject` and `body`."""
    t = pending.src.table
    owner, penilai, atasan = aliased(Pegawai), aliased(Pegawai), aliased(Pegawai)
    pemberi = aliased(Pegawai) if t is Input360 else None  # only a 360 request has a pemberi to notify

    def person(of: Callable[[Any], Any], hr: Any) -> Any:
        kind = who.c.kind
        whens = [(kind == "pegawai", of(owner)), (kind == "penilai", of(penilai)), (kind == "atasan", of(atasan))]
        if pemberi is not None:
            whens.append((kind == "pemberi", of(pemberi)))
        return case(*whens, else_=hr)

    nip = literal("nip:")
    ref = person(lambda p: nip + col(p.nip), who.c.ref)
    name = person(lambda p: col(p.name), who.c.name)
    email = func.nullif(person(lambda p: col(p.email), who.c.email), "")
    present = or_(
        who.c.kind.in_(["pegawai", "hr"]),
        and_(who.c.kind == "pemberi", col(pemberi.id).is_not(None)) if pemberi is not None else false(),
        and_(who.c.kind == "penilai", col(penilai.id).is_not(None)),
        and_(who.c.kind == "penilai_hr", col(penilai.id).is_(None)),
        and_(who.c.kind == "atasan", col(atasan.id).is_not(None)),
        and_(who.c.kind == "atasan_hr", col(atasan.id).is_(None)),
    )
    prefix = f"deadline:{pending.key.value}:{pending.src.entity_type}:"
    query = (
        planned(
            (
                literal(prefix)
                + cast(t.id, String)
                + literal(":")
                + cast(plan.c.step_index, String)
                + literal(":")
                + ref
            ).label("dedupe_key"),
            literal("email").label("channel"),
            func.coalesce(email, ref).label("recipient"),
            name.label("name"),
            col(owner.name).label("pegawai"),
            col(owner.nip).label("nip"),
            t.state.label("state"),
            plan.c.step_index,
            case((email.is_(None), NO_ADDRESS), else_="pending").label("status"),
            col(Skp.unit_id).label("unit_id"),
            t.id.label("entity_id"),
            plan.c.action,
        )
        .join(owner, col(owner.id) == col(Skp.pegawai_id))
        .outerjoin(penilai, col(penilai.id) == col(Skp.penilai_id))
        .outerjoin(atasan, col(atasan.id) == col(Skp.atasan_penilai_id))
        .join(who, who.c.step_index == plan.c.step_index)
        .where(plan.c.notified, present)
        .order_by(who.c.ord)
    )
    if pemberi is not None:
        query = query.outerjoin(pemberi, col(pemberi.id) == col(Input360.pemberi_id))
    return query

"""Umpan balik berkelanjutan: the pejabat penilai's feedback per RHK or per core value, on the SKP's trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import limits, periods
from states.enums import CoreValue
from states.errors import InvalidInput, NotPermitted, TransitionNotAllowed
from states.messages import Problem, label
from states.roles import Role
from states.skp import SKP, SkpState
from workflows import engine
from workflows.actors import Actor
from workflows.cases import policy_store, skps
from workflows.store.tables import MAX_ID, Feedback, Pegawai, Rhk

OPEN_FOR_FEEDBACK = frozenset({SkpState.agreed, SkpState.monitored, SkpState.adjusted, SkpState.assessed})
"""From the agreed plan to the annual result: feedback is on how the plan is carried out."""

READERS = frozenset({Role.PEGAWAI, Role.PENILAI, Role.ATASAN_PENILAI, Role.ADMIN})


class FeedbackIn(BaseModel):
    """The body of `POST /skps/{id}/feedback`: about exactly one RHK or one core value."""

    model_config = ConfigDict(extra="forbid")
    rhk_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="The RHK of this SKP the feedback is about.")
    core_value: CoreValue | None = Field(default=None, description="The BerAKHLAK core value it is about.")
    period_no: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="The evaluation period it belongs to, if any (a period of the cycle).",
    )
    text: str = Field(min_length=1, max_length=4000, description="The feedback.")


@dataclass(frozen=True)
class FeedbackView:
    id: int
    skp_id: int
    rhk_id: int | None
    core_value: str | None
    period_no: int | None
    author_nip: str
    author_name: str
    text: str
    at: datetime


def add_feedback(session: Session, skp_id: int, body: FeedbackIn, *, actor: Actor, now: datetime) -> FeedbackView:
    """The pejabat penilai gives feedback; it is kept, and recorded on the SKP's audit trail."""
    skp, cycle, who = skps.load(session, skp_id, actor)
    # an admin standing in for a penilai outside the organisation has no pegawai record to sign feedback with
    if Role.PENILAI not in who.roles or who.on_behalf is not None or actor.pegawai_id is None:
        raise NotPermitted("skp", "feedback", sorted(r.value for r in who.roles), held=True)
    state = SkpState(skp.state)
    if state not in OPEN_FOR_FEEDBACK:
        raise TransitionNotAllowed("skp", "feedback", skp.state, SKP.allowed_triggers(state, who.roles))
    problems: list[Problem] = []
    if (body.rhk_id is None) == (body.core_value is None):
        problems.append(Problem.say("input.feedback.one_subject"))
    if body.rhk_id is not None and body.rhk_id not in set(
        session.scalars(select(col(Rhk.id)).where(col(Rhk.skp_id) == skp.id))
    ):
        problems.append(Problem.say("input.feedback.rhk", rhk=body.rhk_id))
    policy = policy_store.cycle_policy(session, cycle)
    if body.period_no is not None and periods.find(policy, cycle.year, body.period_no) is None:
        problems.append(Problem.say("input.period_no.not_of_year", period=body.period_no, year=cycle.year))
    if not body.text.strip():
        problems.append(Problem.say("input.required", field=label("field", "text")))
    problems += limits.notes(policy.limits, [("text", body.text)])
    if problems:
        raise InvalidInput(problems)
    row = Feedback(
        skp_id=skp_id,
        rhk_id=body.rhk_id,
        core_value=body.core_value.value if body.core_value else None,
        period_no=body.period_no,
        author_id=actor.pegawai_id,
        text=body.text.strip(),
        at=now,
    )
    session.add(row)
    session.flush()
    about = f"RHK {body.rhk_id}" if body.rhk_id is not None else f"core value {row.core_value}"
    engine.record(
        session,
        skp,
        "feedback",
        actor=actor,
        role=Role.PENILAI.value,
        now=now,
        note=f"feedback on {about}" + (f", period {body.period_no}" if body.period_no else ""),
        payload={"feedback_id": row.id, **body.model_dump(mode="json")},
    )
    return _views(session, [row])[0]


def list_feedback(session: Session, skp_id: int, *, actor: Actor) -> list[FeedbackView]:
    """The SKP's feedback in the order it was given, for the pegawai, the penilai, the atasan penilai and admins."""
    return page_feedback(session, skp_id, actor=actor, after=0, limit=None)[0]


def page_feedback(
    session: Session, skp_id: int, *, actor: Actor, after: int, limit: int | None
) -> tuple[list[FeedbackView], int]:
    """A page of the SKP's feedback after the id `after`, in the order it was given, and how many there are."""
    _, _, who = skps.load(session, skp_id, actor)
    if not who.roles & READERS:
        raise NotPermitted("skp", "read feedback", sorted(r.value for r in who.roles), held=True)
    of_skp = col(Feedback.skp_id) == skp_id
    total = session.scalar(select(func.count()).select_from(Feedback).where(of_skp)) or 0
    rows = session.scalars(
        select(Feedback).where(of_skp, col(Feedback.id) > after).order_by(col(Feedback.id)).limit(limit)
    ).all()
    return _views(session, list(rows)), total


def _views(session: Session, rows: list[Feedback]) -> list[FeedbackView]:
    authors = {
        pid: (nip, name)
        for pid, nip, name in session.execute(
            select(col(Pegawai.id), col(Pegawai.nip), col(Pegawai.name)).where(
                col(Pegawai.id).in_({r.author_id for r in rows})
            )
        )
    }
    return [
        FeedbackView(
            id=r.id or 0,
            skp_id=r.skp_id,
            rhk_id=r.rhk_id,
            core_value=r.core_value,
            period_no=r.period_no,
            author_nip=authors[r.author_id][0],
            author_name=authors[r.author_id][1],
            text=r.text,
            at=r.at,
        )
        for r in rows
    ]

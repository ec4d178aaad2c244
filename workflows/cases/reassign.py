"""Reassignment: when a pegawai's atasan changes, the open steps the old penilai had for them move to the new one.

Open steps live on the SKP rows, so they follow one column: the pejabat penilai of an unfinished SKP (the plan to
agree, the ratings to give) and the atasan penilai of an unfinished SKP or of one with a keberatan pending (the
decision). The deadline ladder reads its recipients from the same columns when a step is reached, and the inbox
from the same columns when it is read, so both follow without a write of their own. Pending 360 requests stay on
their SKP and so report to the new penilai; each is audited `reassigned` on its own chain, and one whose pemberi is
now the penilai is withdrawn (`input_360_rows.follow_reassignment`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from states.keberatan import KeberatanState
from states.roles import Role
from states.skp import SkpState
from workflows import engine
from workflows.actors import Actor
from workflows.cases import input_360_rows
from workflows.store.tables import Keberatan, Pegawai, Skp

OPEN = (
    SkpState.drafted.value,
    SkpState.cascaded.value,
    SkpState.agreed.value,
    SkpState.monitored.value,
    SkpState.adjusted.value,
)
"""States in which the pejabat penilai still has a step to take (agreement, monitoring, the assessment)."""
CHUNK = 500  # pegawai ids per statement, well under SQLite's bound of bound parameters
PENDING_OBJECTION = (KeberatanState.filed.value, KeberatanState.under_review.value)


@dataclass(frozen=True)
class Reassigned:
    skp_id: int
    role: str  # "penilai" or "atasan_penilai"
    old_id: int | None
    new_id: int | None


def reassign_open_work(
    session: Session,
    changes: Mapping[int, tuple[int | None, int | None]],
    *,
    actor: Actor,
    now: datetime,
    reason: str,
    skip_skps: frozenset[int] = frozenset(),
) -> list[Reassigned]:
    """For every pegawai id in `changes` whose atasan went from `old` to `new` (already stored on the pegawai):
    their unfinished SKPs whose penilai is `old` get `new` as penilai (and new's atasan as atasan penilai), and the
    unfinished or objected SKPs they rate whose atasan penilai is `old` get `new` as atasan penilai. Each changed
    SKP is audited as `reassigned`, naming both people, in the caller's transaction. `skip_skps`: SKPs that stay
    with their penilai (the one a mutasi closes, which the old penilai assesses)."""
    moved = {pid: pair for pid, pair in changes.items() if pair[0] != pair[1]}
    if not moved:
        return []
    pids = list(moved)
    objected = select(col(Keberatan.skp_id)).where(col(Keberatan.state).in_(PENDING_OBJECTION))
    found: dict[int, Skp] = {}
    for start in range(0, len(pids), CHUNK):  # a reorganising import may change many atasan at once
        part = pids[start : start + CHUNK]
        for row in session.scalars(
            select(Skp).where(
                or_(col(Skp.pegawai_id).in_(part), col(Skp.penilai_id).in_(part)),
                or_(col(Skp.state).in_(OPEN), col(Skp.id).in_(objected)),
            )
        ):
            found[row.id or 0] = row
    rows = [found[k] for k in sorted(found)]
    people: set[int] = {p for pair in moved.values() for p in pair if p is not None}
    people |= {p for skp in rows for p in (skp.penilai_id, skp.atasan_penilai_id) if p is not None}
    known = _people(session, people)
    atasan_of = {pid: atasan for pid, (_, _, atasan) in known.items()}
    known |= _people(session, {a for a in atasan_of.values() if a is not None} - set(known))
    names = {pid: (nip, name) for pid, (nip, name, _) in known.items()}
    done: list[Reassigned] = []
    penilai_moved: dict[int, tuple[int | None, int | None]] = {}
    alike: dict[tuple[tuple[str, int | None, int | None], ...], list[Skp]] = defaultdict(list)
    for skp in rows:
        assert skp.id is not None
        if skp.id in skip_skps:
            continue
        steps: list[Reassigned] = []
        penilai, atasan_penilai = skp.penilai_id, skp.atasan_penilai_id
        own = moved.get(skp.pegawai_id)
        if own is not None and skp.state in OPEN and penilai == own[0]:
            penilai = own[1]
            steps.append(Reassigned(skp.id, "penilai", own[0], own[1]))
            penilai_moved[skp.id] = own
            new_atasan = atasan_of.get(own[1]) if own[1] is not None else None
            if atasan_penilai != new_atasan:
                steps.append(Reassigned(skp.id, "atasan_penilai", atasan_penilai, new_atasan))
                atasan_penilai = new_atasan
        rater = moved.get(penilai) if penilai is not None else None
        if rater is not None and atasan_penilai == rater[0]:
            atasan_penilai = rater[1]
            steps.append(Reassigned(skp.id, "atasan_penilai", rater[0], rater[1]))
        if not steps:
            continue
        done.extend(steps)
        if not engine.has_changes(skp):
            alike[tuple((s.role, s.old_id, s.new_id) for s in steps)].append(skp)
            continue
        # the caller changed this SKP (a mutasi moving it): those changes are written with this event
        skp.penilai_id, skp.atasan_penilai_id = penilai, atasan_penilai
        engine.record(session, skp, "reassigned", **_event(names, steps, reason), actor=actor, now=now)
    # the rest, the bulk of a reorganisation: the SKPs with the same moves share one UPDATE and one INSERT of events
    for moves, same in alike.items():
        steps = [Reassigned(0, role, old, new) for role, old, new in moves]
        columns = {f"{s.role}_id": s.new_id for s in steps}
        engine.record_rows(session, same, "reassigned", columns, **_event(names, steps, reason), actor=actor, now=now)
    input_360_rows.follow_reassignment(session, penilai_moved, names=names, actor=actor, now=now, reason=reason)
    return sorted(done, key=lambda s: s.skp_id)


def _event(names: Mapping[int, tuple[str, str]], steps: list[Reassigned], reason: str) -> dict[str, Any]:
    """The role, note and payload of a `reassigned` event: both people of each move, and the reason."""
    return {
        "role": Role.ADMIN.value,
        "note": _note(names, steps, reason),
        "payload": {
            "reason": reason,
            "changes": [
                {"role": s.role, "from": _person(names, s.old_id), "to": _person(names, s.new_id)} for s in steps
            ],
        },
    }


def _people(session: Session, ids: set[int]) -> dict[int, tuple[str, str, int | None]]:
    """NIP, name and atasan of the given pegawai, a chunk of ids per statement."""
    wanted, out = sorted(ids), {}
    for start in range(0, len(wanted), CHUNK):
        rows = session.execute(
            select(col(Pegawai.id), col(Pegawai.nip), col(Pegawai.name), col(Pegawai.atasan_id)).where(
                col(Pegawai.id).in_(wanted[start : start + CHUNK])
            )
        ).all()
        out.update({pid: (nip, name, atasan) for pid, nip, name, atasan in rows})
    return out


ROLE_LABEL = {"penilai": "pejabat penilai", "atasan_penilai": "atasan pejabat penilai"}


def _note(names: Mapping[int, tuple[str, str]], steps: list[Reassigned], reason: str) -> str:
    """The event's note names both people (the payload is kept only as its digest): 'pejabat penilai: Budi
    (1975…) → Joko (1990…); import organisasi: atasan berubah'."""

    def who(pid: int | None) -> str:
        if pid is None or pid not in names:
            return "HR (tidak ada atasan)"
        nip, name = names[pid]
        return f"{name} ({nip})"

    moves = "; ".join(f"{ROLE_LABEL[s.role]}: {who(s.old_id)} → {who(s.new_id)}" for s in steps)
    return f"{moves}; {reason}"[:4000]


def _person(names: Mapping[int, tuple[str, str]], pid: int | None) -> dict[str, str] | None:
    if pid is None or pid not in names:
        return None
    nip, name = names[pid]
    return {"nip": nip, "name": name}

"""Status periods from the organisation import: checked with its rows, recorded with it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import status as rules
from policies.status import StatusIn
from states.messages import Problem
from workflows.actors import Actor
from workflows.cases.status.effects import follow_statuses
from workflows.cases.status.periods import _store
from workflows.cases.status.spans import spans_by_pegawai
from workflows.store.tables import Pegawai, StatusPeriod

# --- imported statuses ------------------------------------------------------------------------------------------


def import_problems(
    session: Session,
    rows: Mapping[str, tuple[Callable[[str], str], StatusIn]],
    known: Mapping[str, int],
) -> list[Problem]:
    """The problems of the import's status columns: `rows` maps a NIP to (how its row names a column, its status);
    `known` maps the NIPs already stored to their pegawai id. One statement for the periods recorded."""
    recorded = spans_by_pegawai(session, [known[nip] for nip in rows if nip in known])
    problems: list[Problem] = []
    for nip, (where, inp) in rows.items():
        problems += rules.problems(inp, recorded.get(known[nip], []) if nip in known else [], where)
    return problems


def import_statuses(
    session: Session, rows: Mapping[str, StatusIn], ids: Mapping[str, int], *, actor: Actor, now: datetime
) -> int:
    """Store the import's status columns (validated by `import_problems`) and let the SKPs follow; a row equal to
    the period recorded changes nothing. Audited by the import's own event (its payload holds every row) and, for the
    SKPs, on their chains. Returns the periods written."""
    recorded: dict[int, list[StatusPeriod]] = defaultdict(list)
    wanted = [ids[nip] for nip in rows]
    for start in range(0, len(wanted), 500):
        for row in session.scalars(
            select(StatusPeriod).where(col(StatusPeriod.pegawai_id).in_(wanted[start : start + 500]))
        ):
            recorded[row.pegawai_id].append(row)
    written = 0
    for nip, inp in rows.items():
        same = next((r for r in recorded[ids[nip]] if r.starts == inp.starts), None)
        if same is not None and (same.status, same.until, same.sk_number, same.note) == (
            inp.status.value,
            inp.until,
            inp.sk_number.strip(),
            inp.note,
        ):
            continue
        _store(session, ids[nip], inp, recorded[ids[nip]], actor=actor, now=now)
        follow_statuses(session, session.get_one(Pegawai, ids[nip]), actor=actor, now=now)
        written += 1
    return written

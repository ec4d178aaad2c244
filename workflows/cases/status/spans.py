"""A pegawai's status periods as the rules read them (`policies.status.StatusSpan`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import status as rules
from states.enums import PegawaiStatus
from workflows.store.tables import StatusPeriod


def _span(row: StatusPeriod) -> rules.StatusSpan:
    return rules.StatusSpan(PegawaiStatus(row.status), row.starts, row.until)


def spans_by_pegawai(session: Session, pegawai_ids: Iterable[int]) -> dict[int, list[rules.StatusSpan]]:
    """The status periods of many pegawai, in one statement per 500 ids."""
    ids = list(pegawai_ids)
    out: dict[int, list[rules.StatusSpan]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        for row in session.scalars(
            select(StatusPeriod).where(col(StatusPeriod.pegawai_id).in_(ids[start : start + 500]))
        ):
            out[row.pegawai_id].append(_span(row))
    return out

"""The periodic results an annual rating is given with: each period of the SKP, its state and predikat.

They are evidence, not a formula: the penilai decides the annual ratings (domain.md §5.5 finds no aggregation of
periodic into annual), and the SKP page, the `assess` audit event and the Dokumen Evaluasi show what was before them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from states.enums import Predikat
from workflows.store.tables import Evaluation


@dataclass(frozen=True)
class PeriodResult:
    period_no: int
    state: str
    predikat: Predikat | None  # None while open, or when the period lapsed unrated
    rating_hasil_kerja: str | None = None
    rating_perilaku: str | None = None


@dataclass(frozen=True)
class PeriodicEvidence:
    """An SKP's periods opened so far, in period order."""

    periods: tuple[PeriodResult, ...]

    @property
    def rated(self) -> tuple[PeriodResult, ...]:
        return tuple(p for p in self.periods if p.predikat is not None)

    @property
    def counts(self) -> dict[Predikat, int]:
        """How many periods had each predikat, best first, only those that occur."""
        found = Counter(p.predikat for p in self.rated)
        return {p: found[p] for p in Predikat if found[p]}

    @property
    def latest(self) -> PeriodResult | None:
        """The last period with a predikat."""
        return self.rated[-1] if self.rated else None

    @property
    def unrated(self) -> int:
        return len(self.periods) - len(self.rated)

    def payload(self) -> dict[str, Any]:
        """What the `assess` event records: every period with its state and predikat (None when it has none)."""
        return {
            "periods": [
                {"period": p.period_no, "state": p.state, "predikat": p.predikat.value if p.predikat else None}
                for p in self.periods
            ]
        }


def periodic_evidence(session: Session, skp_ids: Collection[int]) -> dict[int, PeriodicEvidence]:
    """Per SKP, its periods so far, in one statement; an SKP without any period has an empty evidence."""
    out: dict[int, list[PeriodResult]] = {skp_id: [] for skp_id in skp_ids}
    if not out:
        return {}
    rows = session.execute(
        select(
            col(Evaluation.skp_id),
            col(Evaluation.period_no),
            col(Evaluation.state),
            col(Evaluation.predikat),
            col(Evaluation.rating_hasil_kerja),
            col(Evaluation.rating_perilaku),
        )
        .where(col(Evaluation.skp_id).in_(list(out)))
        .order_by(col(Evaluation.skp_id), col(Evaluation.period_no))
    ).tuples()
    for skp_id, period_no, state, predikat, hk, pk in rows:
        out[skp_id].append(PeriodResult(period_no, state, Predikat(predikat) if predikat else None, hk, pk))
    return {skp_id: PeriodicEvidence(tuple(found)) for skp_id, found in out.items()}


def of_skp(session: Session, skp_id: int) -> PeriodicEvidence:
    return periodic_evidence(session, [skp_id])[skp_id]

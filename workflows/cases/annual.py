"""The annual predikat of a pegawai: every rated SKP of the year, combined by the policy (`policies.annual`).

The one place that reads "the annual predikat of a pegawai": careers (angka kredit, eligibility, ranking), the
follow-up's look back on earlier years, the Dokumen Evaluasi and the predikat export all ask here. One statement
for any number of pegawai and years; each year is combined under the policy of the cycle its latest SKP is in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.annual import SkpPart, combine
from states.enums import Predikat
from workflows.cases import policy_store
from workflows.store.tables import Cycle, Skp


@dataclass(frozen=True)
class AnnualPredikat:
    pegawai_id: int
    year: int
    predikat: Predikat
    parts: tuple[SkpPart, ...]  # the year's rated SKPs, by start
    rule: str  # the policy's mid_year.annual_combine that combined them

    @property
    def skp_id(self) -> int:
        """The SKP that ran last: the one a row about the year names."""
        return self.parts[-1].skp_id

    @property
    def combined(self) -> bool:
        return len(self.parts) > 1


def annual_predikat(
    session: Session,
    *,
    instansi_id: int,
    years: Collection[int],
    pegawai_ids: Collection[int] | None = None,
) -> dict[tuple[int, int], AnnualPredikat]:
    """Per (pegawai, year), the annual predikat from the rated SKPs of the instansi's cycles of those years (of
    the pegawai given, else of all); a pegawai with no rated SKP in a year has no entry for it."""
    if not years or (pegawai_ids is not None and not pegawai_ids):
        return {}
    query = (
        select(
            col(Skp.pegawai_id),
            col(Cycle.year),
            col(Skp.id),
            col(Skp.periode_awal),
            col(Skp.periode_akhir),
            col(Skp.predikat),
            col(Cycle.policy_version_id),
        )
        .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
        .where(
            col(Cycle.instansi_id) == instansi_id,
            col(Cycle.year).in_(list(years)),
            col(Skp.predikat).is_not(None),
        )
        .order_by(col(Skp.pegawai_id), col(Cycle.year), col(Skp.periode_awal), col(Skp.id))
    )
    if pegawai_ids is not None:
        query = query.where(col(Skp.pegawai_id).in_(list(pegawai_ids)))
    parts: dict[tuple[int, int], list[SkpPart]] = defaultdict(list)
    policy_of: dict[tuple[int, int], int | None] = {}
    for pegawai_id, year, skp_id, start, end, predikat, policy_id in session.execute(query).tuples():
        if predikat is None or skp_id is None:
            continue
        parts[pegawai_id, year].append(SkpPart(skp_id, start, end, Predikat(predikat)))
        policy_of[pegawai_id, year] = policy_id  # the latest SKP's cycle decides how its year combines
    out: dict[tuple[int, int], AnnualPredikat] = {}
    for key, found in parts.items():
        policy_id = policy_of[key]
        if policy_id is None:
            continue  # a cycle without a pinned policy has rated nobody
        policy = policy_store.policy_of(session, policy_id)
        combined = combine(policy, found, key[1])
        assert combined is not None
        out[key] = AnnualPredikat(key[0], key[1], combined, tuple(found), policy.mid_year.annual_combine.value)
    return out

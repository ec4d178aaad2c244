"""Kenaikan pangkat and talent-pool eligibility from annual predikat history (domain.md §7.1)."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from policies.schema import ExcludedYear, Policy, TugasBelajarSource
from states.enums import PREDIKAT_ORDER, Predikat


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    reasons: tuple[str, ...]


def eligible(
    policy: Policy, history: Mapping[int, Predikat], as_of_year: int, *, tugas_belajar: Collection[int] = ()
) -> Eligibility:
    """Needs predikat ≥ min_predikat in each of the `years` annual evaluations ending at as_of_year. A year in
    `tugas_belajar` (spent in tugas belajar) with no predikat counts as the policy's `tugas_belajar` section says:
    under EXCLUDED it is neutral or not met (`excluded_year`); under STUDY_PROGRESS its predikat is the one HR
    recorded from the study-progress report, which `history` then holds."""
    rule = policy.eligibility
    tubel = policy.tugas_belajar
    floor = PREDIKAT_ORDER.index(rule.min_predikat)
    reasons: list[str] = []
    for year in range(as_of_year - rule.years + 1, as_of_year + 1):
        found = history.get(year)
        if found is None and year in tugas_belajar:
            if tubel.predikat_source == TugasBelajarSource.STUDY_PROGRESS:
                reasons.append(f"{year}: tugas belajar, no study-progress predikat recorded")
            elif tubel.excluded_year == ExcludedYear.NOT_MET:
                reasons.append(f"{year}: tugas belajar, no predikat (excluded from the SKP cycle)")
        elif found is None:
            reasons.append(f"{year}: no annual predikat")
        elif PREDIKAT_ORDER.index(found) > floor:
            reasons.append(f"{year}: {found.value} is below {rule.min_predikat.value}")
    return Eligibility(ok=not reasons, reasons=tuple(reasons))

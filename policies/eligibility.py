"""Kenaikan pangkat and talent-pool eligibility from annual predikat history (domain.md §7.1)."""

from collections.abc import Mapping
from dataclasses import dataclass

from policies.schema import Policy
from states.enums import PREDIKAT_ORDER, Predikat


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    reasons: tuple[str, ...]


def eligible(policy: Policy, history: Mapping[int, Predikat], as_of_year: int) -> Eligibility:
    """Needs predikat ≥ min_predikat in each of the `years` annual evaluations ending at as_of_year."""
    rule = policy.eligibility
    floor = PREDIKAT_ORDER.index(rule.min_predikat)
    reasons: list[str] = []
    for year in range(as_of_year - rule.years + 1, as_of_year + 1):
        found = history.get(year)
        if found is None:
            reasons.append(f"{year}: no annual predikat")
        elif PREDIKAT_ORDER.index(found) > floor:
            reasons.append(f"{year}: {found.value} is below {rule.min_predikat.value}")
    return Eligibility(ok=not reasons, reasons=tuple(reasons))

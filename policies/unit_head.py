"""A unit head's rating hasil kerja follows the unit's capaian kinerja organisasi (domain.md §5.1)."""

from policies.schema import Policy
from states.enums import CapaianLevel, Rating


def rating_for_unit_head(policy: Policy, level: CapaianLevel) -> Rating:
    return policy.unit_head_rating[level]

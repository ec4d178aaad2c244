"""Which follow-up case a predikat opens (domain.md §7)."""

from policies.schema import Policy
from states.enums import FollowUpKind, Predikat


def kind_for(policy: Policy, predikat: Predikat) -> FollowUpKind | None:
    """The case to open for this predikat, or None when the policy opens none."""
    return policy.follow_up.by_predikat[predikat]

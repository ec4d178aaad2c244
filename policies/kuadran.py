"""Kuadran kinerja: rating hasil kerja × rating perilaku → predikat (domain.md §5.3)."""

from policies.schema import Policy
from states.enums import Predikat, Rating


def predikat(policy: Policy, rating_hasil_kerja: Rating, rating_perilaku: Rating) -> Predikat:
    return policy.kuadran[rating_hasil_kerja][rating_perilaku]

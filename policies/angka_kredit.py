"""Angka kredit of a jabatan fungsional from its predikat (domain.md §5.6)."""

from decimal import ROUND_HALF_UP, Decimal

from policies.schema import Policy
from states.enums import Jenjang, Predikat


def annual(policy: Policy, jenjang: Jenjang, predikat: Predikat) -> Decimal:
    """%predikat × koefisien, rounded half up to policy.angka_kredit.decimals places."""
    return periodic(policy, jenjang, predikat, 12)


def periodic(policy: Policy, jenjang: Jenjang, predikat: Predikat, months: int) -> Decimal:
    """(months / 12) × %predikat × koefisien, rounded half up to policy.angka_kredit.decimals places."""
    if not 1 <= months <= 12:
        raise ValueError(f"months must be 1–12, got {months}")
    ak = policy.angka_kredit
    # Multiply before dividing so the only rounding is the final one.
    exact = Decimal(months) * ak.percent[predikat] * ak.koefisien[jenjang] / Decimal(12 * 100)
    return exact.quantize(Decimal(1).scaleb(-ak.decimals), rounding=ROUND_HALF_UP)

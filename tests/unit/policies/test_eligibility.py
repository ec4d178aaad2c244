import pytest

from policies.eligibility import eligible
from policies.schema import Policy
from states.enums import Predikat

from .conftest import Derive

SB, B, BP, K = Predikat.SANGAT_BAIK, Predikat.BAIK, Predikat.BUTUH_PERBAIKAN, Predikat.KURANG


@pytest.mark.parametrize(
    ("history", "ok", "reasons"),
    [
        ({2025: B, 2026: B}, True, ()),
        ({2025: SB, 2026: B}, True, ()),
        ({2023: K, 2024: K, 2025: B, 2026: SB}, True, ()),  # only the last two years count
        ({2025: BP, 2026: B}, False, ("2025: BUTUH_PERBAIKAN is below BAIK",)),
        ({2025: B, 2026: K}, False, ("2026: KURANG is below BAIK",)),
        ({2026: SB}, False, ("2025: no annual predikat",)),
        ({2025: B, 2027: B}, False, ("2026: no annual predikat",)),  # a later year does not stand in
        ({}, False, ("2025: no annual predikat", "2026: no annual predikat")),
    ],
)
def test_last_two_years_at_least_baik(
    preset: Policy, history: dict[int, Predikat], ok: bool, reasons: tuple[str, ...]
) -> None:
    result = eligible(preset, history, as_of_year=2026)
    assert (result.ok, result.reasons) == (ok, reasons)


def test_years_and_minimum_are_policy(derive: Derive) -> None:
    policy = derive({"eligibility": {"years": 3, "min_predikat": "SANGAT_BAIK"}})
    assert eligible(policy, {2024: SB, 2025: SB, 2026: SB}, 2026).ok
    result = eligible(policy, {2025: SB, 2026: B}, 2026)
    assert result.reasons == ("2024: no annual predikat", "2026: BAIK is below SANGAT_BAIK")

from decimal import Decimal

import pytest

from policies.angka_kredit import annual, periodic
from policies.schema import Policy
from states.enums import Jenjang, Predikat

from .conftest import Derive

# Annual AK per jenjang for SANGAT_BAIK, BAIK, BUTUH_PERBAIKAN, KURANG, SANGAT_KURANG (150/100/75/50/25 %).
ANNUAL: dict[Jenjang, tuple[str, str, str, str, str]] = {
    Jenjang.PEMULA: ("5.625", "3.75", "2.813", "1.875", "0.938"),
    Jenjang.TERAMPIL: ("7.5", "5", "3.75", "2.5", "1.25"),
    Jenjang.MAHIR: ("18.75", "12.5", "9.375", "6.25", "3.125"),
    Jenjang.PENYELIA: ("37.5", "25", "18.75", "12.5", "6.25"),
    Jenjang.AHLI_PERTAMA: ("18.75", "12.5", "9.375", "6.25", "3.125"),
    Jenjang.AHLI_MUDA: ("37.5", "25", "18.75", "12.5", "6.25"),
    Jenjang.AHLI_MADYA: ("56.25", "37.5", "28.125", "18.75", "9.375"),
    Jenjang.AHLI_UTAMA: ("75", "50", "37.5", "25", "12.5"),
}
CASES = [(j, p, Decimal(v)) for j, row in ANNUAL.items() for p, v in zip(Predikat, row, strict=True)]


def test_table_covers_every_jenjang() -> None:
    assert set(ANNUAL) == set(Jenjang)


@pytest.mark.parametrize(("jenjang", "predikat", "expected"), CASES)
def test_annual(preset: Policy, jenjang: Jenjang, predikat: Predikat, expected: Decimal) -> None:
    assert annual(preset, jenjang, predikat) == expected


def test_periodic_example_is_2_083_at_three_places(preset: Policy) -> None:
    assert periodic(preset, Jenjang.MAHIR, Predikat.BAIK, 2) == Decimal("2.083")


def test_periodic_example_is_2_08_at_two_places(derive: Derive) -> None:
    assert periodic(derive({"angka_kredit": {"decimals": 2}}), Jenjang.MAHIR, Predikat.BAIK, 2) == Decimal("2.08")


@pytest.mark.parametrize(
    ("jenjang", "predikat", "months", "expected"),
    [
        (Jenjang.PEMULA, Predikat.BUTUH_PERBAIKAN, 1, "0.234"),  # 0.234375 rounds down
        (Jenjang.AHLI_MADYA, Predikat.SANGAT_BAIK, 3, "14.063"),  # 14.0625 rounds half up
        (Jenjang.AHLI_UTAMA, Predikat.BAIK, 6, "25"),
        (Jenjang.MAHIR, Predikat.KURANG, 12, "6.25"),
    ],
)
def test_periodic(preset: Policy, jenjang: Jenjang, predikat: Predikat, months: int, expected: str) -> None:
    assert periodic(preset, jenjang, predikat, months) == Decimal(expected)


@pytest.mark.parametrize("months", [0, 13, -1])
def test_periodic_refuses_months_outside_a_year(preset: Policy, months: int) -> None:
    with pytest.raises(ValueError, match="months"):
        periodic(preset, Jenjang.MAHIR, Predikat.BAIK, months)

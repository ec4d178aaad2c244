import pytest

from policies.kuadran import predikat
from policies.schema import Policy
from states.enums import Predikat, Rating

ATAS, SESUAI, BAWAH = Rating.DI_ATAS_EKSPEKTASI, Rating.SESUAI_EKSPEKTASI, Rating.DI_BAWAH_EKSPEKTASI


@pytest.mark.parametrize(
    ("hasil_kerja", "perilaku", "expected"),
    [
        (ATAS, ATAS, Predikat.SANGAT_BAIK),
        (ATAS, SESUAI, Predikat.BAIK),
        (ATAS, BAWAH, Predikat.KURANG),  # misconduct: good results never outweigh bad behaviour
        (SESUAI, ATAS, Predikat.BAIK),
        (SESUAI, SESUAI, Predikat.BAIK),
        (SESUAI, BAWAH, Predikat.KURANG),
        (BAWAH, ATAS, Predikat.BUTUH_PERBAIKAN),
        (BAWAH, SESUAI, Predikat.BUTUH_PERBAIKAN),
        (BAWAH, BAWAH, Predikat.SANGAT_KURANG),
    ],
)
def test_nine_cells(preset: Policy, hasil_kerja: Rating, perilaku: Rating, expected: Predikat) -> None:
    assert predikat(preset, hasil_kerja, perilaku) is expected

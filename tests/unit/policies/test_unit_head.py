import pytest

from policies.schema import Policy
from policies.unit_head import rating_for_unit_head
from states.enums import CapaianLevel, Rating

from .conftest import Derive


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (CapaianLevel.ISTIMEWA, Rating.DI_ATAS_EKSPEKTASI),
        (CapaianLevel.BAIK, Rating.SESUAI_EKSPEKTASI),
        (CapaianLevel.BUTUH_PERBAIKAN, Rating.DI_BAWAH_EKSPEKTASI),
        (CapaianLevel.KURANG, Rating.DI_BAWAH_EKSPEKTASI),
        (CapaianLevel.SANGAT_KURANG, Rating.DI_BAWAH_EKSPEKTASI),
    ],
)
def test_preset_mapping(preset: Policy, level: CapaianLevel, expected: Rating) -> None:
    assert rating_for_unit_head(preset, level) is expected


def test_mapping_is_configurable(derive: Derive) -> None:
    policy = derive({"unit_head_rating": {"BUTUH_PERBAIKAN": "SESUAI_EKSPEKTASI"}})
    assert rating_for_unit_head(policy, CapaianLevel.BUTUH_PERBAIKAN) is Rating.SESUAI_EKSPEKTASI
    assert rating_for_unit_head(policy, CapaianLevel.KURANG) is Rating.DI_BAWAH_EKSPEKTASI

import pytest

from policies.follow_up import kind_for
from policies.schema import Policy
from states.enums import FollowUpKind, Predikat

from .conftest import Derive


@pytest.mark.parametrize(
    ("predikat", "expected"),
    [
        (Predikat.SANGAT_BAIK, FollowUpKind.REWARD),
        (Predikat.BAIK, None),
        (Predikat.BUTUH_PERBAIKAN, FollowUpKind.COACHING),
        (Predikat.KURANG, FollowUpKind.COUNSELING),
        (Predikat.SANGAT_KURANG, FollowUpKind.SANCTION),
    ],
)
def test_preset_mapping(preset: Policy, predikat: Predikat, expected: FollowUpKind | None) -> None:
    assert kind_for(preset, predikat) == expected


def test_sanction_durations(preset: Policy) -> None:
    assert preset.follow_up.sanction.improvement_months == 6
    assert preset.follow_up.sanction.temporary_placement_max_months == 12


def test_mapping_is_configurable(derive: Derive) -> None:
    policy = derive({"follow_up": {"by_predikat": {"BAIK": "COACHING", "SANGAT_BAIK": None}}})
    assert kind_for(policy, Predikat.BAIK) is FollowUpKind.COACHING
    assert kind_for(policy, Predikat.SANGAT_BAIK) is None
    assert kind_for(policy, Predikat.KURANG) is FollowUpKind.COUNSELING

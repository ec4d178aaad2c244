"""The periodic coaching rule (`follow_up.periodic`): which runs of closed periods open a coaching case."""

from __future__ import annotations

import pytest

from policies.periodic import is_low, opens_coaching
from policies.schema import Policy
from states.enums import Predikat
from tests.unit.policies.conftest import Derive

SB, B, BP, K, SK = (
    Predikat.SANGAT_BAIK,
    Predikat.BAIK,
    Predikat.BUTUH_PERBAIKAN,
    Predikat.KURANG,
    Predikat.SANGAT_KURANG,
)


@pytest.mark.parametrize(
    ("closed", "period_no", "opens", "why"),
    [
        ({1: BP, 2: BP}, 2, True, "two periods in a row below BAIK"),
        ({1: K, 2: SK}, 2, True, "any predikat below BAIK counts, not only the same one"),
        ({1: BP}, 1, False, "one low period is not yet a run"),
        ({1: B, 2: BP}, 2, False, "BAIK is not below BAIK"),
        ({1: BP, 2: B}, 2, False, "the period just closed is not low"),
        ({1: BP, 2: BP, 3: BP}, 3, True, "a longer run still opens (the case itself is opened once)"),
        ({1: BP, 3: BP}, 3, False, "a period with no evaluation breaks the run"),
        ({1: BP, 2: None, 3: BP}, 3, False, "a lapsed period (no predikat) breaks the run"),
        ({2: SK, 3: SB}, 3, False, "a good period after a bad one"),
    ],
)
def test_preset_two_low_periods_in_a_row(
    preset: Policy, closed: dict[int, Predikat | None], period_no: int, opens: bool, why: str
) -> None:
    assert opens_coaching(preset, closed, period_no) is opens, why


@pytest.mark.parametrize(
    ("overrides", "closed", "period_no", "opens"),
    [
        ({"coaching_after_periods": 1}, {1: BP}, 1, True),
        ({"coaching_after_periods": 3}, {1: BP, 2: BP}, 2, False),
        ({"coaching_after_periods": 3}, {1: BP, 2: K, 3: SK}, 3, True),
        ({"coaching_below": "BUTUH_PERBAIKAN"}, {1: BP, 2: BP}, 2, False),
        ({"coaching_below": "BUTUH_PERBAIKAN"}, {1: K, 2: SK}, 2, True),
        ({"coaching_below": None}, {1: SK, 2: SK}, 2, False),
    ],
)
def test_the_rule_is_the_policys(
    derive: Derive, overrides: dict[str, object], closed: dict[int, Predikat | None], period_no: int, opens: bool
) -> None:
    policy = derive({"follow_up": {"periodic": overrides}})
    assert opens_coaching(policy, closed, period_no) is opens


def test_preset_defaults(preset: Policy) -> None:
    rule = preset.follow_up.periodic
    assert (rule.coaching_below, rule.coaching_after_periods, rule.objection_allowed) == (B, 2, False)
    assert [is_low(preset, p) for p in Predikat] == [False, False, True, True, True]
    assert not is_low(preset, None)


def test_keberatan_on_a_periodic_result_is_refused_until_skpflow_has_it(derive: Derive) -> None:
    with pytest.raises(ValueError, match="not supported yet"):
        derive({"follow_up": {"periodic": {"objection_allowed": True}}})

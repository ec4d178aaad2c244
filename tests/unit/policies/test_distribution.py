import itertools

import pytest

from policies.distribution import Bound, check, head_count, limits
from policies.schema import Policy, Rounding
from states.enums import CapaianLevel, Predikat

from .conftest import Derive

SB, B, BP, K, SK = tuple(Predikat)
L_I, L_B, L_BP, L_K, L_SK = tuple(CapaianLevel)

ONE_BP_OR_K = "at least one BUTUH_PERBAIKAN or KURANG, found 0"

# (capaian level, counts per predikat, expected violation messages) under the preset's curve rounded half up.
CASES: list[tuple[CapaianLevel, dict[Predikat, int], list[str]]] = [
    # ISTIMEWA: at most 70% SANGAT_BAIK.
    (L_I, {SB: 1}, []),  # round(0.7) = 1
    (L_I, {SB: 1, B: 1}, []),
    (L_I, {SB: 2}, ["at most 70% SANGAT_BAIK (max 1 of 2), found 2"]),
    (L_I, {SB: 2, K: 1}, []),
    (L_I, {SB: 3}, ["at most 70% SANGAT_BAIK (max 2 of 3), found 3"]),
    (L_I, {SB: 3, B: 1}, []),  # round(2.8) = 3
    (L_I, {SB: 4}, ["at most 70% SANGAT_BAIK (max 3 of 4), found 4"]),
    (L_I, {SB: 4, SK: 1}, []),  # round(3.5) = 4, half up
    (L_I, {SB: 5}, ["at most 70% SANGAT_BAIK (max 4 of 5), found 5"]),
    (L_I, {SB: 14, B: 5, BP: 1}, []),
    (L_I, {SB: 15, B: 5}, ["at most 70% SANGAT_BAIK (max 14 of 20), found 15"]),
    # BAIK: at most 70% BAIK; someone BUTUH_PERBAIKAN or KURANG (waived for a unit of one).
    (L_B, {B: 1}, []),
    (L_B, {SB: 1}, []),
    (L_B, {B: 1, BP: 1}, []),
    (L_B, {SB: 1, K: 1}, []),
    (L_B, {B: 2}, ["at most 70% BAIK (max 1 of 2), found 2", ONE_BP_OR_K]),
    (L_B, {SB: 2}, [ONE_BP_OR_K]),
    (L_B, {B: 2, K: 1}, []),
    (L_B, {B: 3}, ["at most 70% BAIK (max 2 of 3), found 3", ONE_BP_OR_K]),
    (L_B, {B: 3, BP: 1}, []),
    (L_B, {B: 4, K: 1}, []),
    (L_B, {B: 3, SB: 2}, [ONE_BP_OR_K]),
    (L_B, {B: 7, BP: 1, SB: 2}, []),
    (L_B, {B: 8, BP: 2}, ["at most 70% BAIK (max 7 of 10), found 8"]),
    # BUTUH_PERBAIKAN: at least 60% BUTUH_PERBAIKAN, at most 10% SANGAT_BAIK.
    (L_BP, {BP: 1}, []),
    (L_BP, {B: 1}, ["at least 60% BUTUH_PERBAIKAN (min 1 of 1), found 0"]),
    (
        L_BP,
        {SB: 1},
        ["at least 60% BUTUH_PERBAIKAN (min 1 of 1), found 0", "at most 10% SANGAT_BAIK (max 0 of 1), found 1"],
    ),
    (L_BP, {BP: 1, B: 1}, []),
    (L_BP, {BP: 2, B: 1}, []),
    (L_BP, {BP: 1, B: 2}, ["at least 60% BUTUH_PERBAIKAN (min 2 of 3), found 1"]),
    (L_BP, {BP: 2, K: 2}, []),
    (L_BP, {BP: 3, SB: 1, B: 1}, []),  # round(0.5) = 1
    (L_BP, {BP: 3, SB: 2}, ["at most 10% SANGAT_BAIK (max 1 of 5), found 2"]),
    (L_BP, {BP: 6, SB: 1, K: 3}, []),
    (L_BP, {BP: 5, B: 5}, ["at least 60% BUTUH_PERBAIKAN (min 6 of 10), found 5"]),
    # KURANG: at least 60% KURANG, at least 10% BUTUH_PERBAIKAN, at most 10% SANGAT_BAIK.
    (L_K, {K: 1}, []),
    (L_K, {BP: 1}, ["at least 60% KURANG (min 1 of 1), found 0"]),
    (L_K, {K: 1, B: 1}, []),
    (L_K, {K: 2, SB: 1}, ["at most 10% SANGAT_BAIK (max 0 of 3), found 1"]),
    (L_K, {K: 2, BP: 1, B: 1}, []),
    (L_K, {K: 3, BP: 1, B: 1}, []),
    (L_K, {K: 4, B: 1}, ["at least 10% BUTUH_PERBAIKAN (min 1 of 5), found 0"]),
    (L_K, {K: 6, BP: 1, SB: 1, B: 2}, []),
    (
        L_K,
        {K: 5, SB: 2, B: 3},
        [
            "at least 60% KURANG (min 6 of 10), found 5",
            "at least 10% BUTUH_PERBAIKAN (min 1 of 10), found 0",
            "at most 10% SANGAT_BAIK (max 1 of 10), found 2",
        ],
    ),
    # SANGAT_KURANG: at least 60% SANGAT_KURANG, at least 10% KURANG or BUTUH_PERBAIKAN, no SANGAT_BAIK.
    (L_SK, {SK: 1}, []),
    (L_SK, {SB: 1}, ["at least 60% SANGAT_KURANG (min 1 of 1), found 0", "no SANGAT_BAIK allowed, found 1"]),
    (L_SK, {SK: 1, B: 1}, []),
    (L_SK, {SK: 2, K: 1}, []),
    (L_SK, {SK: 2, SB: 1}, ["no SANGAT_BAIK allowed, found 1"]),
    (L_SK, {SK: 3, BP: 1}, []),
    (L_SK, {SK: 3, BP: 1, B: 1}, []),
    (L_SK, {SK: 4, B: 1}, ["at least 10% KURANG or BUTUH_PERBAIKAN (min 1 of 5), found 0"]),
    (L_SK, {SK: 6, K: 1, B: 3}, []),
    (L_SK, {SK: 5, K: 5}, ["at least 60% SANGAT_KURANG (min 6 of 10), found 5"]),
]


@pytest.fixture(scope="module")
def half_up(derive: Derive) -> Policy:
    return derive({"distribution": {"rounding": "round"}})


@pytest.mark.parametrize(("level", "counts", "expected"), CASES)
def test_curve_rounded_half_up(
    half_up: Policy, level: CapaianLevel, counts: dict[Predikat, int], expected: list[str]
) -> None:
    assert [str(v) for v in check(half_up, level, counts)] == expected


# The preset's strict bounds for units of 1–12, written out: (level, [(min, max) of each constraint] per n = 1…12).
# A maximum rounds down, a minimum up; None = the rule is waived at that size (a 70% cap in a unit of one, a 10%
# minimum beside a 60% minimum below 3, "there must be" in a unit of one).
STRICT: dict[CapaianLevel, list[list[tuple[int, int] | None]]] = {
    # at most 70% SANGAT_BAIK
    L_I: [
        [None],
        [(0, 1)],
        [(0, 2)],
        [(0, 2)],
        [(0, 3)],
        [(0, 4)],
        [(0, 4)],
        [(0, 5)],
        [(0, 6)],
        [(0, 7)],
        [(0, 7)],
        [(0, 8)],
    ],
    # at most 70% BAIK; at least one BUTUH_PERBAIKAN or KURANG
    L_B: [
        [None, None],
        [(0, 1), (1, 2)],
        [(0, 2), (1, 3)],
        [(0, 2), (1, 4)],
        [(0, 3), (1, 5)],
        [(0, 4), (1, 6)],
        [(0, 4), (1, 7)],
        [(0, 5), (1, 8)],
        [(0, 6), (1, 9)],
        [(0, 7), (1, 10)],
        [(0, 7), (1, 11)],
        [(0, 8), (1, 12)],
    ],
    # at least 60% BUTUH_PERBAIKAN; at most 10% SANGAT_BAIK
    L_BP: [
        [(1, 1), (0, 0)],
        [(2, 2), (0, 0)],
        [(2, 3), (0, 0)],
        [(3, 4), (0, 0)],
        [(3, 5), (0, 0)],
        [(4, 6), (0, 0)],
        [(5, 7), (0, 0)],
        [(5, 8), (0, 0)],
        [(6, 9), (0, 0)],
        [(6, 10), (0, 1)],
        [(7, 11), (0, 1)],
        [(8, 12), (0, 1)],
    ],
    # at least 60% KURANG; at least 10% BUTUH_PERBAIKAN; at most 10% SANGAT_BAIK
    L_K: [
        [(1, 1), None, (0, 0)],
        [(2, 2), None, (0, 0)],
        [(2, 3), (1, 3), (0, 0)],
        [(3, 4), (1, 4), (0, 0)],
        [(3, 5), (1, 5), (0, 0)],
        [(4, 6), (1, 6), (0, 0)],
        [(5, 7), (1, 7), (0, 0)],
        [(5, 8), (1, 8), (0, 0)],
        [(6, 9), (1, 9), (0, 0)],
        [(6, 10), (1, 10), (0, 1)],
        [(7, 11), (2, 11), (0, 1)],
        [(8, 12), (2, 12), (0, 1)],
    ],
    # at least 60% SANGAT_KURANG; at least 10% KURANG or BUTUH_PERBAIKAN; no SANGAT_BAIK
    L_SK: [
        [(1, 1), None, (0, 0)],
        [(2, 2), None, (0, 0)],
        [(2, 3), (1, 3), (0, 0)],
        [(3, 4), (1, 4), (0, 0)],
        [(3, 5), (1, 5), (0, 0)],
        [(4, 6), (1, 6), (0, 0)],
        [(5, 7), (1, 7), (0, 0)],
        [(5, 8), (1, 8), (0, 0)],
        [(6, 9), (1, 9), (0, 0)],
        [(6, 10), (1, 10), (0, 0)],
        [(7, 11), (2, 11), (0, 0)],
        [(8, 12), (2, 12), (0, 0)],
    ],
}

UNIT_SIZES = [(level, n) for level in CapaianLevel for n in range(1, 13)]


@pytest.mark.parametrize(("level", "n"), UNIT_SIZES)
def test_preset_bounds_are_strict_for_units_of_one_to_twelve(preset: Policy, level: CapaianLevel, n: int) -> None:
    found = [(lim.min, lim.max) if lim.applies else None for lim in limits(preset, level, n)]
    assert found == STRICT[level][n - 1]


@pytest.mark.parametrize(("level", "n"), UNIT_SIZES)
def test_no_preset_bound_is_exceeded_as_a_share(preset: Policy, level: CapaianLevel, n: int) -> None:
    for lim in limits(preset, level, n):
        c = lim.constraint
        if not lim.applies:
            continue
        if c.max_share is not None:
            assert lim.max / n <= c.max_share < (lim.max + 1) / n
        if c.min_share is not None:
            assert (lim.min - 1) / n < c.min_share <= lim.min / n


@pytest.mark.parametrize(
    ("level", "counts", "expected"),
    [
        # the cases: half up let 3 BAIK of 4 (75%) pass "at most 70%", 1 SANGAT_BAIK of 5 (20%) "at most 10%"
        (L_B, {B: 3, BP: 1}, ["at most 70% BAIK (max 2 of 4), found 3"]),
        (L_BP, {BP: 4, SB: 1}, ["at most 10% SANGAT_BAIK (max 0 of 5), found 1"]),
        (L_B, {B: 2, BP: 1, SB: 1}, []),
        (L_BP, {BP: 9, SB: 1}, []),
        # "at least 60%" of 4 is 3 (2.4 rounds up); half up asked for 2 (50%)
        (L_BP, {BP: 2, B: 2}, ["at least 60% BUTUH_PERBAIKAN (min 3 of 4), found 2"]),
        (L_K, {K: 3, BP: 1}, []),
        (L_K, {K: 2}, []),
        (L_SK, {SK: 2, K: 1}, []),
    ],
)
def test_preset_curve(preset: Policy, level: CapaianLevel, counts: dict[Predikat, int], expected: list[str]) -> None:
    assert [str(v) for v in check(preset, level, counts)] == expected


def test_every_level_and_unit_size_up_to_five_is_covered() -> None:
    covered = {(level, sum(counts.values())) for level, counts, _ in CASES}
    assert {(level, n) for level in CapaianLevel for n in range(1, 6)} <= covered


def test_a_violation_names_its_group_and_count(preset: Policy) -> None:
    (violation,) = check(preset, L_SK, {SK: 3, K: 1, SB: 1})
    assert (violation.level, violation.predikat, violation.found) == (L_SK, (SB,), 1)


@pytest.mark.parametrize(("mode", "blocking"), [("hard", True), ("soft", False)])
def test_mode_decides_whether_violations_block(derive: Derive, mode: str, blocking: bool) -> None:
    violations = check(derive({"distribution": {"mode": mode}}), L_I, {SB: 3})
    assert [v.blocking for v in violations] == [blocking]


def test_empty_unit_has_no_violations(preset: Policy) -> None:
    assert check(preset, L_B, {}) == []


def test_negative_counts_are_refused(preset: Policy) -> None:
    with pytest.raises(ValueError, match="counts"):
        check(preset, L_I, {SB: -1})


def test_units_below_min_unit_size_are_not_checked(derive: Derive) -> None:
    policy = derive({"distribution": {"min_unit_size": 5}})
    assert check(policy, L_I, {SB: 4}) == []
    assert [limit.applies for limit in limits(policy, L_K, 4)] == [False, False, False]
    assert [str(v) for v in check(policy, L_I, {SB: 5})] == ["at most 70% SANGAT_BAIK (max 3 of 5), found 5"]


def test_at_least_one_applies_from_its_own_unit_size(derive: Derive) -> None:
    waived_until_three = derive(
        {
            "distribution": {
                "levels": {
                    "BAIK": [
                        {"predikat": ["BAIK"], "max_share": 0.7},
                        {"predikat": ["BUTUH_PERBAIKAN", "KURANG"], "at_least_one": True, "min_unit_size": 3},
                    ]
                }
            }
        }
    )
    assert check(waived_until_three, L_B, {B: 1, SB: 1}) == []
    assert [str(v) for v in check(waived_until_three, L_B, {B: 1, SB: 2})] == [ONE_BP_OR_K]


@pytest.mark.parametrize(
    ("rounding", "n", "max_sb"),
    [
        ("floor", 2, 1),
        ("floor", 3, 2),
        ("floor", 4, 2),
        ("floor", 5, 3),
        ("ceil", 2, 2),
        ("ceil", 3, 3),
        ("ceil", 4, 3),
        ("strict", 4, 2),
        ("strict", 10, 7),
        ("round", 4, 3),
        ("round", 5, 4),
        ("round", 10, 7),
    ],
)
def test_rounding_turns_a_share_into_a_head_count(derive: Derive, rounding: str, n: int, max_sb: int) -> None:
    (limit,) = limits(derive({"distribution": {"rounding": rounding}}), L_I, n)
    assert (limit.min, limit.max) == (0, max_sb)


@pytest.mark.parametrize(
    ("share", "n", "rounding", "expected"),
    [
        (0.7, 10, Rounding.FLOOR, 7),  # exact: 0.7 × 10 is not 7.000…1 here
        (0.7, 10, Rounding.CEIL, 7),
        (0.1, 30, Rounding.CEIL, 3),
        (0.6, 5, Rounding.ROUND, 3),
        (0.1, 5, Rounding.ROUND, 1),
        (0.1, 4, Rounding.ROUND, 0),
    ],
)
def test_head_count_is_exact(share: float, n: int, rounding: Rounding, expected: int) -> None:
    assert head_count(share, n, rounding) == expected


@pytest.mark.parametrize(
    ("share", "n", "bound", "expected"),
    [
        (0.7, 4, "max", 2),
        (0.7, 4, "min", 3),
        (0.6, 4, "min", 3),
        (0.6, 5, "min", 3),
        (0.1, 5, "max", 0),
        (0.1, 10, "max", 1),
        (0.1, 11, "min", 2),
        (0.7, 10, "max", 7),
        (0.7, 10, "min", 7),
    ],
)
def test_strict_rounds_a_maximum_down_and_a_minimum_up(share: float, n: int, bound: Bound, expected: int) -> None:
    assert head_count(share, n, Rounding.STRICT, bound) == expected


@pytest.mark.parametrize(
    ("level", "n", "ranges"),
    [
        (L_I, 3, [(0, 2)]),
        (L_B, 1, [(0, 1), (0, 1)]),
        (L_B, 10, [(0, 7), (1, 10)]),
        (L_K, 10, [(6, 10), (1, 10), (0, 1)]),
        (L_SK, 5, [(3, 5), (1, 5), (0, 0)]),
        (L_K, 0, [(0, 0), (0, 0), (0, 0)]),
    ],
)
def test_limits_for_a_calculator(preset: Policy, level: CapaianLevel, n: int, ranges: list[tuple[int, int]]) -> None:
    assert [(limit.min, limit.max) for limit in limits(preset, level, n)] == ranges


def test_limits_say_which_rules_apply(preset: Policy) -> None:
    assert [limit.applies for limit in limits(preset, L_B, 1)] == [False, False]
    assert [limit.applies for limit in limits(preset, L_B, 2)] == [True, True]


def _fits(policy: Policy, level: CapaianLevel, n: int) -> bool:
    for cut in itertools.combinations_with_replacement(range(n + 1), len(Predikat) - 1):
        bounds = (0, *cut, n)
        counts = {p: bounds[i + 1] - bounds[i] for i, p in enumerate(Predikat)}
        if not check(policy, level, counts):
            return True
    return False


@pytest.mark.parametrize("level", list(CapaianLevel))
def test_every_unit_size_can_satisfy_the_preset(preset: Policy, level: CapaianLevel) -> None:
    assert [n for n in range(1, 13) if not _fits(preset, level, n)] == []


class TestMajorityMinimum:
    """With majority_minimum, 'sebagian besar' also asks more than half, capped by the 70% maximum."""

    @pytest.mark.parametrize(
        ("level", "counts", "expected"),
        [
            (L_I, {SB: 1}, []),
            (L_I, {B: 1}, []),  # the preset waives the 70% rule, and so its majority, in a unit of one
            (L_I, {B: 2}, ["more than half SANGAT_BAIK (sebagian besar; min 1 of 2), found 0"]),
            (L_I, {SB: 1, B: 1}, []),  # more than half of 2 would be 2, but the cap allows 1
            (L_I, {SB: 2, B: 2}, ["more than half SANGAT_BAIK (sebagian besar; min 3 of 4), found 2"]),
            (L_I, {SB: 3, B: 1}, []),
            (L_B, {B: 2, BP: 2}, ["more than half BAIK (sebagian besar; min 3 of 4), found 2"]),
        ],
    )
    def test_curve(self, derive: Derive, level: CapaianLevel, counts: dict[Predikat, int], expected: list[str]) -> None:
        policy = derive({"distribution": {"majority_minimum": True, "rounding": "round"}})
        assert [str(v) for v in check(policy, level, counts)] == expected

    def test_strict_caps_the_majority_at_the_maximum(self, derive: Derive) -> None:
        # more than half of 4 is 3, but at most 70% of 4 is 2 once the cap rounds down: the cap wins
        policy = derive({"distribution": {"majority_minimum": True}})
        assert check(policy, L_I, {SB: 2, B: 2}) == []
        assert [str(v) for v in check(policy, L_I, {SB: 1, B: 3})] == [
            "more than half SANGAT_BAIK (sebagian besar; min 2 of 4), found 1"
        ]

    def test_off_by_default(self, preset: Policy) -> None:
        assert check(preset, L_I, {SB: 2, B: 2}) == []

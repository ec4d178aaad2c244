"""Pendekatan kuantitatif / kualitatif: who may use it, an indikator's rating under either, the rating hasil kerja."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from policies import approach
from policies.approach import Derived, Rated
from policies.loader import load_preset
from policies.schema import ApproachRule, DeriveRating, NumericCapaian, Policy, QualitativeUse
from states.enums import Approach, Aspek, JabatanType, Rating
from tests.unit.policies.conftest import PRESET

OFF, ALLOWED, REQUIRED = QualitativeUse.OFF, QualitativeUse.ALLOWED, QualitativeUse.REQUIRED
ATAS, SESUAI, BAWAH = Rating.DI_ATAS_EKSPEKTASI, Rating.SESUAI_EKSPEKTASI, Rating.DI_BAWAH_EKSPEKTASI


@pytest.fixture(scope="module")
def preset() -> Policy:
    return load_preset(PRESET)


def with_approach(policy: Policy, **changes: object) -> Policy:
    return policy.model_copy(update={"approach": policy.approach.model_copy(update=changes)})


def test_the_preset_allows_both_approaches_and_suggests_the_derived_rating(preset: Policy) -> None:
    assert preset.approach.qualitative is ALLOWED
    assert preset.approach.rules == []
    assert preset.approach.derive_rating is DeriveRating.SUGGEST


RULES = [
    ApproachRule(jabatan_type=[JabatanType.FUNGSIONAL], qualitative=REQUIRED),
    ApproachRule(units=["DINKES"], qualitative=OFF),
    ApproachRule(jabatan_type=[JabatanType.JPT], units=["PEMDA"], qualitative=ALLOWED),
]


@pytest.mark.parametrize(
    ("default", "jabatan", "units", "expected"),
    [
        (ALLOWED, "PELAKSANA", ["PEMDA", "BAPPEDA"], ALLOWED),  # no rule matches: the default
        (OFF, "PELAKSANA", ["PEMDA", "BAPPEDA"], OFF),
        (ALLOWED, "FUNGSIONAL", ["PEMDA", "BAPPEDA"], REQUIRED),  # by jabatan type
        (ALLOWED, "PELAKSANA", ["PEMDA", "DINKES", "DINKES-P2P"], OFF),  # a unit's rule covers its subtree
        (ALLOWED, "FUNGSIONAL", ["PEMDA", "DINKES"], OFF),  # two match: the last wins
        (OFF, "JPT", ["PEMDA"], ALLOWED),  # both conditions of one rule
        (OFF, "JPT", ["KOTA"], OFF),  # ... must hold
    ],
)
def test_who_may_use_the_qualitative_approach(
    preset: Policy, default: QualitativeUse, jabatan: str, units: list[str], expected: QualitativeUse
) -> None:
    policy = with_approach(preset, qualitative=default, rules=RULES)
    assert approach.qualitative_use(policy, jabatan, units) is expected


K, Q = Approach.KUANTITATIF, Approach.KUALITATIF
AT = "rhk[0].indikator[1]"


@pytest.mark.parametrize(
    ("use", "kind", "target", "ekspektasi", "problems"),
    [
        (ALLOWED, K, 12.0, None, []),
        (ALLOWED, K, None, None, []),  # a draft's target may come later: the agree guard asks for it
        (ALLOWED, Q, None, "Penerima layanan puas", []),
        (REQUIRED, Q, None, "Penerima layanan puas", []),
        (
            ALLOWED,
            Q,
            None,
            "  ",
            [f"{AT}.ekspektasi: a qualitative indikator needs its ekspektasi (the expected result)"],
        ),
        (
            ALLOWED,
            Q,
            10.0,
            "Puas",
            [f"{AT}.target: a qualitative indikator has no numeric target (its ekspektasi says it)"],
        ),
        (
            ALLOWED,
            K,
            3.0,
            "Puas",
            [f"{AT}.ekspektasi: only a qualitative indikator has an ekspektasi; this one has a target"],
        ),
        (OFF, Q, None, "Puas", [f"{AT}.approach: the policy allows no qualitative indikator for this SKP"]),
        (
            REQUIRED,
            K,
            3.0,
            None,
            [f"{AT}.approach: the policy requires qualitative indikator for this SKP (KUALITATIF)"],
        ),
    ],
)
def test_an_indikator_against_its_approach(
    use: QualitativeUse, kind: Approach, target: float | None, ekspektasi: str | None, problems: list[str]
) -> None:
    assert approach.indikator_problems(use, kind, target, ekspektasi, AT) == problems


@pytest.mark.parametrize(
    ("aspek", "lower_is_better", "target", "value", "expected"),
    [
        ("KUANTITAS", [], 100, 110, ATAS),  # 110 %: the di_atas_from bound itself
        ("KUANTITAS", [], 100, 109.9, SESUAI),
        ("KUANTITAS", [], 100, 90, SESUAI),  # 90 %: sesuai_from
        ("KUANTITAS", [], 100, 89.9, BAWAH),
        ("KUANTITAS", [], 12, 0, BAWAH),
        ("KUANTITAS", [], None, 5, None),  # nothing to divide by
        ("KUANTITAS", [], 0, 5, None),
        ("KUANTITAS", [], 10, None, None),  # realised in words only
        ("BIAYA", [Aspek.BIAYA], 100, 80, ATAS),  # less spent than planned: 125 %
        ("BIAYA", [Aspek.BIAYA], 100, 120, BAWAH),  # 83 %
        ("BIAYA", [Aspek.BIAYA], 100, 0, ATAS),
        ("BIAYA", [], 100, 80, BAWAH),  # unless the policy says so, more is better
    ],
)
def test_a_quantitative_indikators_rating_from_its_capaian(
    preset: Policy,
    aspek: str,
    lower_is_better: list[Aspek],
    target: float | None,
    value: float | None,
    expected: Rating | None,
) -> None:
    policy = with_approach(preset, numeric=NumericCapaian(lower_is_better=lower_is_better))
    assert approach.capaian_rating(policy, aspek, target, value) is expected


@pytest.mark.parametrize(
    ("kind", "value", "given", "expected"),
    [
        ("KUALITATIF", None, ATAS, ATAS),  # the penilai's rating against the ekspektasi
        ("KUALITATIF", None, None, None),  # nothing else rates a qualitative indikator
        ("KUANTITATIF", 50, None, BAWAH),  # the capaian
        ("KUANTITATIF", 50, SESUAI, SESUAI),  # the penilai's rating overrides it
    ],
)
def test_one_rating_per_indikator_for_both_approaches(
    preset: Policy, kind: str, value: float | None, given: Rating | None, expected: Rating | None
) -> None:
    rating = approach.indikator_rating(preset, approach=kind, aspek="KUANTITAS", target=100, value=value, given=given)
    assert rating is expected


def u(rating: Rating | None, text: str = "u") -> Rated:
    return Rated("UTAMA", text, rating)


def t(rating: Rating | None) -> Rated:
    return Rated("TAMBAHAN", "t", rating)


@pytest.mark.parametrize(
    ("items", "supports", "expected"),
    [
        ([u(ATAS), u(ATAS)], True, Derived(ATAS)),
        ([u(ATAS), u(ATAS), u(SESUAI)], True, Derived(ATAS)),  # most above, none below
        ([u(ATAS), u(ATAS), u(BAWAH)], True, Derived(SESUAI)),  # one Utama below: never Di Atas
        ([u(ATAS), u(SESUAI)], True, Derived(SESUAI)),  # half is not most
        ([u(ATAS), u(SESUAI), t(ATAS)], True, Derived(ATAS)),  # a Tambahan above supports it
        ([u(ATAS), u(SESUAI), t(ATAS)], False, Derived(SESUAI)),  # ... where the policy says so
        ([u(SESUAI), t(BAWAH)], True, Derived(SESUAI)),  # a Tambahan never lowers it
        ([u(SESUAI), u(SESUAI), u(BAWAH)], True, Derived(SESUAI)),
        ([u(BAWAH), u(BAWAH), u(ATAS)], True, Derived(BAWAH)),  # most below
        ([u(BAWAH), u(SESUAI)], True, Derived(SESUAI)),
        ([u(ATAS), u(None, "Kepuasan")], True, Derived(None, ("Kepuasan",))),  # every Utama needs a rating
        ([u(ATAS), t(None)], True, Derived(ATAS)),  # an unrated Tambahan is left out
        ([t(ATAS)], True, Derived(None)),  # no Utama: nothing to derive
    ],
)
def test_the_rating_hasil_kerja_the_indikator_ratings_give(
    preset: Policy, items: list[Rated], supports: bool, expected: Derived
) -> None:
    assert approach.hasil_kerja(with_approach(preset, tambahan_supports_above=supports), items) == expected


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        ([], None),
        (["KUANTITATIF"] * 3, "KUANTITATIF"),
        (["KUALITATIF"], "KUALITATIF"),
        (["KUALITATIF", "KUANTITATIF"], "CAMPURAN"),
    ],
)
def test_an_skps_pendekatan(kinds: list[str], expected: str | None) -> None:
    assert approach.pendekatan(kinds) == expected


def test_the_numeric_bounds_must_be_in_order() -> None:
    with pytest.raises(ValidationError, match=r"sesuai_from 1\.2 > di_atas_from 1\.1"):
        NumericCapaian(sesuai_from=1.2, di_atas_from=1.1)
    with pytest.raises(ValidationError):
        ApproachRule(units=[], qualitative=OFF)  # a rule naming no unit would match none: say "omitted" instead

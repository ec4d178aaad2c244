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


@pytest.mark.parametrize(
    ("tugas_belajar", "history", "ok", "reasons"),
    [
        # STUDY_PROGRESS (the preset): the study-progress predikat counts like an annual one
        ({"predikat_source": "STUDY_PROGRESS"}, {2025: B, 2026: B}, True, ()),
        ({"predikat_source": "STUDY_PROGRESS"}, {2025: B, 2026: BP}, False, ("2026: BUTUH_PERBAIKAN is below BAIK",)),
        (
            {"predikat_source": "STUDY_PROGRESS"},
            {2025: B},
            False,
            ("2026: tugas belajar, no study-progress predikat recorded",),
        ),
        # EXCLUDED: no predikat; the year is neutral or not met
        ({"predikat_source": "EXCLUDED", "excluded_year": "NEUTRAL"}, {2025: B}, True, ()),
        (
            {"predikat_source": "EXCLUDED", "excluded_year": "NOT_MET"},
            {2025: B},
            False,
            ("2026: tugas belajar, no predikat (excluded from the SKP cycle)",),
        ),
        (
            {"predikat_source": "EXCLUDED", "excluded_year": "NEUTRAL"},
            {2025: K},
            False,
            ("2025: KURANG is below BAIK",),
        ),
    ],
)
def test_a_year_in_tugas_belajar_counts_as_the_policy_says(
    derive: Derive, tugas_belajar: dict[str, str], history: dict[int, Predikat], ok: bool, reasons: tuple[str, ...]
) -> None:
    policy = derive({"tugas_belajar": tugas_belajar})
    result = eligible(policy, history, 2026, tugas_belajar={2026})
    assert (result.ok, result.reasons) == (ok, reasons)


def test_the_preset_rates_tugas_belajar_from_study_progress(preset: Policy) -> None:
    assert preset.tugas_belajar.predikat_source == "STUDY_PROGRESS"
    assert {s.value for s in preset.status.excluded} == {
        "TUGAS_BELAJAR",
        "CLTN",
        "DIBERHENTIKAN_SEMENTARA",
        "MASA_PERSIAPAN_PENSIUN",
        "BERHENTI",
    }

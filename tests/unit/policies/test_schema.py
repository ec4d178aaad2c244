"""Invalid policies are refused with a PolicyError naming each problem by path."""

from typing import Any

import pytest

from policies.loader import PolicyError, policy_from_dict
from policies.schema import Policy

from .conftest import Derive


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"typo": 1}, "typo: Extra inputs are not permitted"),
        ({"calendar": {"weekend": [6, 7]}}, "calendar.weekend: Extra inputs are not permitted"),
        (
            {
                "distribution": {
                    "levels": {"BUTUH_PERBAIKAN": [{"predikat": ["BAIK"], "min_share": 0.6, "max_share": 0.5}]}
                }
            },
            "distribution.levels.BUTUH_PERBAIKAN.0: min_share 0.6 > max_share 0.5",
        ),
        (
            {"distribution": {"levels": {"ISTIMEWA": [{"predikat": ["SANGAT_BAIK"], "max_share": 1.2}]}}},
            "distribution.levels.ISTIMEWA.0.max_share: Input should be less than or equal to 1",
        ),
        (
            {"distribution": {"levels": {"ISTIMEWA": [{"predikat": ["SANGAT_BAIK"]}]}}},
            "distribution.levels.ISTIMEWA.0: a constraint needs",
        ),
        (
            {"distribution": {"levels": {"ISTIMEWA": [{"predikat": ["BAIK", "BAIK"], "max_share": 0.5}]}}},
            "distribution.levels.ISTIMEWA.0: predikat: duplicates",
        ),
        (
            {
                "distribution": {
                    "levels": {"KURANG": [{"predikat": ["SANGAT_BAIK"], "none_allowed": True, "max_share": 0.1}]}
                }
            },
            "distribution.levels.KURANG.0: none_allowed excludes",
        ),
        ({"distribution": {"levels": {"BAGUS": []}}}, "distribution.levels.BAGUS.[key]: Input should be"),
        (
            {
                "deadlines": {
                    "realisasi": {
                        "ladder": [
                            {"offset_days": 0, "action": "notice", "notify": ["pegawai"]},
                            {"offset_days": 0, "action": "escalate", "notify": ["hr"]},
                        ]
                    }
                }
            },
            "deadlines.realisasi.ladder: ladder offsets must strictly increase, got [0, 0]",
        ),
        (
            {"deadlines": {"realisasi": {"ladder": [{"offset_days": 1, "action": "auto_action", "notify": ["hr"]}]}}},
            "deadlines.realisasi.ladder.0: auto_action is required",
        ),
        (
            {"deadlines": {"realisasi": {"ladder": [{"offset_days": 1, "action": "reminder", "notify": []}]}}},
            "deadlines.realisasi.ladder.0: a reminder step must notify someone",
        ),
        (
            {"deadlines": {"realisasi": {"ladder": [{"offset_days": 1, "action": "reminder", "notify": ["bupati"]}]}}},
            "deadlines.realisasi.ladder.0.notify.0: Input should be",
        ),
        ({"deadlines": {"skp_agreement": {"month": 2, "day": 30}}}, "deadlines.skp_agreement: day is out of range"),
        ({"deadlines": {"realisasi": {"day_of_month": 31}}}, "deadlines.realisasi.day_of_month: Input should be"),
        ({"calendar": {"default_timezone": "Asia/Atlantis"}}, "calendar.default_timezone: unknown time zone"),
        ({"calendar": {"working_days": [1, 8]}}, "calendar.working_days: working_days must be distinct"),
        ({"calendar": {"holidays": ["2026-01-01", "2026-01-01"]}}, "calendar.holidays: holidays must be distinct"),
        ({"follow_up": {"coaching_schedule_days": 20}}, "follow_up.coaching_schedule_days (20) must equal"),
        ({"angka_kredit": {"percent": {"BAIK": -1}}}, "angka_kredit.percent: negative percent for BAIK"),
        ({"eligibility": {"years": 0}}, "eligibility.years: Input should be greater than or equal to 1"),
        ({"periods": {"close_days_after_evaluation_due": 6}}, "periods.close_days_after_evaluation_due (6) is before"),
        # dialog kinerja: a window's ladder ends before the next window lapses, starts at the lapse, only notifies
        ({"feedback": {"every_weeks": 1}}, "deadlines.feedback.ladder: its last step (+7 days) must come before"),
        ({"feedback": {"every_weeks": 0}}, "feedback.every_weeks: Input should be greater than or equal to 1"),
        (
            {"deadlines": {"feedback": {"ladder": [{"offset_days": -1, "action": "reminder", "notify": ["penilai"]}]}}},
            "deadlines.feedback.ladder: a recurring ladder starts when the window lapses",
        ),
        (
            {
                "deadlines": {
                    "feedback": {"ladder": [{"offset_days": 0, "action": "auto_action", "auto_action": "flag_hr"}]}
                }
            },
            "deadlines.feedback.ladder: a recurring ladder only notifies",
        ),
    ],
)
def test_invalid_policy_names_the_path(derive: Derive, overrides: dict[str, Any], problem: str) -> None:
    with pytest.raises(PolicyError) as caught:
        derive(overrides)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        (
            ("kuadran", "DI_ATAS_EKSPEKTASI", "DI_BAWAH_EKSPEKTASI"),
            "kuadran: missing cell(s) DI_ATAS_EKSPEKTASI.DI_BAWAH",
        ),
        (("kuadran", "DI_BAWAH_EKSPEKTASI"), "kuadran: missing cell(s) DI_BAWAH_EKSPEKTASI.DI_ATAS_EKSPEKTASI, "),
        (("distribution", "levels", "KURANG"), "distribution.levels: missing key(s): KURANG"),
        (("unit_head_rating", "ISTIMEWA"), "unit_head_rating: missing key(s): ISTIMEWA"),
        (("angka_kredit", "koefisien", "AHLI_UTAMA"), "angka_kredit.koefisien: missing key(s): AHLI_UTAMA"),
        (("follow_up", "by_predikat", "BAIK"), "follow_up.by_predikat: missing key(s): BAIK"),
        (("deadlines", "coaching_schedule"), "deadlines.coaching_schedule: Field required"),
        (("name",), "name: Field required"),
    ],
)
def test_missing_parts_are_named(preset: Policy, path: tuple[str, ...], problem: str) -> None:
    document: dict[str, Any] = preset.model_dump(mode="json")
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    with pytest.raises(PolicyError) as caught:
        policy_from_dict(document)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


def test_policy_is_frozen(preset: Policy) -> None:
    with pytest.raises(ValueError, match="frozen"):
        preset.distribution.mode = "soft"  # type: ignore[misc,assignment]


def test_every_field_is_described() -> None:
    def models(model: type[Any], seen: set[type[Any]]) -> set[type[Any]]:
        seen.add(model)
        for field in model.model_fields.values():
            for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
                for inner in (arg, *getattr(arg, "__args__", ())):
                    if isinstance(inner, type) and issubclass(inner, Policy.__mro__[1]) and inner not in seen:
                        models(inner, seen)
        return seen

    found = models(Policy, set())
    assert len(found) >= 10
    undescribed = [f"{m.__name__}.{n}" for m in found for n, f in m.model_fields.items() if not f.description]
    assert undescribed == []

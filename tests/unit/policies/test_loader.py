from pathlib import Path
from typing import Any

import pytest
import yaml

from policies.loader import (
    PolicyChange,
    PolicyError,
    available_presets,
    content_hash,
    diff,
    load_policy_file,
    load_preset,
    merge,
    policy_from_dict,
)
from policies.schema import DistributionMode, Policy
from states.enums import PeriodKind

from .conftest import PRESET, Derive


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(v) for v in value]
    return value


def test_the_preset_is_listed_and_loads() -> None:
    assert PRESET in available_presets()
    policy = load_preset(PRESET)
    assert (policy.name, policy.base) == (PRESET, None)


@pytest.mark.parametrize("name", ["nope", "../presets/permenpanrb-6-2022", ""])
def test_unknown_preset(name: str) -> None:
    with pytest.raises(PolicyError, match="unknown preset"):
        load_preset(name)


def test_overlay_changes_only_what_it_overrides(tmp_path: Path, preset: Policy) -> None:
    overlay = {
        "name": "kab-contoh",
        "version": "2026.1",
        "base": PRESET,
        "overrides": {"distribution": {"mode": "soft"}, "periods": {"kind": "QUARTERLY"}},
    }
    policy = load_policy_file(write(tmp_path / "kab.yaml", overlay))
    assert policy.distribution.mode is DistributionMode.SOFT
    assert policy.periods.kind is PeriodKind.QUARTERLY
    assert (policy.name, policy.version, policy.base, policy.description) == (
        "kab-contoh",
        "2026.1",
        PRESET,
        preset.description,
    )
    assert {c.path for c in diff(preset, policy)} == {"name", "version", "base", "distribution.mode", "periods.kind"}
    # Everything else, including sibling keys of the overridden mappings, is the preset's.
    assert policy.distribution.levels == preset.distribution.levels
    assert (
        policy.model_copy(
            update={
                "name": preset.name,
                "version": preset.version,
                "base": None,
                "distribution": preset.distribution,
                "periods": preset.periods,
            }
        )
        == preset
    )


def test_overlay_lists_replace_and_mappings_merge(tmp_path: Path, preset: Policy) -> None:
    write(
        tmp_path / "prov.yaml",
        {"name": "prov", "version": "1", "base": PRESET, "overrides": {"calendar": {"holidays": ["2026-03-19"]}}},
    )
    kab = write(
        tmp_path / "kab.yaml",
        {
            "name": "kab",
            "version": "1",
            "description": "Kabupaten contoh",
            "base": "prov.yaml",
            "overrides": {"deadlines": {"realisasi": {"day_of_month": 7, "ladder": []}}},
        },
    )
    policy = load_policy_file(kab)
    assert [str(d) for d in policy.calendar.holidays] == ["2026-03-19"]
    assert policy.calendar.working_days == [1, 2, 3, 4, 5]
    assert (policy.deadlines.realisasi.day_of_month, policy.deadlines.realisasi.ladder) == (7, [])
    assert policy.deadlines.realisasi.months_after == 1
    assert (policy.base, policy.description) == ("prov", "Kabupaten contoh")


def test_a_full_policy_file_loads_as_is(tmp_path: Path, preset: Policy) -> None:
    document = preset.model_dump(mode="json") | {"name": "copy", "base": PRESET}
    policy = load_policy_file(write(tmp_path / "copy.yaml", document))
    assert diff(preset, policy) == [PolicyChange("base", None, PRESET), PolicyChange("name", PRESET, "copy")]


def test_overlay_cycle_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", {"name": "a", "version": "1", "base": "b.yaml", "overrides": {}})
    write(tmp_path / "b.yaml", {"name": "b", "version": "1", "base": "a.yaml", "overrides": {}})
    with pytest.raises(PolicyError, match="cycle"):
        load_policy_file(tmp_path / "a.yaml")


@pytest.mark.parametrize(
    ("overlay", "problem"),
    [
        ({"version": "1", "base": PRESET, "overrides": {}}, "name: required in an overlay"),
        ({"name": "x", "version": "1", "base": PRESET, "overrides": {}, "kuadran": {}}, "kuadran: not allowed"),
        ({"name": "x", "version": "1", "base": PRESET, "overrides": []}, "overrides: must be a mapping"),
        (
            {"name": "x", "version": "1", "base": PRESET, "overrides": {"name": "y"}},
            "overrides.name: set it at the top",
        ),
        (
            {"name": "x", "version": "1", "base": PRESET, "overrides": {"distribution": {"mood": "soft"}}},
            "distribution.mood: Extra inputs are not permitted",
        ),
        (
            {"name": "x", "version": "1", "base": PRESET, "overrides": {"periods": {"kind": "WEEKLY"}}},
            "periods.kind: Input should be",
        ),
        ({"name": "x", "version": "1", "base": "nope", "overrides": {}}, "base: unknown preset 'nope'"),
        *[
            (
                {"name": "x", "version": "1", "base": PRESET, "overrides": {"schedules": {"close_period": bad}}},
                "schedules.close_period: not a five-field cron expression",
            )
            for bad in ("0 7 * *", "0 25 * * *", "@daily", "H 7 * * *", "0 7 * * * *", "")
        ],
        (
            {"name": "x", "version": "1", "base": PRESET, "overrides": {"schedules": {"nightly": "0 0 * * *"}}},
            "schedules.nightly: Extra inputs are not permitted",
        ),
    ],
)
def test_invalid_overlays(tmp_path: Path, overlay: dict[str, Any], problem: str) -> None:
    path = write(tmp_path / "bad.yaml", overlay)
    with pytest.raises(PolicyError) as caught:
        load_policy_file(path)
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(
    ("text", "problem"),
    [("name: [unclosed", "yaml:"), ("- a list", "document: must be a mapping")],
)
def test_unreadable_files(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=problem) as caught:
        load_policy_file(path)
    assert caught.value.source == str(path)


def test_missing_file() -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy_file("/nonexistent/policy.yaml")


def test_an_overlay_moves_one_schedule_and_keeps_the_rest(tmp_path: Path, preset: Policy) -> None:
    overrides = {"schedules": {"enforce_deadlines": "30 6 * * 1-5"}}
    overlay = {"name": "x", "version": "1", "base": PRESET, "overrides": overrides}
    policy = load_policy_file(write(tmp_path / "a.yaml", overlay))
    assert policy.schedules.cron("enforce-deadlines") == "30 6 * * 1-5"
    assert policy.schedules.cron("close-period") == preset.schedules.cron("close-period")
    with pytest.raises(KeyError):
        policy.schedules.cron("deliver-notifications")  # not per policy: the outbox serves every instansi


def test_merge() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    assert merge(base, {"a": {"c": [3]}, "e": None}) == {"a": {"b": 1, "c": [3]}, "d": 1, "e": None}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 1}


class TestContentHash:
    def test_is_sha256_hex(self, preset: Policy) -> None:
        digest = content_hash(preset)
        assert len(digest) == 64
        assert int(digest, 16) >= 0

    def test_ignores_key_order_and_survives_a_json_round_trip(self, preset: Policy) -> None:
        shuffled = policy_from_dict(reversed_keys(preset.model_dump(mode="json")))
        assert content_hash(shuffled) == content_hash(preset)
        assert shuffled == preset

    def test_equal_decimals_hash_alike(self, derive: Derive) -> None:
        assert content_hash(derive({"angka_kredit": {"koefisien": {"MAHIR": "12.50"}}})) == content_hash(
            derive({"angka_kredit": {"koefisien": {"MAHIR": 12.5}}})
        )

    @pytest.mark.parametrize(
        "overrides",
        [
            {"distribution": {"mode": "soft"}},
            {"distribution": {"levels": {"ISTIMEWA": [{"predikat": ["SANGAT_BAIK"], "max_share": 0.71}]}}},
            {"kuadran": {"SESUAI_EKSPEKTASI": {"DI_BAWAH_EKSPEKTASI": "BUTUH_PERBAIKAN"}}},
            {"angka_kredit": {"koefisien": {"MAHIR": 12.6}}},
            {"calendar": {"holidays": ["2026-01-01"]}},
            {
                "deadlines": {
                    "realisasi": {"ladder": [{"offset_days": -2, "action": "reminder", "notify": ["pegawai"]}]}
                }
            },
            {"eligibility": {"years": 3}},
        ],
    )
    def test_changes_with_any_edit(self, derive: Derive, overrides: dict[str, Any]) -> None:
        assert content_hash(derive(overrides)) != content_hash(derive({}))


@pytest.mark.parametrize(
    ("overrides", "changes"),
    [
        ({}, []),
        ({"distribution": {"mode": "soft"}}, [PolicyChange("distribution.mode", "hard", "soft")]),
        (
            {"angka_kredit": {"percent": {"KURANG": 40}}, "follow_up": {"by_predikat": {"BAIK": "REWARD"}}},
            [
                PolicyChange("angka_kredit.percent.KURANG", 50, 40),
                PolicyChange("follow_up.by_predikat.BAIK", None, "REWARD"),
            ],
        ),
        (
            {"calendar": {"holidays": []}, "deadlines": {"keberatan_filing": {"days": 10}}},
            [
                PolicyChange("calendar.holidays", [str(d) for d in load_preset(PRESET).calendar.holidays], []),
                PolicyChange("deadlines.keberatan_filing.days", 14, 10),
            ],
        ),
    ],
)
def test_diff_lists_exactly_the_changed_paths(
    derive: Derive, overrides: dict[str, Any], changes: list[PolicyChange]
) -> None:
    assert diff(derive({}), derive(overrides)) == changes


# A stored policy version is immutable: a database that stored the preset refuses the same name and version with
# other content, so every change of the preset's content (or of a schema default it inherits) needs a new version.
PRESET_HASHES = {
    "2": "0e8c7b66db015d5b14c6fb21562315ea9de76e8e2054321be928dc1407421bad",
    "3": "362c070ad97e4d058374c5dd45fbc9e1c9e5ad2c115fb6edcd5d54859de9b16d",
    "4": "33dfcaf969611699dea7adaa2b6d139effbefbb7864b5e526404d76610676ffd",
}


def test_the_preset_content_changes_only_with_its_version() -> None:
    preset = load_preset(PRESET)
    assert preset.version in PRESET_HASHES, f"record the new preset version {preset.version} here"
    assert content_hash(preset) == PRESET_HASHES[preset.version], (
        "the preset's content changed: give it a new version in permenpanrb-6-2022.yaml and record its hash here"
    )

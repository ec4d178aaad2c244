"""PPPK contracts: the recommendation from the predikat of the contract's years, its due date from the contract's
end, and a PPPK kept off the PNS sanction path whatever the follow-up rules say."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from policies.deadlines import due_day, months_before_end
from policies.follow_up import decide
from policies.kontrak import Source, YearResult, contract_years, opens_at, recommend, recommendation_due
from policies.loader import load_preset
from policies.schema import ConsecutiveRule, DeadlineKey, FollowUpRule, Policy
from states.enums import FollowUpKind, JabatanType, JenisPegawai, Predikat

PRESET = load_preset("permenpanrb-6-2022")
SB, B, BP, K, SK = (
    Predikat.SANGAT_BAIK,
    Predikat.BAIK,
    Predikat.BUTUH_PERBAIKAN,
    Predikat.KURANG,
    Predikat.SANGAT_KURANG,
)
EXTEND, NOT = FollowUpKind.PERPANJANGAN_KONTRAK, FollowUpKind.TIDAK_DIPERPANJANG
A, P = Source.ANNUAL, Source.PERIODIC


def _with(**kontrak: object) -> Policy:
    return PRESET.model_copy(update={"kontrak": PRESET.kontrak.model_copy(update=kontrak)})


def _years(*results: tuple[int, Predikat | None, Source | None]) -> list[YearResult]:
    return [YearResult(y, p, s) for y, p, s in results]


@pytest.mark.parametrize(
    ("policy", "results", "kind", "rule", "low"),
    [
        # the preset: BAIK or better in every year with a result
        (PRESET, [(2025, B, A), (2026, SB, P)], EXTEND, "kontrak.min_predikat", ()),
        (PRESET, [(2025, B, A), (2026, BP, P)], NOT, "kontrak.min_predikat", (2026,)),
        (PRESET, [(2024, K, A), (2025, B, A), (2026, B, P)], NOT, "kontrak.min_predikat", (2024,)),
        (PRESET, [(2025, None, None), (2026, B, P)], EXTEND, "kontrak.min_predikat", ()),  # a year without: not counted
        (PRESET, [(2026, SK, P)], NOT, "kontrak.min_predikat", (2026,)),
        (PRESET, [], NOT, "kontrak.without_results", ()),
        (PRESET, [(2025, None, None)], NOT, "kontrak.without_results", ()),
        # an instansi that extends on no result, asks less, or weighs only the latest year
        (_with(without_results=EXTEND), [], EXTEND, "kontrak.without_results", ()),
        (_with(min_predikat=BP), [(2025, BP, A), (2026, B, P)], EXTEND, "kontrak.min_predikat", ()),
        (_with(min_predikat=BP), [(2025, K, A)], NOT, "kontrak.min_predikat", (2025,)),
        (_with(years=1), [(2024, K, A), (2025, B, A)], EXTEND, "kontrak.min_predikat", ()),
        (_with(years=1), [(2025, B, A), (2024, B, A), (2026, K, P)], NOT, "kontrak.min_predikat", (2026,)),
    ],
)
def test_the_recommendation_follows_the_predikat_of_the_contract_years(
    policy: Policy,
    results: list[tuple[int, Predikat | None, Source | None]],
    kind: FollowUpKind,
    rule: str,
    low: tuple[int, ...],
) -> None:
    advice = recommend(policy, _years(*results))
    assert (advice.kind, advice.rule, advice.low) == (kind, rule, low)


@pytest.mark.parametrize(
    ("selesai", "months", "due"),
    [
        (date(2026, 12, 31), 6, date(2026, 6, 30)),  # ends with the year: proposal by 30 June
        (date(2026, 6, 30), 6, date(2025, 12, 31)),
        (date(2027, 2, 28), 6, date(2026, 8, 31)),  # ends 1 March 2027: 1 September 2026 is six months before
        (date(2026, 8, 30), 6, date(2026, 2, 27)),  # 31 August less six months has no 31 February: the 28th
        (date(2028, 2, 28), 12, date(2027, 2, 27)),  # ends 29 February 2028; 2027 has no 29th: the 28th, stricter
        (date(2026, 12, 31), 0, date(2026, 12, 31)),  # due on the last day
        (date(2029, 3, 31), 3, date(2028, 12, 31)),
    ],
)
def test_the_recommendation_is_due_months_before_the_contract_ends(selesai: date, months: int, due: date) -> None:
    rule = PRESET.deadlines.kontrak_recommendation.model_copy(update={"months_before": months})
    policy = PRESET.model_copy(
        update={"deadlines": PRESET.deadlines.model_copy(update={"kontrak_recommendation": rule})}
    )
    assert due_day(policy, DeadlineKey.KONTRAK_RECOMMENDATION, expires_on=selesai) == due


@pytest.mark.parametrize(
    ("last_day", "months", "start"),
    [
        (date(2026, 12, 31), 6, date(2026, 7, 1)),
        (date(2026, 7, 30), 1, date(2026, 6, 30)),
        (date(2026, 1, 31), -1, date(2026, 3, 1)),
    ],
)
def test_months_before_the_end_count_from_the_day_after_the_last(last_day: date, months: int, start: date) -> None:
    assert months_before_end(last_day, months) == start


def test_the_case_opens_before_it_is_due_in_the_unit_zone() -> None:
    wita = ZoneInfo("Asia/Makassar")
    due = recommendation_due(PRESET, date(2026, 12, 31), "WITA")
    assert due == datetime(2026, 7, 1, tzinfo=wita)
    assert opens_at(PRESET, date(2026, 12, 31), "WITA") == datetime(2026, 5, 2, tzinfo=wita)  # 60 days before
    assert due.astimezone(UTC) == datetime(2026, 6, 30, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("mulai", "selesai", "as_of", "years"),
    [
        (date(2025, 1, 1), date(2026, 12, 31), date(2026, 5, 3), [2025, 2026]),
        (date(2026, 1, 1), date(2026, 12, 31), date(2026, 5, 3), [2026]),
        (date(2022, 3, 1), date(2027, 2, 28), date(2026, 8, 1), [2022, 2023, 2024, 2025, 2026]),
        (date(2026, 1, 1), date(2026, 12, 31), date(2025, 12, 1), [2026]),
    ],
)
def test_the_contract_years_run_to_the_day_of_the_recommendation(
    mulai: date, selesai: date, as_of: date, years: list[int]
) -> None:
    assert list(contract_years(mulai, selesai, as_of)) == years


SANCTION_FOR_ALL = PRESET.follow_up.model_copy(
    update={
        "by_predikat": {**PRESET.follow_up.by_predikat, BP: FollowUpKind.SANCTION},
        "rules": [FollowUpRule(jabatan_type=[JabatanType.PELAKSANA], by_predikat={B: FollowUpKind.SANCTION})],
        "consecutive": [ConsecutiveRule(predikat=[BP, K], years=2, opens=FollowUpKind.SANCTION)],
    }
)


@pytest.mark.parametrize(
    ("jenis", "predikat", "earlier", "kind", "rule"),
    [
        (JenisPegawai.PNS, BP, [], FollowUpKind.SANCTION, "follow_up.by_predikat.BUTUH_PERBAIKAN"),
        (JenisPegawai.PPPK, BP, [], FollowUpKind.COUNSELING, "kontrak.instead_of_sanction"),
        (JenisPegawai.PNS, B, [], FollowUpKind.SANCTION, "follow_up.rules[0]"),
        (JenisPegawai.PPPK, B, [], FollowUpKind.COUNSELING, "kontrak.instead_of_sanction"),
        (JenisPegawai.PNS, K, [BP], FollowUpKind.SANCTION, "follow_up.consecutive[0]"),
        (JenisPegawai.PPPK, K, [BP], FollowUpKind.COUNSELING, "kontrak.instead_of_sanction"),
        (JenisPegawai.PPPK, SB, [], FollowUpKind.REWARD, "follow_up.by_predikat.SANGAT_BAIK"),
    ],
)
def test_a_pppk_never_enters_the_sanction_path(
    jenis: JenisPegawai, predikat: Predikat, earlier: list[Predikat | None], kind: FollowUpKind, rule: str
) -> None:
    policy = PRESET.model_copy(update={"follow_up": SANCTION_FOR_ALL})
    decision = decide(policy, predikat, jenis=jenis, jabatan_type=JabatanType.PELAKSANA, earlier=earlier)
    assert (decision.kind, decision.rule) == (kind, rule)


def test_the_preset_sends_a_low_pppk_to_counselling() -> None:
    for predikat in (K, SK):
        assert decide(PRESET, predikat, jenis=JenisPegawai.PPPK, jabatan_type=JabatanType.PELAKSANA).kind is (
            FollowUpKind.COUNSELING
        )
        assert decide(PRESET, predikat, jenis=JenisPegawai.PNS, jabatan_type=JabatanType.PELAKSANA).kind is (
            FollowUpKind.SANCTION
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kontrak": {"instead_of_sanction": "SANCTION"}}, "never enters the sanction path"),
        ({"kontrak": {"opens_days_before_due": 10}}, "the case must be open when it is taken"),
        ({"follow_up": {"by_predikat": {"BAIK": "PERPANJANGAN_KONTRAK"}}}, "never by a predikat"),
        ({"kontrak": {"without_results": "COUNSELING"}}, "without_results"),
    ],
)
def test_a_policy_that_would_misuse_the_contract_settings_is_refused(
    change: dict[str, dict[str, object]], message: str
) -> None:
    document = PRESET.model_dump(mode="json")
    for section, values in change.items():
        if section == "follow_up":
            document[section]["by_predikat"].update(values["by_predikat"])
        else:
            document[section].update(values)
    with pytest.raises(ValidationError, match=message):
        Policy.model_validate(document)

"""The policy document: every number and mapping of the SKP cycle as validated, frozen data."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, field_validator, model_validator

from states.enums import (
    CONTRACT_KINDS,
    Aspek,
    CapaianLevel,
    FollowUpKind,
    JabatanType,
    JenisPegawai,
    Jenjang,
    PegawaiStatus,
    PeriodKind,
    Predikat,
    Rating,
)
from states.input_360 import Input360Mode

# WIB/WITA/WIT are how units name their zone; IANA names are accepted as well.
ZONE_ALIASES: dict[str, str] = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}


class DistributionMode(StrEnum):
    HARD = "hard"
    SOFT = "soft"


class Rounding(StrEnum):
    """How share × unit size becomes a head count.

    strict: a maximum rounds down and a minimum up, so a bound can never be exceeded (the same as comparing the exact
    fraction found/n with the share); floor, ceil and round (half up) apply one way to both bounds.
    """

    STRICT = "strict"
    FLOOR = "floor"
    CEIL = "ceil"
    ROUND = "round"


class CurveScope(StrEnum):
    """Whose predikat one curve counts.

    unit: the unit's own members; subtree: the unit and every unit below it, each against its own capaian;
    perangkat_daerah: the whole perangkat daerah (the unit right under the instansi's root) against the perangkat
    daerah's capaian, whichever of its units the pegawai sits in.
    """

    UNIT = "unit"
    SUBTREE = "subtree"
    PERANGKAT_DAERAH = "perangkat_daerah"


class DayCount(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


class NonWorkingDay(StrEnum):
    KEEP = "keep"
    NEXT_WORKING_DAY = "next_working_day"


class LadderAction(StrEnum):
    REMINDER = "reminder"
    NOTICE = "notice"
    ESCALATE = "escalate"
    AUTO_ACTION = "auto_action"


class Recipient(StrEnum):
    PEGAWAI = "pegawai"
    PENILAI = "penilai"
    ATASAN_PENILAI = "atasan_penilai"
    HR = "hr"
    PEMBERI = "pemberi"  # the pemberi pertimbangan of a 360 input (deadlines.input_360 only)


class AutoAction(StrEnum):
    CLOSE_OBJECTION_WINDOW = "close_objection_window"
    FLAG_HR = "flag_hr"
    HR_DRAFTS = "hr_drafts"
    CLOSE_INPUT_WINDOW = "close_input_window"  # a 360 input's window closed unanswered (deadlines.input_360)


class DeadlineKey(StrEnum):
    SKP_AGREEMENT = "skp_agreement"
    REALISASI = "realisasi"
    PERIODIC_EVALUATION = "periodic_evaluation"
    ANNUAL_ASSESSMENT = "annual_assessment"
    KEBERATAN_FILING = "keberatan_filing"
    KEBERATAN_DECISION = "keberatan_decision"
    COACHING_SCHEDULE = "coaching_schedule"
    KONTRAK_RECOMMENDATION = "kontrak_recommendation"
    INPUT_360 = "input_360"
    FEEDBACK = "feedback"  # dialog kinerja: umpan balik lapsed for feedback.every_weeks (deadlines.feedback)


# Decimal as plain text ("12.5", "50") so equal values always hash alike.
Koefisien = Annotated[
    Decimal,
    Field(gt=0),
    PlainSerializer(lambda d: format(d.normalize(), "f"), return_type=str, when_used="json"),
]
Share = Annotated[float, Field(ge=0, le=1)]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _require_all(keys: Iterable[object], of: type[StrEnum]) -> None:
    present = set(keys)
    if missing := [member.value for member in of if member not in present]:
        raise ValueError(f"missing key(s): {', '.join(missing)}")


class Constraint(Frozen):
    """One rule of a distribution curve about the head count of a group of predikat."""

    predikat: list[Predikat] = Field(min_length=1, description="The group of predikat counted together.")
    min_share: Share | None = Field(default=None, description="Minimum share of the unit in this group (0–1).")
    max_share: Share | None = Field(default=None, description="Maximum share of the unit in this group (0–1).")
    at_least_one: bool = Field(default=False, description="At least one pegawai of the unit must be in this group.")
    none_allowed: bool = Field(default=False, description="No pegawai of the unit may be in this group.")
    majority: bool = Field(
        default=False,
        description="A 'sebagian besar' rule: with distribution.majority_minimum, the group also needs more than half.",
    )
    min_unit_size: int | None = Field(
        default=None, ge=1, description="This rule applies only to units of at least this many pegawai."
    )

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if len(set(self.predikat)) != len(self.predikat):
            raise ValueError("predikat: duplicates in the group")
        if self.min_share is not None and self.max_share is not None and self.min_share > self.max_share:
            raise ValueError(f"min_share {self.min_share} > max_share {self.max_share}")
        if self.none_allowed and (self.at_least_one or self.min_share or self.max_share is not None or self.majority):
            raise ValueError("none_allowed excludes min_share, max_share, at_least_one and majority")
        if (
            not (self.none_allowed or self.at_least_one or self.majority)
            and self.min_share is None
            and self.max_share is None
        ):
            raise ValueError("a constraint needs min_share, max_share, at_least_one, none_allowed or majority")
        return self


class Distribution(Frozen):
    """Pola distribusi predikat per capaian kinerja organisasi (domain.md §5.4)."""

    mode: DistributionMode = Field(
        default=DistributionMode.HARD, description="hard: violations block follow-up; soft: they only warn."
    )
    rounding: Rounding = Field(
        default=Rounding.STRICT,
        description=(
            "How share × unit size becomes a head count: strict = a maximum rounds down and a minimum up, so no bound "
            "is ever exceeded; floor, ceil or round (half up) = the same way for both bounds."
        ),
    )
    scope: CurveScope = Field(
        default=CurveScope.UNIT,
        description=(
            "Whose predikat one curve counts: unit = the unit's own members; subtree = the unit and the units below "
            "it; perangkat_daerah = the whole perangkat daerah against its capaian."
        ),
    )
    min_unit_size: int = Field(
        default=1, ge=1, description="Units smaller than this are not checked against the curve."
    )
    majority_minimum: bool = Field(
        default=False, description="Whether a 'sebagian besar' rule (majority: true) also requires more than half."
    )
    levels: dict[CapaianLevel, list[Constraint]] = Field(description="The constraints for each capaian level.")

    @field_validator("levels")
    @classmethod
    def _all_levels(cls, value: dict[CapaianLevel, list[Constraint]]) -> dict[CapaianLevel, list[Constraint]]:
        _require_all(value.keys(), CapaianLevel)
        return value


class AngkaKredit(Frozen):
    """Angka kredit conversion for jabatan fungsional (domain.md §5.6)."""

    percent: dict[Predikat, int] = Field(description="Percent of the annual koefisien earned per predikat.")
    koefisien: dict[Jenjang, Koefisien] = Field(description="Annual koefisien per jenjang.")
    decimals: int = Field(default=3, ge=0, le=6, description="Decimal places kept, rounding half up.")

    @field_validator("percent")
    @classmethod
    def _all_predikat(cls, value: dict[Predikat, int]) -> dict[Predikat, int]:
        _require_all(value.keys(), Predikat)
        if negative := [p.value for p, v in value.items() if v < 0]:
            raise ValueError(f"negative percent for {', '.join(negative)}")
        return value

    @field_validator("koefisien")
    @classmethod
    def _all_jenjang(cls, value: dict[Jenjang, Decimal]) -> dict[Jenjang, Decimal]:
        _require_all(value.keys(), Jenjang)
        return value


class Sanction(Frozen):
    improvement_months: int = Field(default=6, ge=1, description="Months given to improve before uji kompetensi.")
    temporary_placement_max_months: int = Field(
        default=12, ge=1, description="Longest temporary placement before pemberhentian."
    )


class ForPegawai(Frozen):
    """Whom a follow-up rule is for: a list left out matches every one."""

    jenis: list[JenisPegawai] | None = Field(default=None, description="PNS and/or PPPK; omitted: both.")
    jabatan_type: list[JabatanType] | None = Field(default=None, description="Jabatan types; omitted: all.")

    def matches(self, jenis: JenisPegawai | None, jabatan_type: JabatanType | None) -> bool:
        return (self.jenis is None or jenis in self.jenis) and (
            self.jabatan_type is None or jabatan_type in self.jabatan_type
        )


def _no_contract_kind(kind: FollowUpKind | None) -> FollowUpKind | None:
    if kind in CONTRACT_KINDS:
        raise ValueError(f"{kind}: a contract recommendation is opened by the contract ladder, never by a predikat")
    return kind


def _no_contract_kinds(value: dict[Predikat, FollowUpKind | None]) -> dict[Predikat, FollowUpKind | None]:
    for kind in value.values():
        _no_contract_kind(kind)
    return value


class FollowUpRule(ForPegawai):
    """Another mapping for some pegawai: the entries it names replace the base mapping's for a pegawai whose jenis
    and jabatan type it matches."""

    by_predikat: dict[Predikat, FollowUpKind | None] = Field(
        min_length=1, description="The case each named predikat opens for these pegawai; null opens none."
    )

    _kinds = field_validator("by_predikat")(_no_contract_kinds)


class ConsecutiveRule(ForPegawai):
    """A low result repeated: when the annual predikat of this year and of the `years` − 1 years before it are all
    in `predikat`, the case `opens` is opened instead of the mapped one (for the pegawai the rule matches)."""

    predikat: list[Predikat] = Field(min_length=1, description="The predikat that count as low.")
    years: int = Field(ge=2, le=10, description="How many consecutive years, this one included.")
    opens: FollowUpKind = Field(description="The case opened.")

    _kinds = field_validator("opens")(_no_contract_kind)


class PeriodicFollowUp(Frozen):
    """What a periodic (monthly, quarterly, semester) predikat leads to (domain.md §6: "trigger of pembinaan",
    inferred; the number of periods and whether a periodic result may be objected to are not found)."""

    coaching_below: Predikat | None = Field(
        default=Predikat.BAIK,
        description="A periodic predikat worse than this one counts as low; null: periodic results open no case.",
    )
    coaching_after_periods: int = Field(
        default=2,
        ge=1,
        le=12,
        description="How many consecutive closed periods with a low predikat open a coaching case.",
    )
    objection_allowed: bool = Field(
        default=False,
        description="Whether a periodic predikat may be objected to (keberatan); the statutory keberatan "
        "(PP 30/2019 Pasal 59) is on the result of the assessment, so the preset allows it on the annual only. "
        "skpflow has no keberatan on a periodic result yet, so true is refused until it has.",
    )

    @field_validator("objection_allowed")
    @classmethod
    def _objection_not_yet(cls, value: bool) -> bool:
        if value:
            raise ValueError("keberatan on a periodic predikat is not supported yet; only the annual result")
        return value


class FollowUp(Frozen):
    """Tindak lanjut per predikat (domain.md §7)."""

    by_predikat: dict[Predikat, FollowUpKind | None] = Field(
        description="The follow-up case opened for each predikat; null opens none."
    )
    rules: list[FollowUpRule] = Field(
        default_factory=list,
        description="Mappings per jenis and jabatan type, applied in order over by_predikat: every matching rule's "
        "entries replace the earlier ones.",
    )
    consecutive: list[ConsecutiveRule] = Field(
        default_factory=list,
        description="Low results in consecutive years and the case they open; the first that holds wins.",
    )
    sanction: Sanction = Field(default_factory=Sanction, description="Durations of the sanction path.")
    coaching_schedule_days: int = Field(
        default=30, ge=1, description="Days to schedule coaching; must equal deadlines.coaching_schedule.days."
    )
    periodic: PeriodicFollowUp = Field(
        default_factory=PeriodicFollowUp, description="Consequences of low periodic predikat."
    )

    @field_validator("by_predikat")
    @classmethod
    def _all_predikat(cls, value: dict[Predikat, FollowUpKind | None]) -> dict[Predikat, FollowUpKind | None]:
        _require_all(value.keys(), Predikat)
        return _no_contract_kinds(value)


class FeedbackPolicy(Frozen):
    """Dialog kinerja as routine (seed 000): how often a penilai is expected to give umpan balik."""

    every_weeks: int | None = Field(
        default=None,
        ge=1,
        le=52,
        description="Weeks within which each agreed SKP should have had umpan balik; null: no expectation (off).",
    )


ContractKind = Literal[FollowUpKind.PERPANJANGAN_KONTRAK, FollowUpKind.TIDAK_DIPERPANJANG]


class Kontrak(Frozen):
    """PPPK contracts (perjanjian kerja; PP 49/2018 Pasal 37, domain.md §2.2, §7): when the extension
    recommendation opens, what kinerja supports it, and what a low predikat does to a PPPK instead of the PNS
    sanction path. The regulation names kinerja as a ground but no threshold: the numbers here are not found."""

    opens_days_before_due: int = Field(
        default=60,
        ge=0,
        le=366,
        description="Days before the recommendation is due (deadlines.kontrak_recommendation) on which the sweep "
        "computes it and opens the case for HR. At least the first step of that ladder before the due instant.",
    )
    min_predikat: Predikat = Field(
        default=Predikat.BAIK, description="The lowest predikat of a contract year that supports an extension."
    )
    years: int | None = Field(
        default=None,
        ge=1,
        le=10,
        description="How many of the contract's latest years with a result count; null: every year of the contract.",
    )
    periodic_stands_in: bool = Field(
        default=True,
        description="Whether a contract year with no annual predikat yet (the current one) counts with its latest "
        "closed periodic predikat.",
    )
    without_results: ContractKind = Field(
        default=FollowUpKind.TIDAK_DIPERPANJANG,
        description="The recommendation when no year of the contract has a result to weigh.",
    )
    instead_of_sanction: FollowUpKind | None = Field(
        default=FollowUpKind.COUNSELING,
        description="The case a predikat opens for a PPPK wherever the follow-up rules would open the PNS sanction "
        "path (improvement period, uji kompetensi, demotion): a PPPK is never demoted; null opens none.",
    )

    @field_validator("instead_of_sanction")
    @classmethod
    def _not_the_sanction_path(cls, value: FollowUpKind | None) -> FollowUpKind | None:
        if value is FollowUpKind.SANCTION:
            raise ValueError("a PPPK never enters the sanction path: choose COUNSELING, COACHING or null")
        return _no_contract_kind(value)


class Eligibility(Frozen):
    """Kenaikan pangkat and talent-pool eligibility (domain.md §7.1)."""

    min_predikat: Predikat = Field(default=Predikat.BAIK, description="Lowest annual predikat that counts.")
    years: int = Field(default=2, ge=1, description="How many most recent annual evaluations must reach it.")


class Periods(Frozen):
    kind: PeriodKind = Field(default=PeriodKind.MONTHLY, description="Length of a periodic evaluation period.")
    close_days_after_evaluation_due: int = Field(
        default=8,
        ge=0,
        le=366,
        description="Days after the periodic evaluation's due instant at which a period closes: realisasi not "
        "submitted and evaluations not given by then lapse. At least the last offset of the periodic_evaluation "
        "ladder, so every step of it is taken while the work can still be done.",
    )


class Calendar(Frozen):
    """Time zone and working days for deadline arithmetic."""

    default_timezone: str = Field(
        default="Asia/Jakarta", description="Zone used when a unit names none (IANA name or WIB/WITA/WIT)."
    )
    working_days: list[int] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5],
        min_length=1,
        description="ISO weekdays that are working days (1 = Mon).",
    )
    holidays: list[date] = Field(default_factory=list, description="Non-working dates (libur nasional, cuti bersama).")

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(ZONE_ALIASES.get(value, value))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("working_days")
    @classmethod
    def _iso_weekdays(cls, value: list[int]) -> list[int]:
        if any(d < 1 or d > 7 for d in value) or len(set(value)) != len(value):
            raise ValueError("working_days must be distinct ISO weekdays 1–7")
        return value

    @field_validator("holidays")
    @classmethod
    def _distinct(cls, value: list[date]) -> list[date]:
        if len(set(value)) != len(value):
            raise ValueError("holidays must be distinct")
        return value


class LadderStep(Frozen):
    """One escalation step, taken offset_days after the due instant (negative: before it)."""

    offset_days: int = Field(description="Days relative to the due instant; negative = before, 0 = at due.")
    action: LadderAction = Field(description="reminder, notice, escalate or auto_action.")
    notify: list[Recipient] = Field(default_factory=list, description="Who is notified at this step.")
    auto_action: AutoAction | None = Field(default=None, description="The automatic action of an auto_action step.")

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if (self.action is LadderAction.AUTO_ACTION) != (self.auto_action is not None):
            raise ValueError("auto_action is required for, and only for, action auto_action")
        if self.action is not LadderAction.AUTO_ACTION and not self.notify:
            raise ValueError(f"a {self.action.value} step must notify someone")
        if len(set(self.notify)) != len(self.notify):
            raise ValueError("notify: duplicate recipients")
        return self


class _Rule(Frozen):
    ladder: list[LadderStep] = Field(default_factory=list, description="Escalation steps, by increasing offset.")

    @field_validator("ladder")
    @classmethod
    def _increasing(cls, value: list[LadderStep]) -> list[LadderStep]:
        offsets = [s.offset_days for s in value]
        if any(a >= b for a, b in pairwise(offsets)):
            raise ValueError(f"ladder offsets must strictly increase, got {offsets}")
        return value


class FixedDateRule(_Rule):
    """Due on a fixed month and day of the cycle year plus year_offset."""

    month: int = Field(ge=1, le=12, description="Month of the due day.")
    day: int = Field(ge=1, le=31, description="Day of the due day.")
    year_offset: int = Field(default=0, description="Years after the cycle year (1 = the next year).")
    on_non_working_day: NonWorkingDay = Field(
        default=NonWorkingDay.KEEP, description="Whether a due day off work moves to the next working day."
    )

    @model_validator(mode="after")
    def _real_day(self) -> Self:
        date(2023, self.month, self.day)  # a non-leap year: 29 February is refused
        return self


class AfterPeriodRule(_Rule):
    """Due on a day of the month that follows a period's end."""

    day_of_month: int = Field(ge=1, le=28, description="Day of the month (≤ 28 so every month has it).")
    months_after: int = Field(default=1, ge=0, description="Months after the month in which the period ends.")
    on_non_working_day: NonWorkingDay = Field(
        default=NonWorkingDay.KEEP, description="Whether a due day off work moves to the next working day."
    )


class AfterEventRule(_Rule):
    """Due a number of calendar or working days after an event (the result, a filing, a case opening)."""

    days: int = Field(ge=0, description="Days after the local day of the event.")
    count: DayCount = Field(default=DayCount.CALENDAR, description="calendar days, or working days on the calendar.")


class BeforeExpiryRule(_Rule):
    """Due a number of calendar months before something ends (a PPPK contract): the work is on time through the
    day before the instant `months_before` months ahead of the end."""

    months_before: int = Field(ge=0, le=60, description="Months before the end (the day after the last day).")


class RecurringRule(_Rule):
    """Due feedback.every_weeks weeks after an anchor (the last umpan balik, else the SKP's agreement), and again
    every that many weeks while nothing new comes: the ladder runs once per window, its offsets within the window."""

    @field_validator("ladder")
    @classmethod
    def _within_window(cls, value: list[LadderStep]) -> list[LadderStep]:
        if any(s.offset_days < 0 for s in value):
            raise ValueError("a recurring ladder starts when the window lapses: offsets must be 0 or more")
        if any(s.action is LadderAction.AUTO_ACTION for s in value):
            raise ValueError("a recurring ladder only notifies: no auto_action step")
        return value


def _feedback_ladder() -> RecurringRule:
    return RecurringRule(
        ladder=[
            LadderStep(offset_days=0, action=LadderAction.REMINDER, notify=[Recipient.PENILAI]),
            LadderStep(offset_days=7, action=LadderAction.ESCALATE, notify=[Recipient.ATASAN_PENILAI]),
        ]
    )


def _contract_ladder() -> BeforeExpiryRule:
    return BeforeExpiryRule(
        months_before=6,
        ladder=[
            LadderStep(offset_days=-30, action=LadderAction.REMINDER, notify=[Recipient.HR]),
            LadderStep(offset_days=-7, action=LadderAction.REMINDER, notify=[Recipient.HR]),
            LadderStep(offset_days=0, action=LadderAction.NOTICE, notify=[Recipient.HR]),
            LadderStep(offset_days=7, action=LadderAction.ESCALATE, notify=[Recipient.ATASAN_PENILAI, Recipient.HR]),
        ],
    )


class Deadlines(Frozen):
    """The deadline rules of the cycle (product.md Deadlines; domain.md §2.2)."""

    skp_agreement: FixedDateRule = Field(description="SKP agreed (penetapan) in the cycle year.")
    realisasi: AfterPeriodRule = Field(description="Pegawai submit realisasi after each period.")
    periodic_evaluation: AfterPeriodRule = Field(description="Penilai evaluate each period.")
    annual_assessment: FixedDateRule = Field(description="Annual assessment, in the year after the cycle.")
    keberatan_filing: AfterEventRule = Field(description="Filing a keberatan after the result is given.")
    keberatan_decision: AfterEventRule = Field(description="Deciding a keberatan after it is filed.")
    coaching_schedule: AfterEventRule = Field(description="Scheduling coaching after the case opens.")
    kontrak_recommendation: BeforeExpiryRule = Field(
        default_factory=_contract_ladder,
        description="HR decides a PPPK contract's extension at least months_before months before it ends "
        "(PP 49/2018 Pasal 37: the proposal goes in 6 months before); the ladder runs while the case is open.",
    )
    input_360: AfterEventRule = Field(
        default_factory=lambda: AfterEventRule.model_validate(DEFAULT_INPUT_360_WINDOW),
        description="The window of a 360 input: a pemberi pertimbangan answers within these days of being named; "
        "the penilai's rating waits for it (perilaku.input_360: required) until the window closes.",
    )

    feedback: RecurringRule = Field(
        default_factory=_feedback_ladder,
        description="Dialog kinerja: the nudges when an agreed SKP has had no umpan balik for feedback.every_weeks "
        "weeks (the sweep takes them only when that is set); the penilai is reminded, then the atasan penilai.",
    )

    @model_validator(mode="after")
    def _pemberi_only_for_input_360(self) -> Self:
        for key in DeadlineKey:
            if key is DeadlineKey.INPUT_360:
                continue
            if any(Recipient.PEMBERI in step.notify for step in self.rule(key).ladder):
                raise ValueError(f"{key.value}.ladder: only the input_360 ladder can notify a pemberi")
            if any(step.auto_action is AutoAction.CLOSE_INPUT_WINDOW for step in self.rule(key).ladder):
                raise ValueError(f"{key.value}.ladder: close_input_window acts only on the input_360 ladder")
        return self

    def rule(
        self, key: DeadlineKey
    ) -> FixedDateRule | AfterPeriodRule | AfterEventRule | BeforeExpiryRule | RecurringRule:
        rule: FixedDateRule | AfterPeriodRule | AfterEventRule | BeforeExpiryRule | RecurringRule = getattr(
            self, DeadlineKey(key).value
        )
        return rule


DEFAULT_INPUT_360_WINDOW: dict[str, object] = {
    "days": 14,
    "count": "calendar",
    "ladder": [
        {"offset_days": -7, "action": "reminder", "notify": ["pemberi"]},
        {"offset_days": -2, "action": "reminder", "notify": ["pemberi"]},
        {"offset_days": 0, "action": "auto_action", "notify": ["penilai"], "auto_action": "close_input_window"},
    ],
}
"""The input_360 window of a policy that names none: two weeks, reminded twice, the penilai told when it closes."""


class Input360Scope(StrEnum):
    """Which perilaku ratings `perilaku.input_360: required` holds back until the 360 input is in."""

    ANNUAL = "annual"
    EVERY_PERIOD = "every_period"


DEFAULT_LEVELS: dict[JabatanType, int] = {
    JabatanType.JPT: 1,
    JabatanType.ADMINISTRATOR: 2,
    JabatanType.PENGAWAS: 3,
    JabatanType.PELAKSANA: 4,
    JabatanType.FUNGSIONAL: 4,
}


class Perilaku(Frozen):
    """360 input on perilaku kerja: PP 30/2019 lets the assessment of perilaku weigh the opinions of rekan kerja
    setingkat and bawahan langsung (domain.md §4, confirmed); how 6/2022 runs it is inferred, so every value here
    is the instansi's to set."""

    input_360: Input360Mode = Field(
        default=Input360Mode.OFF,
        description="off: no 360 input; optional: the penilai may name pemberi pertimbangan and sees their "
        "aggregate when rating; required: the perilaku rating waits until every named input is in or its window "
        "has closed (and at least one pemberi is named when anyone may be).",
    )
    required_for: Input360Scope = Field(
        default=Input360Scope.ANNUAL,
        description="Which ratings 'required' holds back: the annual assessment only, or every periodic "
        "evaluation too.",
    )
    show_who_said_what: bool = Field(
        default=False,
        description="Whether the penilai sees each pemberi's ratings and notes by name; false: only the aggregate "
        "per core value.",
    )
    min_inputs_shown: int = Field(
        default=2,
        ge=1,
        le=20,
        description="Fewest inputs in before the aggregate shows its distribution and notes (below it only the "
        "count), so a single input cannot be read as one person's.",
    )
    max_pemberi: int = Field(default=10, ge=1, le=50, description="Most pemberi named for one SKP and period.")
    levels: dict[JabatanType, int] = Field(
        default_factory=lambda: dict(DEFAULT_LEVELS),
        description="The level of each jabatan type (1 = highest): a rekan kerja setingkat works in the same unit "
        "at the same level.",
    )

    @field_validator("levels")
    @classmethod
    def _every_type(cls, value: dict[JabatanType, int]) -> dict[JabatanType, int]:
        _require_all(value.keys(), JabatanType)
        return value


def _five_field_cron(value: str) -> str:
    fields = value.split()
    hashed = any(f.upper() in {"H", "R"} or f.upper().startswith(("H(", "R(")) for f in fields)  # Prefect refuses
    if len(fields) != 5 or hashed or not croniter.is_valid(value):
        raise ValueError(f"not a five-field cron expression (minute hour day month weekday): {value!r}")
    return value


Cron = Annotated[str, AfterValidator(_five_field_cron)]


class Schedules(Frozen):
    """When the scheduler runs each time-driven workflow: cron expressions read in each unit's time zone.

    Every workflow is idempotent and acts as of its scheduled moment, so a schedule decides only how soon work
    is noticed (and at what local hour people receive mail), never what the outcome is.
    """

    open_period: Cron = Field(default="10 0 * * *", description="Monitor agreed SKPs and open the current period.")
    close_period: Cron = Field(default="20 0 * * *", description="Close the period that has ended.")
    enforce_deadlines: Cron = Field(
        default="0 7 * * *", description="Reminders, notices, escalations and automatic actions (local morning)."
    )
    close_assessment: Cron = Field(default="0 1 * * *", description="Check each unit's distribution against the curve.")
    dispatch_follow_up: Cron = Field(default="0 2 * * *", description="Open follow-up cases for settled assessments.")

    def cron(self, workflow: str) -> str:
        """The cron of a workflow by its name (`enforce-deadlines`); KeyError if it has no schedule here."""
        field = workflow.replace("-", "_")
        if field not in type(self).model_fields:
            raise KeyError(workflow)
        return str(getattr(self, field))


# The storage widths of the free-text columns: a policy may tighten the lengths below, never widen them.
TEXT_CHARS_MAX = 2000
NOTE_CHARS_MAX = 4000


class Limits(Frozen):
    """How much one pegawai may write into one SKP: bounds a real SKP never reaches (roughly 3–15 RHK with 1–4
    indicators each), so a runaway or hostile client cannot build an SKP whose page and PDF cost seconds each."""

    rhk_per_skp: int = Field(default=50, ge=1, le=1000, description="Most RHK (Utama and Tambahan) in one SKP.")
    indikator_per_rhk: int = Field(default=10, ge=1, le=100, description="Most indicators under one RHK.")
    text_chars: int = Field(
        default=TEXT_CHARS_MAX,
        ge=20,
        le=TEXT_CHARS_MAX,
        description="Longest text of an RHK, an indicator, an ekspektasi khusus or a lampiran entry, in characters "
        f"(at most {TEXT_CHARS_MAX}, the storage width).",
    )
    note_chars: int = Field(
        default=NOTE_CHARS_MAX,
        ge=20,
        le=NOTE_CHARS_MAX,
        description="Longest free text of a note, a reason, a feedback, a keberatan reason or decision, a realisasi "
        f"text or a follow-up report, in characters (at most {NOTE_CHARS_MAX}, the storage width).",
    )
    lampiran_items: int = Field(default=20, ge=1, le=200, description="Most entries in one lampiran section.")
    evidence_per_indikator: int = Field(
        default=20, ge=1, le=20, description="Most bukti dukung attached to one indicator's realisasi in a period."
    )


class Severity(StrEnum):
    BLOCKING = "blocking"  # open / start_assessment wait until it is fixed (issue 17 item 5, second step)
    WARNING = "warning"
    INFO = "info"


class QualityRule(StrEnum):
    """The data-quality rules of GET /cycles/{id}/quality; the ids are stable (docs/ HR guide)."""

    TARGET_MISSING = "target_missing"
    UTAMA_WITHOUT_INTERVENSI = "utama_without_intervensi"
    ORPHAN_ATASAN_RHK = "orphan_atasan_rhk"
    DUPLICATE_RHK_TEXT = "duplicate_rhk_text"
    REALISASI_WITHOUT_EVIDENCE = "realisasi_without_evidence"
    RATING_WITHOUT_FEEDBACK = "rating_without_feedback"
    DISTRIBUTION_VIOLATION = "distribution_violation"
    NO_PENILAI = "no_penilai"
    PENILAI_OVERLOADED = "penilai_overloaded"
    EKSPEKTASI_MISSING = "ekspektasi_missing"
    APPROACH_NOT_ALLOWED = "approach_not_allowed"
    QUALITATIVE_UNRATED = "qualitative_unrated"


DEFAULT_SEVERITY: dict[QualityRule, Severity] = {
    QualityRule.TARGET_MISSING: Severity.BLOCKING,
    QualityRule.UTAMA_WITHOUT_INTERVENSI: Severity.WARNING,
    QualityRule.ORPHAN_ATASAN_RHK: Severity.INFO,
    QualityRule.DUPLICATE_RHK_TEXT: Severity.INFO,
    QualityRule.REALISASI_WITHOUT_EVIDENCE: Severity.WARNING,
    QualityRule.RATING_WITHOUT_FEEDBACK: Severity.WARNING,
    QualityRule.DISTRIBUTION_VIOLATION: Severity.WARNING,
    QualityRule.NO_PENILAI: Severity.BLOCKING,
    QualityRule.PENILAI_OVERLOADED: Severity.INFO,
    QualityRule.EKSPEKTASI_MISSING: Severity.BLOCKING,
    QualityRule.APPROACH_NOT_ALLOWED: Severity.WARNING,
    QualityRule.QUALITATIVE_UNRATED: Severity.INFO,
}


class Quality(Frozen):
    """The data-quality report (validasi kualitas data SKP, seed 004): each rule's severity and its thresholds.
    Not found in the regulation (domain.md): every value here is the instansi's to set."""

    severity: dict[QualityRule, Severity] = Field(
        default_factory=lambda: dict(DEFAULT_SEVERITY), description="Severity of each rule, by rule id."
    )
    max_bawahan: int = Field(
        default=30, ge=1, le=10000, description="Most SKPs one pejabat penilai rates before penilai_overloaded."
    )
    evidence_required: bool = Field(
        default=True, description="Whether every realisasi needs at least one bukti dukung."
    )

    @field_validator("severity")
    @classmethod
    def _all_rules(cls, value: dict[QualityRule, Severity]) -> dict[QualityRule, Severity]:
        _require_all(value.keys(), QualityRule)
        return value


class ActingPolicy(Frozen):
    """Plt/Plh with an SK (issue 16): whether the acting duty enters the acting official's own SKP as an RHK
    Tambahan. domain.md §6: legacy guidance counts Plt duties as tugas tambahan (🟡 I for 6/2022); nothing is found
    for a Plh, whose SK covers days or weeks of a head's absence. Both are the instansi's to set."""

    rhk_tambahan_plt: bool = Field(
        default=True,
        description="A running Plt SK adds an RHK Tambahan naming the acting duty to the official's open SKP.",
    )
    rhk_tambahan_plh: bool = Field(
        default=False,
        description="The same for a Plh SK; off by default (not found in the regulation; a Plh covers an absence).",
    )


class QualitativeUse(StrEnum):
    """Whether an SKP's indikator may be qualitative (domain.md §3.3): off, numeric targets only; allowed, the
    pegawai chooses per indikator; required, every indikator is qualitative."""

    OFF = "off"
    ALLOWED = "allowed"
    REQUIRED = "required"


class DeriveRating(StrEnum):
    """How the per-indikator ratings reach the rating hasil kerja the kuadran reads.

    off: the pejabat penilai rates hasil kerja alone (the per-indikator ratings are recorded and shown); suggest: the
    rating derived from them is shown, and used when the penilai gives none; binding: the derived rating is the
    rating, and a different one is refused.
    """

    OFF = "off"
    SUGGEST = "suggest"
    BINDING = "binding"


class ApproachRule(Frozen):
    """Another `qualitative` setting for some SKPs: by the SKP's jabatan type and/or unit (a unit code names that
    unit and every unit below it); a list left out matches every SKP. The last matching rule wins."""

    jabatan_type: list[JabatanType] | None = Field(default=None, description="Jabatan types; omitted: all.")
    units: list[str] | None = Field(
        default=None, min_length=1, description="Unit codes (each with its subtree); omitted: every unit."
    )
    qualitative: QualitativeUse = Field(description="off, allowed or required for these SKPs.")


class NumericCapaian(Frozen):
    """A quantitative indikator's rating from its capaian, realisasi ÷ target (target ÷ realisasi where less is
    better). Not regulation (domain.md §5.5: numeric capaian is a UI aid); the defaults follow the legacy PP 30/2019
    scale (Baik from 90 %, Sangat Baik from 110 %)."""

    sesuai_from: float = Field(default=0.9, gt=0, description="Capaian from which the indikator meets expectation.")
    di_atas_from: float = Field(default=1.1, gt=0, description="Capaian from which it is above expectation.")
    lower_is_better: list[Aspek] = Field(
        default_factory=list,
        description="Aspek whose realisasi is better when lower (e.g. BIAYA, or WAKTU counted as time taken).",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.sesuai_from > self.di_atas_from:
            raise ValueError(f"sesuai_from {self.sesuai_from} > di_atas_from {self.di_atas_from}")
        return self


class ApproachPolicy(Frozen):
    """Pendekatan kuantitatif and kualitatif (issue 16 item 7; domain.md §3.3): who may or must rate indikator
    against a described expectation, and how per-indikator ratings of both kinds become the rating hasil kerja.
    Which jabatan use which approach and how ratings combine are not found in the regulation: instansi settings."""

    qualitative: QualitativeUse = Field(
        default=QualitativeUse.ALLOWED,
        description="off, allowed or required for every SKP the rules below do not name (domain.md §3.3: the "
        "regulation allows both approaches and lets the instansi or the pegawai choose).",
    )
    rules: list[ApproachRule] = Field(
        default_factory=list, description="Other settings by jabatan type and/or unit; the last match wins."
    )
    derive_rating: DeriveRating = Field(
        default=DeriveRating.SUGGEST, description="off, suggest or binding: see DeriveRating."
    )
    majority_share: float = Field(
        default=0.5,
        ge=0,
        lt=1,
        description="'Sebagian besar' (domain.md §5.2): more than this share of the rated Utama indikator.",
    )
    tambahan_supports_above: bool = Field(
        default=True,
        description="A Tambahan indikator above expectation counts towards Di Atas; Tambahan never lowers the "
        "rating (domain.md §5.2, inferred).",
    )
    numeric: NumericCapaian = Field(
        default_factory=NumericCapaian, description="Quantitative indikator: capaian → rating."
    )


class AnnualCombine(StrEnum):
    """How the predikat of several SKPs of one pegawai in one year (a mutasi, a status ending) become one annual
    predikat (domain.md §6 and §11 item 3: not found).

    months_weighted: the SKPs' predikat weighted by how long each ran (its days in the year), rounded to the nearest
    predikat, an exact half going the latest SKP's way; latest: the predikat of the SKP that ran last; lowest: the
    worst of them.
    """

    MONTHS_WEIGHTED = "months_weighted"
    LATEST = "latest"
    LOWEST = "lowest"


class MidYear(Frozen):
    """SKPs that start after 1 January of the cycle year (a mutasi, a new appointee, a status ending): their own
    agreement deadline, and how the year's SKPs of one pegawai combine into the annual predikat."""

    agreement_working_days: int = Field(
        default=20,
        ge=1,
        le=260,
        description="Working days (on the policy's calendar) after an SKP's own start by which an SKP starting after "
        "1 January must be agreed; never earlier than deadlines.skp_agreement. Not found (domain.md §9.1: 'within N "
        "days of TMT jabatan'): 20, about the month the cycle itself gives (1–31 January).",
    )
    annual_combine: AnnualCombine = Field(
        default=AnnualCombine.MONTHS_WEIGHTED,
        description="How several SKPs of one pegawai in a year combine into one annual predikat: months_weighted, "
        "latest or lowest.",
    )


DEFAULT_EXCLUDED_STATUSES = (
    PegawaiStatus.TUGAS_BELAJAR,
    PegawaiStatus.CLTN,
    PegawaiStatus.DIBERHENTIKAN_SEMENTARA,
    PegawaiStatus.MASA_PERSIAPAN_PENSIUN,
    PegawaiStatus.BERHENTI,
)


class StatusRules(Frozen):
    """Status periods (issue 16): which statuses take a pegawai out of the SKP cycle. domain.md §6 confirms the list
    for PermenPANRB 8/2021 and marks it inferred for 6/2022, so it is a setting; BERHENTI (left service) is added."""

    excluded: list[PegawaiStatus] = Field(
        default_factory=lambda: list(DEFAULT_EXCLUDED_STATUSES),
        description="Statuses during which a pegawai has no SKP: opening a cycle or a period skips them, a status "
        "starting mid-year closes the running SKP, one ending drafts a new SKP from the next day.",
    )

    @field_validator("excluded")
    @classmethod
    def _aktif_is_never_excluded(cls, value: list[PegawaiStatus]) -> list[PegawaiStatus]:
        if PegawaiStatus.AKTIF in value:
            raise ValueError("AKTIF cannot be an excluded status")
        if len(set(value)) != len(value):
            raise ValueError("a status is listed twice")
        return value


class TugasBelajarSource(StrEnum):
    """Where a pegawai in tugas belajar gets a predikat for a year without an SKP.

    EXCLUDED: none (domain.md §6: excluded from perencanaan kinerja, no regular SKP); STUDY_PROGRESS: HR records one
    per year from the study-progress report (laporan kemajuan studi), as PP 30/2019 rates tugas belajar."""

    EXCLUDED = "EXCLUDED"
    STUDY_PROGRESS = "STUDY_PROGRESS"


class ExcludedYear(StrEnum):
    """How eligibility counts a tugas-belajar year with no predikat: NEUTRAL (neither meets nor fails the rule)
    or NOT_MET (like a year with no annual predikat)."""

    NEUTRAL = "NEUTRAL"
    NOT_MET = "NOT_MET"


class TugasBelajar(Frozen):
    """Tugas belajar's predikat and how it counts in eligibility (domain.md §6: ❌ NF, a configurable source)."""

    predikat_source: TugasBelajarSource = Field(
        default=TugasBelajarSource.STUDY_PROGRESS,
        description="EXCLUDED: no predikat while in tugas belajar; STUDY_PROGRESS: HR records a predikat per year "
        "from the study-progress report.",
    )
    excluded_year: ExcludedYear = Field(
        default=ExcludedYear.NEUTRAL,
        description="Read under EXCLUDED only: how kenaikan pangkat / talent-pool eligibility counts a year spent in "
        "tugas belajar without an SKP predikat. Under STUDY_PROGRESS such a year needs its recorded predikat.",
    )


class Policy(Frozen):
    """A complete policy: the national preset or an instansi version derived from it."""

    name: str = Field(min_length=1, description="Identifier of the policy, e.g. permenpanrb-6-2022.")
    version: str = Field(min_length=1, description="Version label; a stored version never changes.")
    description: str = Field(default="", description="What this policy is and where it comes from.")
    base: str | None = Field(default=None, description="Name of the policy this one extends, if any.")
    kuadran: dict[Rating, dict[Rating, Predikat]] = Field(
        description="Predikat by rating hasil kerja (outer key) and rating perilaku (inner key)."
    )
    distribution: Distribution = Field(description="Pola distribusi predikat per capaian kinerja organisasi.")
    unit_head_rating: dict[CapaianLevel, Rating] = Field(
        description="A unit head's rating hasil kerja for each capaian of the unit."
    )
    angka_kredit: AngkaKredit = Field(description="Angka kredit conversion for jabatan fungsional.")
    follow_up: FollowUp = Field(description="Follow-up cases per predikat.")
    eligibility: Eligibility = Field(
        default_factory=Eligibility, description="Kenaikan pangkat and talent-pool eligibility."
    )
    periods: Periods = Field(default_factory=Periods, description="Periodic evaluation periods.")
    feedback: FeedbackPolicy = Field(default_factory=FeedbackPolicy, description="Umpan balik berkelanjutan.")
    calendar: Calendar = Field(default_factory=Calendar, description="Time zone and working-day calendar.")
    deadlines: Deadlines = Field(description="Deadline rules with their escalation ladders.")
    schedules: Schedules = Field(
        default_factory=Schedules, description="When the scheduler runs each workflow (cron in the unit's zone)."
    )
    limits: Limits = Field(
        default_factory=Limits,
        description="Bounds on what one SKP may hold: counts of RHK and indicators, text lengths.",
    )
    quality: Quality = Field(
        default_factory=Quality, description="The data-quality report: each rule's severity and thresholds."
    )
    acting: ActingPolicy = Field(
        default_factory=ActingPolicy, description="Plt/Plh with an SK: the acting duty as an RHK Tambahan."
    )
    kontrak: Kontrak = Field(
        default_factory=Kontrak, description="PPPK contracts: the extension recommendation and low predikat."
    )
    approach: ApproachPolicy = Field(
        default_factory=ApproachPolicy,
        description="Pendekatan kuantitatif / kualitatif: who may use qualitative indikator, and how ratings combine.",
    )
    mid_year: MidYear = Field(
        default_factory=MidYear,
        description="SKPs starting after 1 January: their agreement deadline and the annual predikat's combination.",
    )
    status: StatusRules = Field(
        default_factory=StatusRules, description="Status periods: which statuses take a pegawai out of the cycle."
    )
    tugas_belajar: TugasBelajar = Field(
        default_factory=TugasBelajar, description="Tugas belajar: where its predikat comes from, how it counts."
    )
    perilaku: Perilaku = Field(
        default_factory=Perilaku, description="360 input on perilaku kerja (pemberi pertimbangan)."
    )

    @field_validator("kuadran")
    @classmethod
    def _nine_cells(cls, value: dict[Rating, dict[Rating, Predikat]]) -> dict[Rating, dict[Rating, Predikat]]:
        missing = [f"{hk.value}.{pk.value}" for hk in Rating for pk in Rating if pk not in value.get(hk, {})]
        if missing:
            raise ValueError(f"missing cell(s) {', '.join(missing)} (rating hasil kerja.rating perilaku)")
        return value

    @field_validator("unit_head_rating")
    @classmethod
    def _all_levels(cls, value: dict[CapaianLevel, Rating]) -> dict[CapaianLevel, Rating]:
        _require_all(value.keys(), CapaianLevel)
        return value

    @model_validator(mode="after")
    def _periods_close_after_their_ladder(self) -> Self:
        last = max((step.offset_days for step in self.deadlines.periodic_evaluation.ladder), default=0)
        if self.periods.close_days_after_evaluation_due < last:
            raise ValueError(
                f"periods.close_days_after_evaluation_due ({self.periods.close_days_after_evaluation_due}) is before "
                f"the last step of deadlines.periodic_evaluation.ladder (+{last} days): that step could never act"
            )
        return self

    @model_validator(mode="after")
    def _contract_case_opens_before_its_ladder(self) -> Self:
        ladder = self.deadlines.kontrak_recommendation.ladder
        first = -ladder[0].offset_days if ladder else 0
        if self.kontrak.opens_days_before_due < first:
            raise ValueError(
                f"kontrak.opens_days_before_due ({self.kontrak.opens_days_before_due}) is after the first step of "
                f"deadlines.kontrak_recommendation.ladder ({-first} days): the case must be open when it is taken"
            )
        return self

    @model_validator(mode="after")
    def _feedback_ladder_within_a_window(self) -> Self:
        weeks, ladder = self.feedback.every_weeks, self.deadlines.feedback.ladder
        if weeks is not None and ladder and ladder[-1].offset_days >= 7 * weeks:
            raise ValueError(
                f"deadlines.feedback.ladder: its last step (+{ladder[-1].offset_days} days) must come before the next "
                f"window lapses (feedback.every_weeks {weeks} = {7 * weeks} days)"
            )
        return self

    @model_validator(mode="after")
    def _coaching_agrees(self) -> Self:
        # Two settings name the same number; refuse drift rather than pick one silently.
        if self.follow_up.coaching_schedule_days != self.deadlines.coaching_schedule.days:
            raise ValueError(
                f"follow_up.coaching_schedule_days ({self.follow_up.coaching_schedule_days}) must equal "
                f"deadlines.coaching_schedule.days ({self.deadlines.coaching_schedule.days})"
            )
        return self

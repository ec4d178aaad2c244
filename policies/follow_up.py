"""Which follow-up case a predikat opens, and when the sanction path's periods end (domain.md §7)."""

import calendar as months
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from policies import calendar
from policies.annual import SkpPart, combine
from policies.schema import Policy
from states.enums import FollowUpKind, JabatanType, JenisPegawai, Predikat


@dataclass(frozen=True)
class Decision:
    """The case a result opens and the setting that decided it (`follow_up.by_predikat.KURANG`,
    `follow_up.rules[0]`, `follow_up.consecutive[1]`)."""

    kind: FollowUpKind | None
    rule: str


def decide(
    policy: Policy,
    predikat: Predikat,
    *,
    jenis: JenisPegawai | None = None,
    jabatan_type: JabatanType | None = None,
    earlier: Sequence[Predikat | None] = (),
) -> Decision:
    """The case to open for this annual predikat and why.

    `earlier` holds the annual predikat of the years before, the latest first (None: no result that year). A
    consecutive rule that holds decides; otherwise the base mapping, with the entries of every rule matching the
    pegawai's jenis and jabatan type laid over it in order. Whatever they say, a PPPK never enters the PNS sanction
    path: where it would, `kontrak.instead_of_sanction` decides (PP 49/2018: the contract is what a PPPK's low
    kinerja puts at stake)."""
    decision = _by_rules(policy, predikat, jenis, jabatan_type, earlier)
    if jenis is JenisPegawai.PPPK and decision.kind is FollowUpKind.SANCTION:
        return Decision(policy.kontrak.instead_of_sanction, "kontrak.instead_of_sanction")
    return decision


def _by_rules(
    policy: Policy,
    predikat: Predikat,
    jenis: JenisPegawai | None,
    jabatan_type: JabatanType | None,
    earlier: Sequence[Predikat | None],
) -> Decision:
    rules = policy.follow_up
    for i, repeated in enumerate(rules.consecutive):
        if not repeated.matches(jenis, jabatan_type):
            continue
        years = [predikat, *earlier][: repeated.years]
        if len(years) == repeated.years and all(p is not None and p in repeated.predikat for p in years):
            return Decision(repeated.opens, f"follow_up.consecutive[{i}]")
    decision = Decision(rules.by_predikat[predikat], f"follow_up.by_predikat.{predikat.value}")
    for i, rule in enumerate(rules.rules):
        if rule.matches(jenis, jabatan_type) and predikat in rule.by_predikat:
            decision = Decision(rule.by_predikat[predikat], f"follow_up.rules[{i}]")
    return decision


def decide_year(
    policy: Policy,
    parts: Sequence[SkpPart],
    year: int,
    *,
    waiting: int = 0,
    jenis: JenisPegawai | None = None,
    jabatan_type: JabatanType | None = None,
    earlier: Sequence[Predikat | None] = (),
) -> tuple[Predikat, Decision] | None:
    """The follow-up of one pegawai's year (PP 30/2019: the tindak lanjut follows the annual result): the year's
    rated SKPs `parts` (a mutasi, a mid-year SKP, a status period each make one more) combined by
    `mid_year.annual_combine` into the annual predikat, and the case it opens (`decide`). None while `waiting`
    SKPs of the year can still be rated (agreed and not yet followed up), so the year is decided once, on all of
    them, and never on a part; None too for a year with no rated SKP."""
    if waiting > 0:
        return None
    predikat = combine(policy, parts, year)
    if predikat is None:
        return None
    return predikat, decide(policy, predikat, jenis=jenis, jabatan_type=jabatan_type, earlier=earlier)


def kind_for(
    policy: Policy,
    predikat: Predikat,
    *,
    jenis: JenisPegawai | None = None,
    jabatan_type: JabatanType | None = None,
    earlier: Sequence[Predikat | None] = (),
) -> FollowUpKind | None:
    """The case to open for this annual predikat, or None when the policy opens none (see `decide`)."""
    return decide(policy, predikat, jenis=jenis, jabatan_type=jabatan_type, earlier=earlier).kind


def add_months(at: datetime, n: int) -> datetime:
    """The same wall time n calendar months later; a day the target month lacks becomes its last day."""
    index = at.year * 12 + at.month - 1 + n
    year, month = divmod(index, 12)
    day = min(at.day, months.monthrange(year, month + 1)[1])
    return at.replace(year=year, month=month + 1, day=day)


def improvement_ends(policy: Policy, since: datetime, tz: str | tzinfo | None = None) -> datetime:
    """When the improvement period that began at `since` has elapsed, counted in the unit's zone."""
    return _months_after(policy, since, policy.follow_up.sanction.improvement_months, tz)


def placement_ends(policy: Policy, since: datetime, tz: str | tzinfo | None = None) -> datetime:
    """When the longest temporary placement that began at `since` has elapsed, counted in the unit's zone."""
    return _months_after(policy, since, policy.follow_up.sanction.temporary_placement_max_months, tz)


def _months_after(policy: Policy, since: datetime, n: int, tz: str | tzinfo | None) -> datetime:
    if since.tzinfo is None:
        raise ValueError("since must be an aware datetime")
    return add_months(since.astimezone(calendar.zone(policy.calendar, tz)), n)

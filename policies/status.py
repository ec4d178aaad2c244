"""Status periods (issue 16): when a pegawai is out of the SKP cycle, and the stretches of a year they serve."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from policies.schema import Policy
from states.enums import PegawaiStatus
from states.messages import Problem, located

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class StatusSpan:
    """One status period: from `start` through `until` (its last day, inclusive); `until` None: open-ended."""

    status: PegawaiStatus
    start: date
    until: date | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.until is None or day <= self.until)

    def overlaps(self, start: date, until: date | None) -> bool:
        """Whether the span shares a day with [start, until] (until None: open-ended)."""
        return (until is None or self.start <= until) and (self.until is None or start <= self.until)

    def label(self) -> str:
        return f"{self.status.value} {self.dates()}"

    def dates(self) -> str:
        return f"{self.start.isoformat()} – {self.until.isoformat() if self.until else '…'}"


@dataclass(frozen=True)
class StatusIn:
    """HR's record of a status period: `status` from `starts` through `until` (its last day; None: until further
    notice), by the SK `sk_number`. A period with the same `starts` as one recorded is replaced (how a status ends)."""

    status: PegawaiStatus
    starts: date
    until: date | None
    sk_number: str
    note: str | None = None

    def span(self) -> StatusSpan:
        return StatusSpan(self.status, self.starts, self.until)


def words(status: PegawaiStatus) -> str:
    """The status as words in a note (`masa persiapan pensiun`); CLTN is the official abbreviation."""
    return status.value if status == PegawaiStatus.CLTN else status.value.replace("_", " ").lower()


def is_excluded(policy: Policy, status: PegawaiStatus) -> bool:
    """Whether the status takes a pegawai out of the cycle under the policy (`status.excluded`)."""
    return status in policy.status.excluded


def overlapping(spans: Iterable[StatusSpan], new: StatusSpan) -> list[StatusSpan]:
    """The spans `new` shares a day with, except the one it replaces (the same start)."""
    return [s for s in spans if s.start != new.start and s.overlaps(new.start, new.until)]


def excluded_on(policy: Policy, spans: Iterable[StatusSpan], day: date) -> StatusSpan | None:
    """The excluding span that covers `day`, if any."""
    return next((s for s in spans if is_excluded(policy, s.status) and s.covers(day)), None)


def excluded_throughout(policy: Policy, spans: Iterable[StatusSpan], start: date, end: date) -> bool:
    """Whether excluding spans cover every day of [start, end] (adjacent spans together count)."""
    return not served(policy, spans, start, end)


def served(policy: Policy, spans: Iterable[StatusSpan], start: date, end: date) -> list[tuple[date, date]]:
    """The stretches of [start, end] the pegawai serves: every day no excluding span covers, as (first, last) days,
    in order. A pegawai with no excluding span serves the whole of it."""
    out: list[tuple[date, date]] = []
    cursor = start
    for span in sorted((s for s in spans if is_excluded(policy, s.status)), key=lambda s: s.start):
        if not span.overlaps(cursor, end):
            continue
        if span.start > cursor:
            out.append((cursor, span.start - ONE_DAY))
        if span.until is None or span.until >= end:
            return out
        cursor = max(cursor, span.until + ONE_DAY)
    if cursor <= end:
        out.append((cursor, end))
    return out


def first_excluded_day(policy: Policy, spans: Sequence[StatusSpan], start: date, end: date) -> date | None:
    """The first day of [start, end] the pegawai does not serve, if any."""
    windows = served(policy, spans, start, end)
    if not windows or windows[0][0] != start:
        return start
    first_end = windows[0][1]
    return None if first_end >= end else first_end + ONE_DAY


def absent_from(
    policy: Policy, spans: Sequence[StatusSpan], start: date, end: date, *, closing: bool, today: date
) -> str:
    """Why an SKP of [start, end] not yet agreed is withdrawn today, or "": an excluding status that ends it (covers
    one of its days, or the day after its last when it is closing for a status) has begun by `today`, so the pegawai
    is away and nobody can agree the plan ("tugas belajar mulai 2026-03-01"). A status still ahead withdraws
    nothing: the pegawai may plan the months they serve until it begins."""
    day = first_excluded_day(policy, spans, start, end + ONE_DAY if closing else end)
    if day is None or day > today:
        return ""
    span = excluded_on(policy, spans, day)
    return f"{words(span.status)} mulai {day.isoformat()}" if span else ""


def problems(
    inp: StatusIn, recorded: Iterable[StatusSpan], where: Callable[[str], str] = lambda field: field
) -> list[Problem]:
    """What is wrong with a status period beside the periods recorded for the pegawai; `where` names a field (the
    import names its columns status_from, status_until, status_sk_number)."""
    found: list[Problem] = []
    if not inp.sk_number.strip():
        found.append(Problem.say("input.status.sk_number", field=located(where("sk_number"))))
    if inp.until is not None and inp.until < inp.starts:
        until, starts = inp.until.isoformat(), inp.starts.isoformat()
        found.append(
            Problem.say("input.status.until_before", field=located(where("until")), until=until, starts=starts)
        )
    else:
        found += [
            Problem.say("input.status.overlaps", field=located(where("from")), other=other.label())
            for other in overlapping(recorded, inp.span())
        ]
    return found

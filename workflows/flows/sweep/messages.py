"""The text of a sweep's messages: labels, the Jinja2 templates in `flows/templates/`, rendered once per ladder step
and filled per message, and dates and times as Indonesian readers write them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any

import jinja2

from policies.schema import AutoAction, DeadlineKey, LadderAction, LadderStep

NO_ADDRESS = "no_address"
BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")

WHAT: dict[DeadlineKey, str] = {
    DeadlineKey.SKP_AGREEMENT: "Persetujuan (penetapan) SKP",
    DeadlineKey.REALISASI: "Pengisian realisasi periode {period}",
    DeadlineKey.PERIODIC_EVALUATION: "Evaluasi kinerja periode {period}",
    DeadlineKey.ANNUAL_ASSESSMENT: "Penilaian kinerja tahunan",
    DeadlineKey.KEBERATAN_FILING: "Masa pengajuan keberatan atas hasil penilaian",
    DeadlineKey.KEBERATAN_DECISION: "Keputusan atas keberatan",
    DeadlineKey.COACHING_SCHEDULE: "Penjadwalan bimbingan kinerja (coaching)",
    DeadlineKey.KONTRAK_RECOMMENDATION: "Keputusan perpanjangan kontrak PPPK",
    DeadlineKey.INPUT_360: "Pemberian pertimbangan perilaku kerja (masukan 360)",
    DeadlineKey.FEEDBACK: "Umpan balik berkelanjutan (dialog kinerja)",
}
LABEL: dict[LadderAction, str] = {
    LadderAction.REMINDER: "Pengingat",
    LadderAction.NOTICE: "Batas waktu terlewati",
    LadderAction.ESCALATE: "Eskalasi",
    LadderAction.AUTO_ACTION: "Tindakan otomatis",
}
AUTO_NOTE: dict[AutoAction, str] = {
    AutoAction.CLOSE_OBJECTION_WINDOW: "Masa pengajuan keberatan ditutup; hasil penilaian dapat ditindaklanjuti.",
    AutoAction.FLAG_HR: "Ditandai untuk ditangani pengelola kinerja (HR).",
    AutoAction.HR_DRAFTS: "Pengelola kinerja dipersilakan menyusun SKP ini.",
    AutoAction.CLOSE_INPUT_WINDOW: "Masa pemberian pertimbangan ditutup; pejabat penilai dapat menilai perilaku "
    "tanpa masukan yang belum diberikan.",
}


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("workflows.flows", "templates"),
    autoescape=False,  # plain-text e-mail
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=False,
    finalize=lambda value: "-" if value is None else value,  # a missing name or NIP reads "-", never "None"
)
SUBJECT = _TEMPLATES.get_template("deadline_subject.txt")
BODY = _TEMPLATES.get_template("deadline_body.txt")
LEAD = _TEMPLATES.get_template("deadline_lead.txt")
FEEDBACK_LEAD = _TEMPLATES.get_template("feedback_lead.txt")
SUBJECT_MAX = 300  # outbox.subject's length


class Filled:
    """A template rendered once per ladder step with a marker in place of each per-message value, then filled per
    message by joining its pieces: the same text as rendering it for every message (the markers pass through the
    template untouched: a per-message value is never filtered), at the cost of a join instead of a render."""

    MARK = "\x00"

    def __init__(self, template: jinja2.Template, fixed: Mapping[str, Any], fields: Sequence[str]) -> None:
        pieces = template.render(**fixed, **{f: f"{self.MARK}{f}{self.MARK}" for f in fields}).split(self.MARK)
        literals, self.fields = pieces[0::2], pieces[1::2]
        self._format = "%s".join(piece.replace("%", "%%") for piece in literals)  # the literals, a %s per value

    def __call__(self, values: Mapping[str, Any]) -> str:
        # a missing value reads "-", as the environment's `finalize` makes it
        return self._format % tuple("-" if (v := values[name]) is None else v for name in self.fields)


@dataclass(frozen=True)
class StepText:
    """What the messages of one ladder step for one due instant share: its subject and body, to fill per message."""

    subject: Filled
    body: Filled


def _lead(step: LadderStep, what: str, cycle_name: str, deadline: str) -> str:
    """The opening sentence of a step's message."""
    return LEAD.render(
        action=step.action.value,
        what=what,
        cycle=cycle_name,
        deadline=deadline,
        offset_days=step.offset_days,
        auto_note=AUTO_NOTE[step.auto_action] if step.auto_action else "",
    )


def step_texts(
    key: DeadlineKey,
    ladder: Sequence[LadderStep],
    cycle_name: str,
    *,
    due: datetime,
    period_no: int | None,
    reach: int,
    zone: tzinfo,
) -> dict[int, StepText]:
    """Per ladder step up to `reach`, what its messages for this due instant share: the subject's label and
    what is due, and the opening sentence."""
    what = WHAT[key].format(period=period_no)
    deadline = local_time(due - timedelta(minutes=1), zone)  # the last on-time minute of the due day
    return {
        i: StepText(
            Filled(SUBJECT, {"label": LABEL[step.action], "what": what}, ["pegawai"]),
            Filled(
                BODY,
                {"lead": _lead(step, what, cycle_name, deadline)},
                ["name", "pegawai", "nip", "state"],
            ),
        )
        for i, step in enumerate(ladder[:reach])
    }


def render(values: dict[str, Any], texts: Mapping[int, StepText], shared: Mapping[str, Any]) -> dict[str, Any]:
    """One outbox row from a row of `ladder.outbox_rows` (as a dict, which this consumes) and the values every row
    of the batch shares: its subject and body rendered, the rendering's inputs dropped."""
    text_ = texts[values["step_index"]]
    subject, body = text_.subject(values)[:SUBJECT_MAX], text_.body(values)
    for name in _RENDER_INPUTS:
        del values[name]
    return {**shared, **values, "subject": subject, "body": body}


_RENDER_INPUTS = frozenset({"name", "pegawai", "nip", "state", "step_index"})


def local_day(day: date) -> str:
    """'Senin, 2 Maret 2026'."""
    return f"{HARI[day.weekday()]}, {day.day} {BULAN[day.month - 1]} {day.year}"


@lru_cache(maxsize=4096)  # a sweep formats the same few due instants for every message it writes
def local_time(at: datetime, zone: tzinfo) -> str:
    """'Sabtu, 31 Januari 2026 pukul 23.59 WITA'."""
    t = at.astimezone(zone)
    return f"{HARI[t.weekday()]}, {t.day} {BULAN[t.month - 1]} {t.year} pukul {t:%H.%M} {t.tzname()}"

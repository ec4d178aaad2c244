"""Status periods (issue 16): HR records a pegawai's status by SK (`periods`, or from the import: `imported`; read
as spans: `spans`); a status starting mid-year closes the running SKP for the months served (as a mutasi does), one
ending drafts a new SKP from the next day (`effects`); tugas belajar's predikat from study-progress reports
(`tugas_belajar`). An SKP not yet agreed when an excluding status begins is withdrawn (`withdraw`, by the system on
HR's record or in the daily sweep on the status's first day): the pegawai is away, so no agreement deadline ladder
chases them."""

from workflows.cases.status.effects import (
    CLOSE_TRIGGER,
    RUNNING,
    SWEEP,
    UNAGREED,
    draft_around,
    follow_statuses,
    withdraw_absent,
)
from workflows.cases.status.imported import import_problems, import_statuses
from workflows.cases.status.periods import StatusPeriodOut, StatusSet, periods_of, set_status
from workflows.cases.status.spans import spans_by_pegawai
from workflows.cases.status.tugas_belajar import StudyProgressOut, record_study_progress

__all__ = [
    "CLOSE_TRIGGER",
    "RUNNING",
    "SWEEP",
    "UNAGREED",
    "StatusPeriodOut",
    "StatusSet",
    "StudyProgressOut",
    "draft_around",
    "follow_statuses",
    "import_problems",
    "import_statuses",
    "periods_of",
    "record_study_progress",
    "set_status",
    "spans_by_pegawai",
    "withdraw_absent",
]

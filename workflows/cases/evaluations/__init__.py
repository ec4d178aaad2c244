"""Periodic evaluation use cases: opening and closing a period (`periods`), the pegawai's realisasi with its bukti
dukung (`realisasi`), the pejabat penilai's return and rating (`rating`), and reading an evaluation (`views`), each
loaded with what its guards read in one place (`loading`).

The names below are the family's face: `from workflows.cases import evaluations` and `evaluations.evaluate(...)`.
"""

from workflows.cases.evaluations.loading import EvidenceView, Loaded, Measured, RealisasiView, load
from workflows.cases.evaluations.periods import (
    EVALUATED_SKP_STATES,
    ClosePeriodResult,
    OpenPeriodResult,
    close_period,
    open_period,
    period_of,
)
from workflows.cases.evaluations.rating import evaluate, facts, return_realisasi
from workflows.cases.evaluations.realisasi import EvidenceIn, IndikatorRealisasiIn, RealisasiIn, save_realisasi
from workflows.cases.evaluations.views import EVIDENCE_READERS, EvaluationView, evidence_file, get_evaluation, view

__all__ = [
    "EVALUATED_SKP_STATES",
    "EVIDENCE_READERS",
    "ClosePeriodResult",
    "EvaluationView",
    "EvidenceIn",
    "EvidenceView",
    "IndikatorRealisasiIn",
    "Loaded",
    "Measured",
    "OpenPeriodResult",
    "RealisasiIn",
    "RealisasiView",
    "close_period",
    "evaluate",
    "evidence_file",
    "facts",
    "get_evaluation",
    "load",
    "open_period",
    "period_of",
    "return_realisasi",
    "save_realisasi",
    "view",
]

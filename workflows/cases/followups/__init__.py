"""Tindak lanjut: assessed SKPs dispatched to follow-up with the case their predikat opens (`dispatch`), the periodic
rule's coaching cases (`periodic`), and running one case and HR's list of them (`case`)."""

from workflows.cases.followups.case import (
    CASE_STATES,
    CaseItem,
    CasePage,
    CaseView,
    fire_case,
    get_case,
    lifecycle_of,
    list_cases,
)
from workflows.cases.followups.dispatch import WAITED_ON, DispatchResult, dispatch
from workflows.cases.followups.periodic import open_periodic_coaching

__all__ = [
    "CASE_STATES",
    "WAITED_ON",
    "CaseItem",
    "CasePage",
    "CaseView",
    "DispatchResult",
    "dispatch",
    "fire_case",
    "get_case",
    "lifecycle_of",
    "list_cases",
    "open_periodic_coaching",
]

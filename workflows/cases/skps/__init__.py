"""SKP use cases: who the actor is to an SKP (`standing`), the facts its guards need (`facts`), the plan
(`plan`), firing its transitions and the unit's capaian (`transitions`), reading it (`views`), and how one is
loaded in one round trip (`loading`, the seam where the loading tricks live).

The names below are the family's face: `from workflows.cases import skps` and `skps.fire(...)`, `skps.get(...)`.
"""

from workflows.cases.skps.curve import ANNUAL, curve_counts, curve_levels, curve_units, curve_violations
from workflows.cases.skps.facts import (
    AGREED_OR_LATER,
    ATASAN,
    CAPAIAN,
    DISTRIBUTION,
    EVERY_SOURCE,
    INPUT_360,
    OBJECTIONS,
    PENDING_OBJECTION,
    PLAN,
    SOURCES,
    Blocker,
    Plan,
    atasan_skp,
    capaian_level,
    cascade_blocker,
    facts,
    filing_window_closes,
    follow_up_facts,
    latest_capaian,
    objection_settled,
    plan_rows,
    sources_of,
)
from workflows.cases.skps.loading import load
from workflows.cases.skps.plan import IndikatorIn, PlanIn, RhkIn, hr_may_draft, qualitative_use, save_plan
from workflows.cases.skps.standing import Standing, standing
from workflows.cases.skps.transitions import fire, set_capaian
from workflows.cases.skps.views import (
    LAMPIRAN_KEYS,
    IndikatorOut,
    PerilakuOut,
    RhkOut,
    SkpSummary,
    SkpView,
    get,
    list_skps,
    view,
    visible_skps,
)

__all__ = [
    "AGREED_OR_LATER",
    "ANNUAL",
    "ATASAN",
    "CAPAIAN",
    "DISTRIBUTION",
    "EVERY_SOURCE",
    "INPUT_360",
    "LAMPIRAN_KEYS",
    "OBJECTIONS",
    "PENDING_OBJECTION",
    "PLAN",
    "SOURCES",
    "Blocker",
    "IndikatorIn",
    "IndikatorOut",
    "PerilakuOut",
    "Plan",
    "PlanIn",
    "RhkIn",
    "RhkOut",
    "SkpSummary",
    "SkpView",
    "Standing",
    "atasan_skp",
    "capaian_level",
    "cascade_blocker",
    "curve_counts",
    "curve_levels",
    "curve_units",
    "curve_violations",
    "facts",
    "filing_window_closes",
    "fire",
    "follow_up_facts",
    "get",
    "hr_may_draft",
    "latest_capaian",
    "list_skps",
    "load",
    "objection_settled",
    "plan_rows",
    "qualitative_use",
    "save_plan",
    "set_capaian",
    "sources_of",
    "standing",
    "view",
    "visible_skps",
]

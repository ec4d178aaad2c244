"""The data-quality page for HR and unit heads: the same read model as `GET /cycles/{id}/quality`, the problems
listed per rule (blocking first), each linked to its SKP."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.quality import cycle_quality
from api.web import session
from api.web.pages import HeavyViewer, engine_of, error_page, refusal, render
from policies.schema import QualityRule, Severity
from states.errors import NotFound, SkpflowError
from workflows.cases import cycles
from workflows.queries.quality import Problem, report
from workflows.store.uow import reading

router = APIRouter(include_in_schema=False)
ROWS_SHOWN = 200  # problems listed per rule; the CSV has them all
ORDER = {Severity.BLOCKING: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass
class RuleGroup:
    rule: str
    severity: str
    problems: list[Problem] = field(default_factory=list)


def message_in(problem: Problem, lang: str) -> str:
    """The problem's sentence in the page's language (messages are 'Bahasa Indonesia / English')."""
    id_, _, en = problem.message.partition(" / ")
    return en if lang == "en" and en else id_


@router.get("/ui/cycles/{cycle_id}/quality")
def quality_page(request: Request, cycle_id: int, actor: HeavyViewer) -> Response:
    unit = (request.query_params.get("unit") or "").strip()[:64] or None
    try:
        if request.query_params.get("format") == "csv":
            answer = cycle_quality(cycle_id, engine_of(request), actor, unit=unit, format="csv")
            assert isinstance(answer, Response)
            return answer
        with reading(engine_of(request)) as s:
            view = cycles.readable(s, cycle_id, actor)
            found = report(s, cycle_id, actor=actor, unit=unit)
    except NotFound:
        return error_page(request, 404)
    except SkpflowError as exc:
        r = refusal(exc)
        return error_page(request, r.status, message_key="refused", refused=r)
    groups = {r: RuleGroup(r.value, found.severity[r].value) for r in QualityRule}
    for p in found.problems:
        groups[QualityRule(p.rule)].problems.append(p)
    ordered = sorted(
        groups.values(), key=lambda g: (ORDER[Severity(g.severity)], list(QualityRule).index(QualityRule(g.rule)))
    )
    context = {
        "actor": actor,
        "cycle": view,
        "report": found,
        "groups": ordered,
        "rows_shown": ROWS_SHOWN,
        "unit": unit or "",
        "message_in": lambda p: message_in(p, session.language(request)),
    }
    return render(request, "quality.html", context)

"""The monitoring page for HR and unit heads: the same read model as `GET /cycles/{id}/monitoring`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.monitoring import cycle_monitoring
from api.web.pages import HeavyViewer, engine_of, error_page, refusal, render
from states.errors import NotFound, SkpflowError
from workflows.queries.monitoring import STEPS, monitoring
from workflows.store.uow import reading

router = APIRouter(include_in_schema=False)
STEPS_SHOWN = 300  # waiting steps listed on the page; the CSV has them all


@router.get("/ui/cycles/{cycle_id}/monitoring")
def monitoring_page(request: Request, cycle_id: int, actor: HeavyViewer) -> Response:
    q = request.query_params
    unit = (q.get("unit") or "").strip()[:64] or None
    now = request.app.state.clock()
    if q.get("format") == "csv":
        try:
            answer = cycle_monitoring(cycle_id, engine_of(request), now, actor, unit=unit, format="csv")
        except NotFound:
            return error_page(request, 404)
        except SkpflowError as exc:
            r = refusal(exc)
            return error_page(request, r.status, message_key="refused", refused=r)
        assert isinstance(answer, Response)
        return answer
    try:
        with reading(engine_of(request)) as s:
            seen = monitoring(s, actor, cycle_id, now=now, unit=unit)
    except NotFound:
        return error_page(request, 404)
    except SkpflowError as exc:
        r = refusal(exc)
        return error_page(request, r.status, message_key="refused", refused=r)
    context = {
        "actor": actor,
        "m": seen,
        "cycle": seen.cycle,
        "steps": STEPS,
        "unit": unit or "",
        "waiting": seen.waiting[:STEPS_SHOWN],
    }
    return render(request, "monitoring.html", context)

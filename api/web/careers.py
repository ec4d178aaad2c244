"""HR's career outputs page: angka kredit, eligibility and the ranking, the same read models as the API, with the
same CSV and XLSX downloads."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.careers import tabular
from api.web.pages import HeavyViewer, engine_of, error_page, refusal, render
from states.enums import JabatanType
from states.errors import NotFound, SkpflowError
from workflows.cases import cycles, policy_store
from workflows.queries import careers
from workflows.store.uow import reading

router = APIRouter(include_in_schema=False)

KINDS: dict[str, tuple[tuple[str, ...], Any]] = {
    "ranking": (careers.RANKING_COLUMNS, careers.ranking_rows),
    "angka_kredit": (careers.ANGKA_KREDIT_COLUMNS, careers.angka_kredit_rows),
    "eligibility": (careers.ELIGIBILITY_COLUMNS, careers.eligibility_rows),
}
ROWS_SHOWN = 500  # rows drawn on the page; the download has them all


@router.get("/ui/cycles/{cycle_id}/careers")
def careers_page(request: Request, cycle_id: int, actor: HeavyViewer) -> Response:
    q = request.query_params
    kind = q.get("kind") or ""
    kind = kind if kind in KINDS else "ranking"
    fmt = q.get("format") or ""
    fmt = fmt if fmt in ("csv", "xlsx") else "html"
    jabatan = q.get("jabatan_type") if q.get("jabatan_type") in set(JabatanType) else None
    unit = (q.get("unit") or "").strip()[:64] or None
    columns, read = KINDS[kind]
    filters: dict[str, object] = {"unit": unit, "jabatan_type": jabatan} if kind == "ranking" else {}
    try:
        with reading(engine_of(request)) as s:
            view = cycles.readable(s, cycle_id, actor)
            rows = read(s, cycle_id, actor=actor, **filters)
            rule = policy_store.pinned_policy(s, cycle_id).eligibility
    except NotFound:
        return error_page(request, 404)
    except SkpflowError as exc:
        r = refusal(exc)
        return error_page(request, r.status, message_key="refused", refused=r)
    if fmt != "html":
        return tabular(f"{kind.replace('_', '-')}-cycle-{cycle_id}", columns, careers.as_table(rows), fmt)
    context = {
        "actor": actor,
        "cycle": view,
        "kind": kind,
        "kinds": list(KINDS),
        "rows": rows[:ROWS_SHOWN],
        "total": len(rows),
        "unit": unit or "",
        "jabatan_type": jabatan or "",
        "jabatan_types": [j.value for j in JabatanType],
        "rule": rule,
    }
    return render(request, "careers.html", context)

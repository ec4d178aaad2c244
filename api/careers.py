"""What results are used for in a career: angka kredit (jabatan fungsional), kenaikan pangkat / talent-pool
eligibility and the ranking per unit and jabatan type, as JSON, CSV or XLSX, for HR and auditors."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

from api.deps import Db, RowId
from api.errors import responses
from api.limits import HeavyActor
from states.enums import JabatanType
from workflows.cases.org.files import XLSX_TYPE
from workflows.queries import careers, exports
from workflows.store.uow import reading

router = APIRouter(tags=["careers"])
R = TypeVar("R", careers.AngkaKreditRow, careers.EligibilityRow, careers.RankingRow)

CSV = "text/csv; charset=utf-8"
Format = Annotated[Literal["json", "csv", "xlsx"], Query(description="json, csv (UTF-8) or xlsx.")]
TABULAR: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            CSV: {"schema": {"type": "string"}},
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


def tabular(name: str, columns: Sequence[str], rows: list[tuple[object, ...]], format: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}.{format}"'}
    if format == "csv":
        return StreamingResponse(exports.table_csv(columns, rows), media_type=CSV, headers=headers)
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - closed by the response's iterator
    exports.write_table_xlsx(spool, name.split("-", maxsplit=1)[0], columns, rows)
    spool.seek(0)

    def stream() -> Iterator[bytes]:
        with spool:
            while block := spool.read(1 << 16):
                yield block

    return StreamingResponse(stream(), media_type=XLSX_TYPE, headers=headers)


def _answer(
    db: Db, name: str, columns: Sequence[str], read: Callable[..., list[R]], format: str, **kw: object
) -> list[R] | Response:
    with reading(db) as s:
        rows = read(s, **kw)
    if format == "json":
        return rows
    return tabular(name, columns, careers.as_table(rows), format)


@router.get(
    "/cycles/{cycle_id}/angka-kredit",
    summary="Angka kredit per pegawai per period and year (jabatan fungsional)",
    response_model=list[careers.AngkaKreditRow],
    responses={**responses(401, 403, 404, 422, 429), **TABULAR},
)
def angka_kredit(cycle_id: RowId, db: Db, actor: HeavyActor, format: Format = "json") -> object:
    """Each rated period (months / 12 × %predikat × koefisien of the jenjang) and the year, with the SKP and the
    predikat each figure comes from."""
    return _answer(
        db,
        f"angka-kredit-cycle-{cycle_id}",
        careers.ANGKA_KREDIT_COLUMNS,
        careers.angka_kredit_rows,
        format,
        cycle_id=cycle_id,
        actor=actor,
    )


@router.get(
    "/cycles/{cycle_id}/eligibility",
    summary="Kenaikan pangkat and talent-pool eligibility per pegawai",
    response_model=list[careers.EligibilityRow],
    responses={**responses(401, 403, 404, 422, 429), **TABULAR},
)
def eligibility(cycle_id: RowId, db: Db, actor: HeavyActor, format: Format = "json") -> object:
    """Whether the annual predikat of the policy's last `eligibility.years` years reach `eligibility.min_predikat`;
    the years and the reasons it fails are listed."""
    return _answer(
        db,
        f"eligibility-cycle-{cycle_id}",
        careers.ELIGIBILITY_COLUMNS,
        careers.eligibility_rows,
        format,
        cycle_id=cycle_id,
        actor=actor,
    )


@router.get(
    "/cycles/{cycle_id}/ranking",
    summary="Ranking per unit (and jabatan type) by annual result",
    response_model=list[careers.RankingRow],
    responses={**responses(401, 403, 404, 422, 429), **TABULAR},
)
def ranking(
    cycle_id: RowId,
    db: Db,
    actor: HeavyActor,
    format: Format = "json",
    unit: Annotated[str | None, Query(max_length=64, description="Only this unit (code).")] = None,
    jabatan_type: Annotated[JabatanType | None, Query(description="Rank only pegawai of this jabatan type.")] = None,
) -> object:
    """Ordered by predikat, then rating hasil kerja, then rating perilaku; equal results share a rank."""
    return _answer(
        db,
        f"ranking-cycle-{cycle_id}",
        careers.RANKING_COLUMNS,
        careers.ranking_rows,
        format,
        cycle_id=cycle_id,
        actor=actor,
        unit=unit,
        jabatan_type=jabatan_type.value if jabatan_type else None,
    )

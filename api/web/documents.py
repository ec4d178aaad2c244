"""The official documents as PDF, in the layout of the Lampiran of PermenPANRB 6/2022: the SKP and the
Dokumen Evaluasi Kinerja (header with pegawai and pejabat penilai, RHK with indicators and targets, perilaku
with ekspektasi khusus, lampiran; ratings, predikat and the signatures block)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from policies.approach import MIXED
from states.enums import BERAKHLAK, Approach, CoreValue, Predikat, Rating
from workflows.queries.document_data import DocumentData, Person

LAMPIRAN_TITLES = {
    "dukungan_sumber_daya": "Dukungan Sumber Daya",
    "skema_pertanggungjawaban": "Skema Pertanggungjawaban",
    "konsekuensi": "Konsekuensi",
}
LABEL = {code.value: code.label for code in (*Rating, *Predikat)}


# --- layout -----------------------------------------------------------------------------------------------------

_styles = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=_styles["Normal"], fontName="Helvetica", fontSize=8.5, leading=10.5)
BOLD = ParagraphStyle("bold", parent=BODY, fontName="Helvetica-Bold")
TITLE = ParagraphStyle("title", parent=BOLD, fontSize=11, leading=14, alignment=1)
GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
    ]
)
WIDTH = A4[0] - 30 * mm


def _p(text: Any, style: ParagraphStyle = BODY) -> Paragraph:
    safe = str("" if text is None else text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(safe, style)


def _header(data: DocumentData, title: str, subtitle: str) -> list[Flowable]:
    tanggal = f"{data.periode_awal:%d-%m-%Y} s.d. {data.periode_akhir:%d-%m-%Y}"
    out: list[Flowable] = [
        _p(title, TITLE),
        _p(subtitle, TITLE),
        Spacer(1, 3 * mm),
        Table(
            [[_p(data.instansi, BOLD), _p(f"PERIODE PENILAIAN: {tanggal}", BOLD)]],
            colWidths=[WIDTH / 2, WIDTH / 2],
        ),
    ]
    penilai = data.penilai or Person("-", "-", "-", "-")
    rows = [
        [_p("NO", BOLD), _p("PEGAWAI YANG DINILAI", BOLD), "", _p("NO", BOLD), _p("PEJABAT PENILAI KINERJA", BOLD), ""],
    ]
    for i, (label, mine, theirs) in enumerate(
        [
            ("NAMA", data.pegawai.name, penilai.name),
            ("NIP", data.pegawai.nip, penilai.nip),
            ("JABATAN", data.pegawai.jabatan, penilai.jabatan),
            ("UNIT KERJA", data.pegawai.unit, penilai.unit),
        ],
        start=1,
    ):
        rows.append([_p(i), _p(label), _p(mine), _p(i), _p(label), _p(theirs)])
    w = WIDTH
    table = Table(rows, colWidths=[8 * mm, 22 * mm, w / 2 - 30 * mm, 8 * mm, 22 * mm, w / 2 - 30 * mm])
    table.setStyle(GRID)
    table.setStyle(TableStyle([("SPAN", (1, 0), (2, 0)), ("SPAN", (4, 0), (5, 0))]))
    return [*out, Spacer(1, 2 * mm), table, Spacer(1, 3 * mm)]


def _rhk_table(data: DocumentData, *, ratings: bool) -> list[Flowable]:
    head = [
        "NO",
        "RENCANA HASIL KERJA PIMPINAN YANG DIINTERVENSI",
        "RENCANA HASIL KERJA",
        "ASPEK",
        "INDIKATOR KINERJA INDIVIDU",
        "TARGET / EKSPEKTASI",
    ]
    if ratings:
        head.append(f"RATING (PERIODE {data.rated_period})" if data.rated_period else "RATING")
    out: list[Flowable] = []
    for jenis, title in (("UTAMA", "HASIL KERJA — A. UTAMA"), ("TAMBAHAN", "B. TAMBAHAN")):
        rows: list[list[Any]] = [[_p(h, BOLD) for h in head]]
        n = 0
        for r in data.skp.rhk:
            if r["jenis"] != jenis:
                continue
            n += 1
            above = data.intervened.get(r["intervensi_rhk_id"] or 0, "-")
            indicators: Sequence[Mapping[str, Any]] = r["indikator"] or [
                {"id": 0, "aspek": "-", "text": "-", "target": None, "satuan": "", "approach": "", "ekspektasi": None}
            ]
            for k, ind in enumerate(indicators):
                row = [
                    _p(n if k == 0 else ""),
                    _p(above if k == 0 else ""),
                    _p(r["text"] if k == 0 else ""),
                    _p(ind["aspek"].title()),
                    _p(ind["text"]),
                    _p(_target(ind)),
                ]
                if ratings:
                    row.append(_p(LABEL.get(data.indikator_ratings.get(ind["id"], ""), "-")))
                rows.append(row)
        if n == 0:
            rows.append([_p("-")] * len(head))
        widths = [8 * mm, 40 * mm, 40 * mm, 18 * mm, WIDTH - 136 * mm, 30 * mm]
        if ratings:
            widths = [8 * mm, 32 * mm, 32 * mm, 16 * mm, WIDTH - 136 * mm, 26 * mm, 22 * mm]
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(GRID)
        out += [_p(title, BOLD), Spacer(1, 1 * mm), table, Spacer(1, 3 * mm)]
    if ratings:
        rating = LABEL.get(data.skp.rating_hasil_kerja or "", "-")
        out += [_p(f"RATING HASIL KERJA: {rating}", BOLD), Spacer(1, 3 * mm)]
    return out


def _target(ind: Mapping[str, Any]) -> str:
    """A quantitative indikator's target with its satuan; a qualitative one's ekspektasi, marked as such."""
    if ind.get("approach") == Approach.KUALITATIF.value:
        return f"Ekspektasi (kualitatif): {ind.get('ekspektasi') or '-'}"
    return "-" if ind["target"] is None else f"{ind['target']:g} {ind['satuan']}".strip()


PENDEKATAN = {"KUANTITATIF": "KUANTITATIF", "KUALITATIF": "KUALITATIF", MIXED: "KUANTITATIF DAN KUALITATIF"}


def _subtitle(data: DocumentData) -> str:
    return f"PENDEKATAN HASIL KERJA {PENDEKATAN.get(data.pendekatan or '', 'KUANTITATIF')}"


def _perilaku_table(data: DocumentData, *, ratings: bool) -> list[Flowable]:
    rows: list[list[Any]] = [[_p(h, BOLD) for h in ("NO", "PERILAKU KERJA (BerAKHLAK)", "EKSPEKTASI KHUSUS PIMPINAN")]]
    for i, p in enumerate(data.skp.perilaku, start=1):
        value = CoreValue(p["core_value"])
        lines = "<br/>".join(f"- {_p(x).text}" for x in BERAKHLAK[value])
        rows.append(
            [
                _p(i),
                Paragraph(f"<b>{value.value.replace('_', ' ').title()}</b><br/>{lines}", BODY),
                _p(p["ekspektasi_khusus"] or "-"),
            ]
        )
    table = Table(rows, colWidths=[8 * mm, WIDTH - 78 * mm, 70 * mm], repeatRows=1)
    table.setStyle(GRID)
    out: list[Flowable] = [_p("PERILAKU KERJA", BOLD), Spacer(1, 1 * mm), table, Spacer(1, 3 * mm)]
    if ratings:
        out += [_p(f"RATING PERILAKU KERJA: {LABEL.get(data.skp.rating_perilaku or '', '-')}", BOLD), Spacer(1, 3 * mm)]
    return out


def _input_360(data: DocumentData) -> list[Flowable]:
    """The annual 360 input (pemberi pertimbangan): counts per core value and their spread, notes without names."""
    summary = data.input_360
    if summary is None:
        return []
    out: list[Flowable] = [
        _p("PERTIMBANGAN REKAN KERJA DAN BAWAHAN (MASUKAN 360)", BOLD),
        _p(f"Diberikan oleh {summary.answered} dari {summary.named} pemberi pertimbangan yang diminta."),
        Spacer(1, 1 * mm),
    ]
    if summary.answered < summary.min_inputs_shown:
        note = f"Sebaran tidak ditampilkan: kurang dari {summary.min_inputs_shown} masukan."
        return [*out, _p(note), Spacer(1, 3 * mm)]
    head = ("NO", "NILAI DASAR", "JUMLAH", "DI ATAS", "SESUAI", "DI BAWAH", "RATA-RATA (1–3)", "CATATAN")
    rows: list[list[Any]] = [[_p(h, BOLD) for h in head]]
    for i, v in enumerate(summary.values, start=1):
        spread = v.distribution or {}
        rows.append(
            [
                _p(i),
                _p(v.core_value.value.replace("_", " ").title()),
                _p(v.count),
                *(_p(spread.get(r, 0)) for r in Rating),
                _p("-" if v.mean is None else f"{v.mean:.2f}"),
                _p("; ".join(v.notes) or "-"),
            ]
        )
    table = Table(rows, colWidths=[8 * mm, 34 * mm, 15 * mm, 15 * mm, 15 * mm, 16 * mm, 20 * mm, WIDTH - 123 * mm])
    table.setStyle(GRID)
    return [*out, table, Spacer(1, 3 * mm)]


def _lampiran(data: DocumentData) -> list[Flowable]:
    out: list[Flowable] = [_p("LAMPIRAN SASARAN KINERJA PEGAWAI", BOLD), Spacer(1, 1 * mm)]
    for key, title in LAMPIRAN_TITLES.items():
        items = data.skp.lampiran.get(key) or []
        out.append(_p(title.upper(), BOLD))
        out += [_p(f"{i}. {x}") for i, x in enumerate(items, start=1)] or [_p("-")]
        out.append(Spacer(1, 2 * mm))
    return out


def _signatures(data: DocumentData, left: tuple[str, Person | None], right: tuple[str, Person | None]) -> Flowable:
    def block(title: str, who: Person | None) -> list[Paragraph]:
        who = who or Person("-", "-", "-", "-")
        return [_p(title, BOLD), Spacer(1, 16 * mm), _p(who.name, BOLD), _p(f"NIP {who.nip}")]  # type: ignore[list-item]

    table = Table([[block(*left), block(*right)]], colWidths=[WIDTH / 2, WIDTH / 2])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _build(parts: list[Flowable], title: str) -> bytes:
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="skpflow",
        subject="PermenPANRB 6/2022",
    )
    doc.build(parts)
    return buffer.getvalue()


def skp_pdf(data: DocumentData) -> bytes:
    """The SKP (Lampiran of PermenPANRB 6/2022): header, hasil kerja, perilaku kerja, lampiran, signatures."""
    parts = _header(data, "SASARAN KINERJA PEGAWAI", f"{_subtitle(data)} — TAHUN {data.year}")
    parts += _rhk_table(data, ratings=False)
    parts += _perilaku_table(data, ratings=False)
    parts += _lampiran(data)
    parts.append(_signatures(data, ("Pegawai yang Dinilai", data.pegawai), ("Pejabat Penilai Kinerja", data.penilai)))
    return _build(parts, f"SKP {data.pegawai.name} {data.year}")


def periodic_lines(data: DocumentData) -> list[str]:
    """A line per period of the SKP with its predikat: what the annual rating was given with (not computed from)."""
    if data.periodic is None:
        return []
    return [
        f"Periode {p.period_no}: {LABEL.get(p.predikat.value, p.predikat.value) if p.predikat else 'tanpa predikat'}"
        for p in data.periodic.periods
    ]


def _periodic(data: DocumentData) -> list[Flowable]:
    lines = periodic_lines(data)
    if not lines:
        return []
    return [
        _p("HASIL EVALUASI KINERJA PERIODIK", BOLD),
        *(_p(line) for line in lines),
        Spacer(1, 3 * mm),
    ]


def evaluasi_pdf(data: DocumentData) -> bytes:
    """The Dokumen Evaluasi Kinerja Pegawai: the plan with its ratings, the predikat by the kuadran, signatures."""
    parts = _header(data, "DOKUMEN EVALUASI KINERJA PEGAWAI", f"{_subtitle(data)} — PERIODE: TAHUNAN {data.year}")
    parts += _rhk_table(data, ratings=True)
    parts += _perilaku_table(data, ratings=True)
    parts += _input_360(data)
    parts += _periodic(data)
    predikat = LABEL.get(data.skp.predikat or "", "belum dinilai")
    parts += [_p(f"PREDIKAT KINERJA PEGAWAI: {predikat}", TITLE), Spacer(1, 4 * mm)]
    if data.annual is not None and data.annual.combined:
        # several SKPs in the year (a mutasi): the year's predikat is theirs combined, by the policy
        periode = "; ".join(
            f"SKP {p.skp_id} {p.start:%d-%m-%Y} s.d. {p.end:%d-%m-%Y}: {LABEL.get(p.predikat.value, p.predikat.value)}"
            for p in data.annual.parts
        )
        tahunan = LABEL.get(data.annual.predikat.value, data.annual.predikat.value)
        parts += [
            _p(f"PREDIKAT KINERJA TAHUNAN {data.year} (gabungan {len(data.annual.parts)} SKP): {tahunan}", TITLE),
            _p(f"{periode} (digabung: {data.annual.rule})"),
            Spacer(1, 4 * mm),
        ]
    parts.append(
        _signatures(
            data, ("Pejabat Penilai Kinerja", data.penilai), ("Atasan Pejabat Penilai Kinerja", data.atasan_penilai)
        )
    )
    return _build(parts, f"Evaluasi Kinerja {data.pegawai.name} {data.year}")

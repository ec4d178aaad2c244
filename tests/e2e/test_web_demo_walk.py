"""The demo walked in Chromium from the top, as the README's "Walk the demo" tells a newcomer to.

The kabupaten is seeded as `make run` seeds it (`seed-demo --agreed-levels 1`: the Sekda's SKP agreed), smaller.
Then, with the demo logins and their password: the kepala dinas plans and proposes, the Sekda cascades and agrees;
the kepala bidang likewise under the kepala dinas; a staff member under the kepala bidang. HR starts monitoring,
opens the period and sets the unit's capaian; the staff member submits the realisasi, the kepala bidang rates it,
and the period's predikat is shown. A cascade tried one level too early is refused with the next step named.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Page, expect
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlmodel import col

from api.app import create_app
from tests.e2e.conftest import KEY, ROOT_PASSWORD, Clock
from tests.e2e.test_web_browser import check_page, log_in_by_keyboard, log_out, page, server  # noqa: F401
from workflows.cases.users import ensure_first_admin
from workflows.simulation.demo import DEMO_PASSWORD, demo_logins, generate_kabupaten
from workflows.simulation.demo_walk import seed_kabupaten
from workflows.store.settings import Settings
from workflows.store.tables import AuditEvent, Pegawai, Skp, Unit
from workflows.store.uow import reading, unit_of_work

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.parametrize("migrated", ["sqlite"], indirect=True),
]


@pytest.fixture
def app(db: Engine, clock: Clock, tmp_path: Path) -> FastAPI:
    """The e2e app as `make run` configures it: SKPFLOW_DEMO, so the demo logins need no password change first."""
    with unit_of_work(db) as s:
        ensure_first_admin(s, "root", ROOT_PASSWORD, now=clock())
    settings = Settings(
        database_url="sqlite://", secret_key=SecretStr(KEY), evidence_dir=str(tmp_path / "evidence"), demo=True
    )
    return create_app(engine=db, settings=settings, clock=clock)


def _chain(db: Engine, staff_nip: str) -> list[tuple[str, str, int, str]]:
    """(nip, name, skp id, unit code) from the demo's staff login up to the top of the penilai chain."""
    out: list[tuple[str, str, int, str]] = []
    with reading(db) as s:
        person = s.scalar(select(Pegawai).where(col(Pegawai.nip) == staff_nip))
        while person is not None:
            skp = s.scalar(select(Skp).where(col(Skp.pegawai_id) == person.id))
            assert skp is not None and skp.id is not None
            unit = s.get(Unit, skp.unit_id)
            out.append((person.nip, person.name, skp.id, unit.code if unit else ""))
            person = s.get(Pegawai, skp.penilai_id) if skp.penilai_id else None
    return out


def _plan_and_propose(tab: Page, base: str, nip: str, skp_id: int, rhk: str, *, intervene: bool = True) -> None:
    log_in_by_keyboard(tab, base, nip, DEMO_PASSWORD)
    tab.locator(f"#my-skp-{skp_id}").click()
    tab.locator("#rhk-0-text").fill(rhk)
    intervensi = tab.locator("#rhk-0-intervensi")
    # "none", and the RHK of the atasan's agreed SKP: none before it is agreed
    expect(intervensi.locator("option")).to_have_count(2 if intervene else 1)
    if intervene:
        intervensi.select_option(index=1)
    else:
        expect(tab.locator("#intervensi-hint")).to_contain_text("SKP pejabat penilai Anda belum disetujui")
    tab.locator("#rhk-0-ind-0-text").fill(f"Persentase {rhk.lower()}")
    tab.locator("#rhk-0-ind-0-target").fill("100")
    tab.locator("#rhk-0-ind-0-satuan").fill("persen")
    tab.locator("#propose").click()
    expect(tab.locator("#done")).to_contain_text("diajukan kepada pejabat penilai")
    log_out(tab)


def _cascade_and_agree(tab: Page, base: str, penilai_nip: str, pegawai_name: str) -> None:
    log_in_by_keyboard(tab, base, penilai_nip, DEMO_PASSWORD)
    tab.locator("tr", has_text=pegawai_name).get_by_role("link").click()
    tab.locator("#fire-cascade").click()
    expect(tab.locator("#skp-state")).to_have_attribute("data-state", "cascaded")
    tab.locator("#fire-agree").click()
    expect(tab.locator("#skp-state")).to_have_attribute("data-state", "agreed")
    log_out(tab)


def test_the_demo_walks_from_the_top(server: str, page: Page, db: Engine, clock: Clock) -> None:  # noqa: F811
    payload = generate_kabupaten(pegawai=300, seed=2026)
    seeded = seed_kabupaten(db, payload, year=2026, policy="permenpanrb-6-2022", agreed_levels=1, now=clock())
    assert [lv.agreed for lv in seeded.levels][:2] == [True, False]
    staff = next(nip for nip, _, who in demo_logins(payload) if "(pegawai;" in who)
    chain = _chain(db, staff)
    assert len(chain) == 4, chain  # staff, kepala bidang, kepala dinas, Sekda: the demo's four logins
    (staff_nip, staff_name, staff_skp, staff_unit), kabid, kadis, sekda = chain
    with reading(db) as s:  # the seed agreed the Sekda's SKP through the use cases: each step audited
        triggers = s.scalars(
            select(col(AuditEvent.trigger)).where(
                col(AuditEvent.entity_type) == "skp", col(AuditEvent.entity_id) == sekda[2]
            )
        ).all()
    assert list(triggers) == ["draft", "plan", "cascade", "agree"], triggers

    # One level too early: the kepala bidang cascades before their own SKP is agreed, and is told what to do.
    _plan_and_propose(page, server, staff_nip, staff_skp, "Tersedianya data kepegawaian", intervene=False)
    log_in_by_keyboard(page, server, kabid[0], DEMO_PASSWORD)
    page.locator("tr", has_text=staff_name).get_by_role("link").click()
    page.locator("#fire-cascade").click()
    expect(page.locator("#refused")).to_contain_text("SKP atasan belum disetujui")
    hint = page.locator("#refused-hint")
    expect(hint).to_contain_text("SKP Anda sendiri belum disetujui")
    expect(hint).to_contain_text(f"minta {kadis[1]} menyetujui SKP Anda")
    check_page(page, "walk-cascade-refused")
    expect(page.locator("#skp-state")).to_have_attribute("data-state", "drafted")
    log_out(page)

    # The walk: each level plans and proposes, its penilai cascades and agrees, from the top down.
    _plan_and_propose(page, server, kadis[0], kadis[2], "Meningkatnya kualitas layanan kepegawaian")
    _cascade_and_agree(page, server, sekda[0], kadis[1])
    _plan_and_propose(page, server, kabid[0], kabid[2], "Terlaksananya pengadaan dan mutasi pegawai")
    _cascade_and_agree(page, server, kadis[0], kabid[1])
    _plan_and_propose(page, server, staff_nip, staff_skp, "Tersedianya data kepegawaian yang mutakhir")
    _cascade_and_agree(page, server, kabid[0], staff_name)

    # HR: monitoring starts, the period opens, the staff's unit gets its capaian for the period.
    log_in_by_keyboard(page, server, "root", ROOT_PASSWORD)
    page.goto(f"{server}/ui/cycles")
    check_page(page, "walk-cycles")
    cycle = seeded.opened.cycle.id
    page.locator(f"#cycle-{cycle}-start_monitoring").click()
    expect(page.locator(f"#cycle-{cycle} td[data-state]")).to_have_attribute("data-state", "monitoring")
    page.locator(f"#cycle-{cycle}-open-period").click()  # empty: today's period, January
    expect(page.locator("#done")).to_contain_text("Periode dibuka")
    page.locator(f"#capaian-{cycle}-unit").fill(staff_unit)
    page.locator(f"#capaian-{cycle}-period").fill("1")
    page.locator(f"#cycle-{cycle}-capaian").click()
    expect(page.locator("#done")).to_contain_text("Capaian kinerja organisasi unit disimpan")
    log_out(page)

    # The staff member submits the realisasi of period 1; the kepala bidang rates it; the predikat is shown.
    log_in_by_keyboard(page, server, staff_nip, DEMO_PASSWORD)
    page.goto(f"{server}/ui/skp/{staff_skp}/periods/1")
    page.locator("input[id^=value-]").first.fill("100")
    page.locator("textarea[id^=text-]").first.fill("Data 300 pegawai dimutakhirkan")
    page.locator("#submit-realisasi").click()
    expect(page.locator("#period-state")).to_have_attribute("data-state", "realisasi_submitted")
    log_out(page)
    log_in_by_keyboard(page, server, kabid[0], DEMO_PASSWORD)
    page.locator("tr", has_text=staff_name).get_by_role("link").click()
    page.locator("#rating_hasil_kerja").select_option("DI_ATAS_EKSPEKTASI")
    page.locator("#rating_perilaku").select_option("SESUAI_EKSPEKTASI")
    expect(page.locator("#predikat-live")).to_have_text("Baik")
    page.locator("#fire-evaluate").click()
    expect(page.locator("#period-state")).to_have_attribute("data-state", "evaluated")
    expect(page.locator("#period-predikat")).to_have_text("Baik")
    check_page(page, "walk-period-rated")

"""HR's contract page in real Chromium: a PNS is refused with the reason, a PPPK's contract is recorded, the
recommendation the sweep opens is one click away and HR decides it there."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ROOT_PASSWORD
from tests.e2e.test_web_browser import check_page, log_in_by_keyboard, page, server
from tests.integration.org import STAF1, STAF2

__all__ = ["page", "server"]  # the fixtures, shared with the other browser tests

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.parametrize("migrated", ["sqlite"], indirect=True),
]


def test_hr_records_a_contract_and_decides_its_extension(
    server: str, page: Page, client: TestClient, root: dict[str, str], cycle_id: int
) -> None:
    log_in_by_keyboard(page, server, "root", ROOT_PASSWORD)
    page.get_by_role("link", name="Kontrak PPPK").first.click()
    expect(page.locator("h1")).to_have_text("Kontrak PPPK")
    check_page(page, "hr-kontrak")

    form = page.locator("#kontrak-form")
    form.get_by_label("NIP pegawai (PPPK)").fill(STAF1)
    form.get_by_label("Tanggal mulai kontrak").fill("2025-01-01")
    form.get_by_label("Tanggal selesai kontrak").fill("2026-12-31")
    page.locator("#kontrak-save").click()
    expect(page.locator("#refused")).to_contain_text("hanya dicatat untuk PPPK")  # a PNS: nothing recorded
    assert client.get(f"/pegawai/{STAF1}/kontrak", headers=root).json()["items"] == []

    form.get_by_label("NIP pegawai (PPPK)").fill(STAF2)
    form.get_by_label("Tanggal mulai kontrak").fill("2025-01-01")
    form.get_by_label("Tanggal selesai kontrak").fill("2026-12-31")
    form.get_by_label("Nomor SK / perjanjian kerja").fill("SK Bupati 800/15/2025")
    page.locator("#kontrak-save").click()
    expect(page.locator("#done")).to_contain_text("01-01-2025 – 31-12-2026")
    expect(page.locator("#kontrak-list")).to_contain_text("Belum dibuka")
    check_page(page, "hr-kontrak-recorded")

    run = {"as_of": "2026-05-02T00:00:00+08:00", "cycle_id": cycle_id}
    assert client.post("/workflows/enforce-deadlines/run", json=run, headers=root).status_code == 200
    page.goto(f"{server}/ui/kontrak?nip={STAF2}")
    case = page.locator('#kontrak-list a[data-kind="TIDAK_DIPERPANJANG"]')
    expect(case).to_have_text("Rekomendasi kontrak tidak diperpanjang")
    case.click()
    expect(page.locator("#case-state")).to_have_attribute("data-state", "opened")
    check_page(page, "hr-kontrak-case")
    page.get_by_label("Catatan").first.fill("Keputusan PPK 800/99: diperpanjang, kebutuhan formasi")
    page.locator("#case-extend").click()  # HR decides against the recommendation, as the PPK may
    expect(page.locator("#case-state")).to_have_attribute("data-state", "extended")
    expect(page.locator("#case-state")).to_contain_text("Diperpanjang")

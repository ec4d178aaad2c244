"""In Chromium: after a July mutasi the pegawai's new SKP page says it is a mid-year SKP, with the months it covers
and its own agreement deadline, in Bahasa Indonesia; the closed SKP's page shows where it ended."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Clock, bearer
from tests.e2e.test_web_browser import check_page, log_in_by_keyboard, page, pytestmark, server  # noqa: F401
from tests.e2e.web_setup import PASSWORD, agree_everyone, give_passwords
from tests.integration.org import STAF1


def test_the_new_skp_page_shows_its_months_and_deadline(
    server: str,  # noqa: F811
    page: Page,  # noqa: F811
    client: TestClient,
    clock: Clock,
    root: dict[str, str],
    db: Any,
    cycle_id: int,
) -> None:
    agree_everyone(client, clock, root)
    assert client.post(f"/cycles/{cycle_id}/transitions/start_monitoring", headers=root).status_code == 200
    clock.now = datetime(2026, 2, 2, 2, 0, tzinfo=UTC)
    hr = bearer("user:root", clock)
    assert client.post("/workflows/open-period/run", json={"cycle_id": cycle_id, "period": 1}, headers=hr).is_success
    clock.now = datetime(2026, 7, 15, 1, 0, tzinfo=UTC)
    body = {"unit": "DINKES-YANKES", "effective": "2026-07-15", "sk_number": "SK Bupati 821/77/2026"}
    moved = client.post(f"/pegawai/{STAF1}/mutasi", json=body, headers=bearer("user:root", clock)).json()
    give_passwords(db, STAF1)
    clock.now = datetime(2026, 7, 16, 1, 0, tzinfo=UTC)

    log_in_by_keyboard(page, server, STAF1, PASSWORD)
    page.goto(f"{server}/ui/skp/{moved['new_skp_id']}")
    notice = page.locator("#midyear")
    expect(notice).to_be_visible()
    expect(notice.get_by_role("heading")).to_have_text("SKP tengah tahun")
    expect(page.locator("#midyear-months")).to_have_text("Bulan yang dicakup: Juli s.d. Desember 2026 (6 bulan).")
    expect(page.locator("#midyear-due")).to_contain_text("12 Agustus 2026")
    expect(page.locator("#midyear-due")).to_contain_text("20 hari kerja sejak SKP ini mulai")
    expect(page.locator("#skp-agreement-due")).to_have_text("12 Agustus 2026")  # on time: no "terlambat"
    expect(page.locator("#skp-periode")).to_contain_text("15 Juli 2026 s.d. 31 Desember 2026 (6 bulan)")
    check_page(page, "skp-mid-year")

    page.goto(f"{server}/ui/skp/{moved['closed_skp_id']}")  # the SKP the mutasi closed ran to 14 July
    expect(page.locator("#skp-periode")).to_contain_text("1 Januari 2026 s.d. 14 Juli 2026 (7 bulan)")
    expect(page.locator("#midyear")).to_have_count(0)

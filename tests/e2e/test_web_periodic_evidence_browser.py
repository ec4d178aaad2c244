"""The assess form in real Chromium: the penilai sees the year's periodic predikat beside the rating, then rates."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import update
from sqlmodel import col

from tests.e2e.conftest import Clock
from tests.e2e.test_web_browser import check_page, log_in_by_keyboard, page, server
from tests.e2e.web_setup import PASSWORD, give_passwords, to_assessment
from tests.integration.org import KABID, STAF1
from workflows.store.tables import Evaluation
from workflows.store.uow import unit_of_work

__all__ = ["page", "server"]  # the fixtures, shared with the other browser tests

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.parametrize("migrated", ["sqlite"], indirect=True),
]


def test_the_penilai_rates_with_the_periods_in_view(
    server: str, page: Page, client: TestClient, clock: Clock, root: dict[str, str], db: Any, cycle_id: int
) -> None:
    ids = to_assessment(client, clock, root, cycle_id)
    with unit_of_work(db) as s:
        s.execute(
            update(Evaluation)
            .where(col(Evaluation.skp_id) == ids[STAF1], col(Evaluation.period_no) == 1)
            .values(state="closed", predikat="BUTUH_PERBAIKAN")
        )
    give_passwords(db)
    log_in_by_keyboard(page, server, KABID, PASSWORD)
    page.goto(f"{server}/ui/skp/{ids[STAF1]}")
    evidence = page.locator("#form-assess #assess-evidence")
    expect(evidence.locator("#periodic-counts li")).to_have_text(["Butuh Perbaikan: 1 periode"])
    expect(evidence.locator("#periodic-latest")).to_have_text("Predikat periodik terakhir: Periode 1 — Butuh Perbaikan")
    check_page(page, "atasan-assess-evidence")
    page.locator("#rating_hasil_kerja").select_option("SESUAI_EKSPEKTASI")
    page.locator("#rating_perilaku").select_option("SESUAI_EKSPEKTASI")
    page.locator("#fire-assess").click()
    expect(page.locator("#skp-state")).to_have_attribute("data-state", "assessed")
    expect(page.locator("#skp-predikat")).to_have_text("Baik")  # the penilai's rating, not the period's

"""The agent desktop in headless Chromium, against the real server and the live core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from centralita.store.models import Contact, WrapUp
from web.browser import call_arrives, sign_in

pytestmark = pytest.mark.slow

MARIA = "+573001234500"  # a demo contact's number
SALES_LINE = "6015550100"  # the Ventas campaign's number


def _wrapups(server) -> int:
    with server.store.read() as session:
        return session.scalar(select(func.count()).select_from(WrapUp))


def test_agent_takes_an_offered_call_and_its_disposition_shows_in_the_contacts_history(
    server, browser, screenshot
):
    page = sign_in(browser, server, "ana")
    expect(page.get_by_test_id("state")).to_have_text("Logged out")
    page.get_by_test_id("station-input").fill("1001")
    page.get_by_test_id("log-in").click()
    expect(page.get_by_test_id("state")).to_have_text("Available")
    expect(page.get_by_test_id("station")).to_have_text("1001")

    call_arrives(server, ani=MARIA, dnis=SALES_LINE)
    expect(page.get_by_test_id("state")).to_have_text("Ringing")
    expect(page.get_by_test_id("campaign")).to_have_text("Ventas")
    expect(page.get_by_test_id("contact-name")).to_have_text("María Fernanda López")
    expect(page.get_by_test_id("ani")).to_have_text(MARIA)
    screenshot(page, "desktop-offer")

    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("state")).to_have_text("Talking")
    expect(page.get_by_test_id("f_document")).to_be_visible()
    expect(page.get_by_test_id("f_plan")).to_be_visible()
    screenshot(page, "desktop-call")
    page.get_by_test_id("end").click()
    expect(page.get_by_test_id("state")).to_have_text("Wrap-up")

    page.get_by_test_id("save-wrapup").click()
    expect(page.get_by_test_id("error-document")).to_have_text("This field is required.")
    expect(page.get_by_test_id("error-plan")).to_have_text("This field is required.")
    expect(page.get_by_test_id("error-disposition")).to_have_text("This field is required.")
    screenshot(page, "desktop-wrapup-errors")
    assert _wrapups(server) == 0

    page.get_by_test_id("f_document").fill("1020304000")
    page.get_by_test_id("f_plan").select_option("Hogar")
    page.get_by_test_id("disposition").select_option("sale")
    page.get_by_test_id("notes").fill("Wants the home plan from next month")
    page.get_by_test_id("save-wrapup").click()
    expect(page.locator("#toast")).to_have_text("Wrap-up saved.")
    expect(page.get_by_test_id("idle")).to_be_visible()
    assert _wrapups(server) == 1

    with server.store.read() as session:
        maria = session.scalars(select(Contact).where(Contact.name == "María Fernanda López")).one()
    page.goto(f"{server.url}/contacts/{maria.id}")
    row = page.get_by_test_id("history-row").first
    expect(row.get_by_test_id("history-disposition")).to_have_text("Sale")
    row.get_by_role("button", name="Details").click()
    expect(page.get_by_test_id("detail-notes")).to_have_text("Wants the home plan from next month")
    detail = page.get_by_test_id("interaction-detail")
    expect(detail).to_contain_text(re.compile("Ana Restrepo"))
    expect(detail).to_contain_text(re.compile("Plan\\s*Hogar"))
    screenshot(page, "contact-history")

"""The other pages in Chromium: sign-in, contacts, the campaign form editor, and the
client viewer's read-only wallboard in Spanish (screenshots for people to look at)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from centralita.demo import DEMO_PASSWORD
from web.browser import sign_in

pytestmark = pytest.mark.slow


def test_sign_in_refuses_a_wrong_password_with_a_message(server, browser, screenshot):
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    page.goto(server.url + "/")
    assert page.url.endswith("/login")
    page.fill("input[name=username]", "ana")
    page.fill("input[name=password]", "not-the-password")
    page.locator("#login button.primary").click()
    expect(page.get_by_test_id("login-error")).to_have_text("Usuario o contraseña incorrectos.")
    screenshot(page, "login")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("#login button.primary").click()
    expect(page).to_have_url(server.url + "/desktop")
    page.close()


def test_administrator_edits_a_form_and_bad_input_is_explained(server, browser, screenshot):
    page = sign_in(browser, server, "admin")
    page.goto(server.url + "/admin/forms")
    page.get_by_role("link", name="Soporte", exact=True).click()
    page.get_by_test_id("field-3-name").fill("Bad Name")
    page.get_by_test_id("save-form").click()
    expect(page.get_by_test_id("form-error")).to_have_text(
        "Row 4, Field name: use lowercase letters, digits and _, starting with a letter"
        " (e.g. account_number)."
    )
    screenshot(page, "form-editor-error")
    page.get_by_test_id("field-3-name").fill("contract")
    page.locator("input[name=field-3-label_en]").fill("Contract number")
    page.locator("input[name=field-3-label_es]").fill("Número de contrato")
    page.get_by_test_id("field-3-type").select_option("number")
    page.get_by_test_id("save-form").click()
    expect(page.get_by_test_id("form-saved")).to_be_visible()
    expect(page.get_by_test_id("field-3-name")).to_have_value("contract")
    screenshot(page, "form-editor")


def test_client_viewer_reads_its_wallboard_and_contacts_without_actions(
    server, browser, screenshot
):
    page = sign_in(browser, server, "cliente", lang="es")
    assert page.url.endswith("/wallboard")
    expect(page.get_by_test_id("queue-Ventas")).to_be_visible()
    expect(page.get_by_text("Solo lectura")).to_be_visible()
    assert page.get_by_text("Forzar pausa").count() == 0
    assert page.get_by_test_id("agents").count() == 0  # no agents' rows for a client
    screenshot(page, "wallboard-client-viewer")
    page.goto(server.url + "/contacts?q=Paula")
    expect(page.get_by_role("link", name="Paula Andrea Suárez")).to_be_visible()
    screenshot(page, "contacts")

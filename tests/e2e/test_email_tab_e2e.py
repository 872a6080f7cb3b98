"""A person in a real browser: first run, the Email tab, saving, and Send Test."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_EMAIL, sign_in
from tests.support.smtpd import closed_port

pytestmark = pytest.mark.e2e


def test_first_run_page_is_gone_after_setup(page: Page, panel, first_admin):
    response = page.goto(f"{panel}/setup")
    assert response.status == 404


def test_wrong_password_then_sign_in(page: Page, panel, first_admin):
    sign_in(page, panel, password="not the password")
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    sign_in(page, panel)
    expect(page.get_by_role("heading", name="Your email")).to_be_visible()  # the home page
    page.get_by_role("link", name="Email settings").first.click()
    expect(page.get_by_role("tab", name="General")).to_have_attribute("aria-selected", "true")


def test_tabs_switch_without_reload_and_history_works(page: Page, panel, first_admin):
    sign_in(page, panel)
    page.goto(f"{panel}/users/1/email/general")
    page.evaluate("window.__noReload = 42")
    page.get_by_role("tab", name="SMTP").click()
    expect(page.get_by_role("textbox", name="SMTP Server")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/email/smtp$"))
    expect(page.get_by_role("tab", name="SMTP")).to_have_attribute("aria-selected", "true")
    page.get_by_role("tab", name="Gmail").click()
    expect(page.get_by_role("heading", name="Gmail", exact=True)).to_be_visible()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/email/smtp$"))
    expect(page.get_by_role("textbox", name="SMTP Server")).to_be_visible()
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/email/gmail$"))
    expect(page.get_by_role("heading", name="Gmail", exact=True)).to_be_visible()
    assert page.evaluate("window.__noReload") == 42


def test_general_error_inline_then_saved(page: Page, panel, first_admin):
    sign_in(page, panel)
    page.goto(f"{panel}/users/1/email/general")
    page.evaluate("window.__noReload = 1")
    page.get_by_label("Email Display Name").fill("Boss Person")
    page.get_by_label("Email Address").fill("not an address")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter one email address, like name@example.com.")).to_be_visible()
    page.get_by_label("Email Address").fill(ADMIN_EMAIL)
    page.get_by_label("Signature").fill("Boss Person\nAcme Supplies")
    page.get_by_label("Auto BCC Self").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    assert page.evaluate("window.__noReload") == 1
    page.reload()
    expect(page.get_by_label("Email Display Name")).to_have_value("Boss Person")


def test_smtp_save_port_suggestion_and_write_only_password(page: Page, panel, first_admin):
    sign_in(page, panel)
    page.goto(f"{panel}/users/1/email/smtp")
    page.get_by_role("textbox", name="SMTP Server").fill("smtp.example.com")
    page.get_by_label("Port").fill("")
    page.get_by_label("SSL", exact=True).check()
    expect(page.get_by_label("Port")).to_have_value("465")
    page.get_by_label("TLS", exact=True).check()
    expect(page.get_by_label("Port")).to_have_value("587")
    page.get_by_label("Port").fill("2525")
    page.get_by_label("NONE", exact=True).check()
    expect(page.get_by_label("Port")).to_have_value("2525")  # a port the user chose stays
    page.get_by_label("Port").fill("70000")
    page.get_by_label("Password").fill("Pa55-word-never-shown")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter a port from 1 to 65535.")).to_be_visible()
    page.get_by_label("Port").fill("587")
    page.get_by_label("TLS", exact=True).check()
    page.get_by_label("Password").fill("Pa55-word-never-shown")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    expect(page.get_by_text("A password is stored. Leave blank to keep it.")).to_be_visible()
    assert "Pa55-word-never-shown" not in page.content()
    page.reload()
    assert "Pa55-word-never-shown" not in page.content()
    expect(page.get_by_label("Password")).to_have_value("")


def test_email_client_marks_smtp_fields_not_needed(page: Page, panel, first_admin):
    sign_in(page, panel)
    page.goto(f"{panel}/users/1/email/smtp")
    note = page.get_by_text("Not needed when sending with your Email Client.")
    expect(note).to_be_hidden()
    page.get_by_label("Email Client").check()
    expect(note).to_be_visible()
    page.get_by_role("radio", name="SMTP Server").check()
    expect(note).to_be_hidden()


def fill_smtp(page: Page, port: int) -> None:
    page.get_by_role("textbox", name="SMTP Server").fill("127.0.0.1")
    page.get_by_label("NONE", exact=True).check()
    page.get_by_label("Port").fill(str(port))
    page.get_by_label("User Name").fill("user")
    page.get_by_label("Password").fill("secret")


def test_send_test_success_and_failure_dialogs(page: Page, panel, first_admin, plain_smtp):
    sign_in(page, panel)
    page.goto(f"{panel}/users/1/email/general")
    page.get_by_label("Email Address").fill(ADMIN_EMAIL)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    page.get_by_role("tab", name="SMTP").click()
    fill_smtp(page, plain_smtp.port)
    page.get_by_role("button", name="Send Test").click()
    dialog = page.get_by_role("dialog", name="Send Test")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Send to")).to_be_focused()
    dialog.get_by_label("Send to").fill("pat@example.org")
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(dialog.get_by_text("It works: the test message was sent.")).to_be_visible()
    received = plain_smtp.wait_for_messages(1)[0]
    assert "pat@example.org" in received.rcpt_tos
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.get_by_label("Port").fill(str(closed_port()))
    page.get_by_role("button", name="Send Test").click()
    dialog = page.get_by_role("dialog", name="Send Test")
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(dialog.get_by_text("Send Test failed")).to_be_visible()
    expect(dialog).to_contain_text("Connecting to the server")
    expect(dialog).to_contain_text("Check the Port")
    assert "secret" not in dialog.inner_text()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_send_test_shows_progress_and_disables_send_while_waiting(page: Page, panel,
                                                                  first_admin, silent_server):
    sign_in(page, panel)
    page.goto(f"{panel}/users/1/email/smtp")
    fill_smtp(page, silent_server.port)
    page.get_by_role("button", name="Send Test").click()
    dialog = page.get_by_role("dialog", name="Send Test")
    send = dialog.get_by_role("button", name="Send", exact=True)
    send.click()
    expect(send).to_be_disabled()
    expect(dialog.get_by_text("Sending…")).to_be_visible()
    expect(dialog.get_by_text("Send Test failed")).to_be_visible(timeout=10_000)
    expect(dialog).to_contain_text("No answer from 127.0.0.1")


def test_a_tab_clicked_while_saving_opens_after_the_save(page: Page, panel, first_admin):
    """The Save's answer arrives after the tab was clicked: the tab still opens, and the
    save is kept (the requests wait for each other instead of racing)."""
    sign_in(page, panel)
    page.goto(f"{panel}/users/1/email/general")
    held = []
    page.route("**/users/1/email/general", lambda route: held.append(route)
               if route.request.method == "POST" else route.continue_())
    page.get_by_label("Email Display Name").fill("Boss While Saving")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/general")):
        page.get_by_role("button", name="Save").click()
    page.get_by_role("tab", name="Outlook").click()
    assert len(held) == 1
    with page.expect_response(lambda r: r.request.method == "GET" and r.url.endswith("/outlook")):
        held[0].continue_()
    expect(page.locator('.tab-body[data-tab="outlook"]')).to_be_visible()
    expect(page.locator('.tab-body[data-tab="general"]')).to_have_count(0)
    expect(page.get_by_role("tab", name="Outlook")).to_have_attribute("aria-selected", "true")
    page.unroute("**/users/1/email/general")
    page.goto(f"{panel}/users/1/email/general")
    expect(page.get_by_label("Email Display Name")).to_have_value("Boss While Saving")

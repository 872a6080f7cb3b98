"""In a real browser: Email clicked before htmx is ready (its script never arrives, as on a slow
phone) still leads to a compose form that sends; an administrator renames an account by
keyboard on a phone; the menu marks the current section."""

from __future__ import annotations

import email
import re
import uuid
from email import policy

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import ADMIN_PASSWORD, use_smtp
from tests.e2e.screens import fits_the_width, sized_page

pytestmark = pytest.mark.e2e

HTMX_FILE = re.compile(r"/static/js/htmx-[0-9.]+\.min\.js")


def no_htmx(page: Page) -> list[str]:
    """Make every request for htmx's script fail; the list fills with the refused URLs."""
    refused: list[str] = []

    def abort(route: Route) -> None:
        refused.append(route.request.url)
        route.abort()

    page.route(HTMX_FILE, abort)
    return refused


def test_email_before_htmx_is_ready_opens_a_compose_page_that_sends(browser, panel,
                                                                   signed_in_state,
                                                                   plain_smtp):
    with sized_page(browser, "phone", signed_in_state) as page:
        use_smtp(page, panel, plain_smtp.port)
        refused = no_htmx(page)
        page.goto(f"{panel}/documents/invoices/?q=INV-0001")
        page.get_by_role("link", name="INV-0001", exact=True).click()
        page.get_by_role("button", name="Email", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(
            "^Email Invoice INV-0001"))
        assert refused and page.evaluate("typeof window.htmx") == "undefined"
        expect(page.get_by_label("To")).not_to_have_value("")
        page.get_by_label("Subject").fill("Sent before htmx was ready")
        fits_the_width(page, "phone")
        page.get_by_role("button", name="Send", exact=True).click()
        expect(page.get_by_text("Sent.", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Close")).to_have_count(0)
        [received] = plain_smtp.wait_for_messages(1)
        message = email.message_from_bytes(received.data, policy=policy.default)
        assert message["Subject"] == "Sent before htmx was ready"
        page.get_by_role("link", name="Back to Invoice INV-0001").click()
        expect(page.get_by_role("heading", name=re.compile("INV-0001"))).to_be_visible()


def test_an_administrator_renames_an_account_by_keyboard_on_a_phone(browser, panel,
                                                                    signed_in_state):
    colleague = f"kim.{uuid.uuid4().hex[:8]}@example.com"
    with sized_page(browser, "phone", signed_in_state) as page:
        page.goto(f"{panel}/users/")
        page.get_by_label("Name", exact=True).fill("Kim Lee")
        page.get_by_label("Email", exact=True).fill(colleague)
        page.get_by_label("Set a password now").check()
        page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Add user").click()
        expect(page.get_by_text(f"Added {colleague}.")).to_be_visible()

        change = page.get_by_text(f"Change name of {colleague}")
        change.focus()
        page.keyboard.press("Enter")  # opens the disclosure
        field = page.get_by_label(f"Name of {colleague}")
        expect(field).to_have_value("Kim Lee")
        page.keyboard.press("Tab")
        expect(field).to_be_focused()
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type("   ")
        page.keyboard.press("Enter")  # submits the row's form
        field = page.get_by_label(f"Name of {colleague}")
        expect(field).to_be_focused()  # back at the field, which says what is wrong
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{field.get_attribute('id')}-error")).to_contain_text(
            "only spaces or invisible characters")
        expect(field).to_be_in_viewport()
        fits_the_width(page, "phone")

        field.fill("Kim Lee-Park")
        page.keyboard.press("Enter")
        expect(page.get_by_text(f"{colleague} is now named “Kim Lee-Park”.")).to_be_visible()
        expect(page.get_by_role("row").filter(has_text=colleague)).to_contain_text(
            "Kim Lee-Park")
        fits_the_width(page, "phone")
        page.get_by_role("button", name="Menu").click()
        office = page.get_by_role("navigation", name="Main").get_by_text("Office", exact=True)
        expect(office).to_have_attribute("aria-current", "true")
        office.click()
        users = page.get_by_role("navigation", name="Main").get_by_role("link", name="Users")
        expect(users).to_have_attribute("aria-current", "page")
        expect(users).to_have_css("font-weight", "700")  # marked by more than colour


def test_email_client_draft_downloads_from_the_compose_page_without_htmx(browser, panel,
                                                                        signed_in_state):
    context = browser.new_context(storage_state=signed_in_state, accept_downloads=True)
    try:
        page = context.new_page()
        use_smtp(page, panel, 2525, method="Email Client")
        no_htmx(page)
        page.goto(f"{panel}/documents/invoices/?q=INV-0001")
        page.get_by_role("link", name="INV-0001", exact=True).click()
        page.get_by_role("button", name="Email", exact=True).click()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download draft").click()
        expect(page.get_by_text("Your draft is ready.")).to_be_visible()
        draft = email.message_from_bytes(download.value.path().read_bytes(),
                                         policy=policy.default)
        assert "INV-0001" in draft["Subject"]
    finally:
        context.close()

"""Keyboard and screen readers: axe-core finds no WCAG 2.2 A/AA or best-practice violation on
any page or dialog at either size; the Email settings tabs follow the WAI-ARIA tabs pattern;
closing the compose dialog after typing asks first; a save announces only its notice."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.screens import SCREENS, SIZES, axe_violations, open_compose, sized_page

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS, ids=lambda screen: screen.name)
def test_page_has_no_axe_violations(screen, size, browser, panel, signed_in_state, sample_urls):
    with sized_page(browser, size, signed_in_state if screen.signed_in else None) as page:
        page.goto(screen.url(panel, sample_urls))
        expect(screen.main_action(page)).to_be_attached()
        assert axe_violations(page) == []


@pytest.mark.parametrize("size", SIZES)
def test_setup_page_has_no_axe_violations(size, browser, empty_panel):
    with sized_page(browser, size) as page:
        page.goto(empty_panel)
        expect(page.get_by_role("button", name="Create")).to_be_visible()
        assert axe_violations(page) == []


def test_open_phone_menu_has_no_axe_violations(browser, panel, signed_in_state):
    with sized_page(browser, "phone", signed_in_state) as page:
        page.goto(f"{panel}/documents/invoices/")
        page.get_by_role("button", name="Menu").click()
        expect(page.get_by_role("link", name="Sent mail")).to_be_visible()
        assert axe_violations(page) == []


@pytest.mark.parametrize("size", SIZES)
def test_dialogs_have_no_axe_violations(size, browser, panel, signed_in_state, sample_urls):
    with sized_page(browser, size, signed_in_state) as page:
        dialog = open_compose(page, panel, sample_urls["invoice"])
        assert axe_violations(page) == []
        dialog.get_by_label("Subject").fill("Changed")
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog", name="Discard this email?")).to_be_visible()
        assert axe_violations(page) == []
        page.get_by_role("button", name="Discard").click()
        page.goto(f"{panel}/users/1/email/smtp")
        page.get_by_role("button", name="Send Test").click()
        expect(page.get_by_role("dialog", name="Send Test")).to_be_visible()
        assert axe_violations(page) == []


def test_email_settings_tabs_follow_the_tabs_pattern(browser, panel, signed_in_state):
    with sized_page(browser, "desktop", signed_in_state) as page:
        check_tabs(page, panel)


def check_tabs(page: Page, panel: str) -> None:
    page.goto(f"{panel}/users/1/email/general")
    tabs = {name: page.get_by_role("tab", name=name) for name in ("General", "SMTP", "Gmail",
                                                                  "Outlook")}
    assert [tab.get_attribute("tabindex") for tab in tabs.values()] == ["0", "-1", "-1", "-1"]
    expect(page.get_by_role("tabpanel", name="General")).to_be_visible()
    tabs["General"].focus()
    page.keyboard.press("ArrowRight")
    expect(tabs["SMTP"]).to_be_focused()
    expect(tabs["General"]).to_have_attribute("aria-selected", "true")  # manual activation
    page.keyboard.press("End")
    expect(tabs["Outlook"]).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(tabs["General"]).to_be_focused()  # wraps around
    page.keyboard.press("ArrowLeft")
    expect(tabs["Outlook"]).to_be_focused()
    page.keyboard.press("Home")
    expect(tabs["General"]).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(tabs["SMTP"]).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel", name="SMTP")).to_contain_text("SMTP Server")
    expect(tabs["SMTP"]).to_be_focused()
    assert [tab.get_attribute("tabindex") for tab in tabs.values()] == ["-1", "0", "-1", "-1"]
    page.keyboard.press("ArrowRight")
    page.keyboard.press(" ")
    expect(tabs["Gmail"]).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("heading", name="Gmail", exact=True)).to_be_visible()
    page.keyboard.press("Shift+Tab")  # out of the tab list: the other tabs are not in the way
    expect(tabs["General"]).not_to_be_focused()
    expect(tabs["SMTP"]).not_to_be_focused()


def test_closing_the_compose_dialog_after_typing_asks_first(browser, panel, signed_in_state,
                                                            sample_urls):
    with sized_page(browser, "desktop", signed_in_state) as page:
        dialog = open_compose(page, panel, sample_urls["invoice"])
        page.keyboard.press("Escape")  # nothing typed: it just closes
        expect(dialog).to_be_hidden()

        dialog = open_compose(page, panel, sample_urls["invoice"])
        dialog.get_by_label("Subject").fill("Your invoice, with the new prices")
        page.keyboard.press("Escape")
        confirm = page.get_by_role("dialog", name="Discard this email?")
        expect(confirm).to_be_visible()
        expect(confirm.get_by_role("button", name="Keep editing")).to_be_focused()
        confirm.get_by_role("button", name="Keep editing").click()
        expect(confirm).to_be_hidden()
        expect(dialog.get_by_label("Subject")).to_have_value("Your invoice, with the new prices")
        expect(dialog.get_by_label("Subject")).to_be_focused()

        dialog.get_by_role("button", name="Close").click()
        expect(confirm).to_be_visible()
        page.keyboard.press("Escape")  # Escape in the question means "keep editing"
        expect(confirm).to_be_hidden()
        expect(dialog).to_be_visible()

        dialog.get_by_role("button", name="Close").click()
        confirm.get_by_role("button", name="Discard").click()
        expect(dialog).to_be_hidden()
        expect(page.get_by_role("button", name="Email", exact=True)).to_be_focused()
        page.get_by_role("button", name="Email", exact=True).click()
        expect(page.get_by_role("dialog").get_by_label("Subject")).not_to_have_value(
            "Your invoice, with the new prices")


def test_a_save_announces_only_its_notice(browser, panel, signed_in_state):
    with sized_page(browser, "desktop", signed_in_state) as page:
        page.goto(f"{panel}/users/1/email/general")
        page.get_by_label("Email Display Name").fill("Boss Person")
        page.get_by_role("button", name="Save").click()
        notice = page.get_by_role("status").filter(has_text="Saved")
        expect(notice).to_be_visible()
        expect(notice).to_have_text("Saved")
        live = "[aria-live], [role=status], [role=alert], [role=log]"
        form = page.locator("#general-form")
        assert form.evaluate("(form, live) => form.parentElement.closest(live)", live) is None
        assert page.locator("#tab-panel").get_attribute("aria-live") is None


def test_opening_a_message_in_sent_mail_moves_the_focus_to_it(browser, panel, signed_in_state,
                                                              sample_urls):
    with sized_page(browser, "phone", signed_in_state) as page:
        page.goto(f"{panel}/sent")
        page.get_by_role("link", name=re.compile("INV-0001")).first.click()
        heading = page.locator("#preview").get_by_role("heading", level=2)
        expect(heading).to_be_focused()
        expect(heading).to_be_in_viewport()
        assert page.locator("#preview").get_attribute("aria-live") is None

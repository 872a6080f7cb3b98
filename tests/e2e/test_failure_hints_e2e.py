"""Failures lead with what to do, in a real browser on a phone (390 px): a refused sign-in's result
offers "Open SMTP settings" before Retry, keeps the server's "535 …" under Details (opened by
keyboard), and the link lands on the SMTP tab with the User Name focused; the preview keeps
Headers and Raw under Technical details."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import use_smtp
from tests.e2e.screens import (
    axe_violations,
    fits_the_width,
    open_compose,
    sized_page,
    small_targets,
)

pytestmark = pytest.mark.e2e


def test_a_refused_sign_in_leads_with_the_smtp_settings(browser, panel, signed_in_state,
                                                         sample_urls, plain_smtp):
    with sized_page(browser, "phone", signed_in_state) as page:
        use_smtp(page, panel, plain_smtp.port)
        plain_smtp.users = {"user": "changed at the provider"}  # 535 from now on
        dialog = open_compose(page, panel, sample_urls["invoice"])
        dialog.get_by_role("button", name="Send", exact=True).click()
        alert = dialog.get_by_role("alert").filter(has_text="Not sent")
        expect(alert).to_be_focused()
        expect(alert).to_contain_text("rejected the user name or password")
        reply = dialog.get_by_text(re.compile(r"^535 "))
        expect(reply).to_be_hidden()  # the server's own words wait under Details

        page.keyboard.press("Tab")  # the first thing to do comes first
        fix = dialog.get_by_role("link", name="Open SMTP settings")
        expect(fix).to_be_focused()
        page.keyboard.press("Tab")
        expect(dialog.get_by_role("button", name="Retry")).to_be_focused()
        details = dialog.get_by_text("Details", exact=True)
        details.focus()
        page.keyboard.press("Enter")
        expect(reply).to_be_visible()
        fits_the_width(page, "phone")
        assert axe_violations(page) == []
        assert small_targets(page) == []

        fix.click()
        page.wait_for_url(re.compile(r"/email/smtp#smtp_username$"))
        expect(page.get_by_label("User Name")).to_be_focused()

        page.goto(f"{panel}/sent")  # its row in Sent mail offers the same, in the same order
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=re.compile(
            "^Open SMTP settings"))).first
        expect(row.get_by_role("button", name=re.compile("^Retry"))).to_be_visible()
        fits_the_width(page, "phone")
        assert axe_violations(page) == []
        assert small_targets(page) == []


def test_the_preview_keeps_headers_and_raw_under_technical_details(browser, panel,
                                                                    signed_in_state,
                                                                    sample_urls):
    with sized_page(browser, "phone", signed_in_state) as page:
        page.goto(panel + sample_urls["message"])
        preview = page.locator("#preview")
        headers = preview.get_by_role("link", name="Headers")
        expect(headers).to_be_hidden()
        summary = preview.get_by_text("Technical details", exact=True)
        summary.focus()
        page.keyboard.press("Enter")
        expect(headers).to_be_visible()
        expect(preview.get_by_role("link", name="Raw")).to_be_visible()
        headers.focus()
        page.keyboard.press("Enter")
        expect(preview.get_by_role("rowheader", name="Subject")).to_be_visible()
        expect(preview.get_by_text("Technical details", exact=True)).to_be_visible()
        fits_the_width(page, "phone")
        assert axe_violations(page) == []
        assert small_targets(page) == []

"""Send later in a real browser: chosen with the keyboard alone in the Email dialog (a quick
choice fills the date and time), then Change time and Cancel in Sent mail; and the dialog's
Send later at a phone's width."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_document, sign_in, use_smtp
from tests.e2e.screens import axe_violations, fits_the_width, sized_page, small_targets, tab_to

pytestmark = pytest.mark.e2e

SCHEDULED_AT = re.compile(r"^Scheduled for \d{1,2} \w{3} \d{4}, (\d\d:\d\d) [\w+-]+\.?$")


def test_send_later_then_change_time_and_cancel_in_sent_mail(page: Page, panel, first_admin,
                                                             plain_smtp):
    sign_in(page, panel)
    use_smtp(page, panel, plain_smtp.port)
    open_document(page, panel, "SO-0001")
    page.get_by_role("button", name="Email", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("Email Sales Order SO-0001"))
    subject = f"Sales order for Monday {secrets.token_hex(3)}"
    dialog.get_by_label("Subject").fill(subject)

    # the keyboard alone: the arrow chooses Send later, Tab reaches a quick choice and Schedule
    dialog.get_by_label("Send now").focus()
    page.keyboard.press("ArrowDown")
    expect(dialog.get_by_label("Send later")).to_be_checked()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Tomorrow 8:00")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog.get_by_label("Date", exact=True)).to_have_value(re.compile(r"^\d{4}-\d\d-\d\d$"))
    expect(dialog.get_by_label("Time", exact=True)).to_have_value("08:00")
    expect(dialog.get_by_role("button", name="Send", exact=True)).to_have_count(0)
    schedule = dialog.get_by_role("button", name="Schedule", exact=True)
    tab_to(page, schedule)
    page.keyboard.press("Enter")

    scheduled = dialog.get_by_text(SCHEDULED_AT)
    expect(scheduled).to_contain_text("08:00")
    expect(dialog.get_by_text("Change time")).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_visible()
    dialog.get_by_role("button", name="Close", exact=True).click()
    expect(page.get_by_role("region", name="Email history")).to_contain_text("Scheduled for")

    page.goto(f"{panel}/sent")
    row = page.get_by_role("row").filter(has_text=subject)
    expect(row.get_by_text("Scheduled", exact=True)).to_be_visible()  # the status badge
    expect(row.get_by_text(SCHEDULED_AT)).to_contain_text("08:00")
    row.get_by_text("Change time").click()
    row.get_by_label("New time").fill("09:30")
    row.get_by_role("button", name="Save time").click()
    expect(row.get_by_text(SCHEDULED_AT)).to_contain_text("09:30")

    row.get_by_role("button", name="Cancel").click()
    expect(row.get_by_text("Cancelled", exact=True)).to_be_visible()  # the badge followed
    expect(row.get_by_text("Cancelled.", exact=True)).to_be_visible()
    expect(row.get_by_role("button", name="Cancel")).to_have_count(0)
    assert [m for m in plain_smtp.messages if subject.encode() in m.data] == []


def test_send_later_fits_a_phone_and_passes_the_accessibility_checks(browser, panel,
                                                                     signed_in_state,
                                                                     plain_smtp):
    with sized_page(browser, "phone", signed_in_state) as page:
        use_smtp(page, panel, plain_smtp.port)
        page.goto(f"{panel}/documents/sales-orders/")
        page.get_by_role("link", name="SO-0001", exact=True).click()
        page.wait_for_load_state("load")  # htmx wires the Email button (see open_document)
        page.get_by_role("button", name="Email", exact=True).click()
        dialog = page.get_by_role("dialog", name=re.compile("Email Sales Order SO-0001"))
        dialog.get_by_label("Send later").check()
        dialog.get_by_role("button", name="Monday 8:00").click()
        expect(dialog.get_by_label("Time", exact=True)).to_have_value("08:00")
        expect(dialog.get_by_role("button", name="Schedule", exact=True)).to_be_in_viewport()
        fits_the_width(page, "phone")
        assert small_targets(page) == []
        assert axe_violations(page) == []

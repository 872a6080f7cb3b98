"""Make an invoice recur in a real browser: from its page by the keyboard alone (a mistake is
named at its field), then Pause, Resume and End on the list of schedules; and the Repeat page
and the list at a phone's width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import open_document, sign_in
from tests.e2e.screens import axe_violations, fits_the_width, sized_page, small_targets

pytestmark = pytest.mark.e2e


def tab_to(page: Page, target: Locator, most: int = 25) -> None:
    """Press Tab until `target` has the focus (it must come within `most` presses)."""
    for _ in range(most):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    expect(target).to_be_focused()


def retype(page: Page, text: str) -> None:
    """Replace the focused box's text by typing."""
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_make_an_invoice_recur_by_keyboard_then_pause_resume_and_end(page: Page, panel,
                                                                     first_admin):
    sign_in(page, panel)
    open_document(page, panel, "INV-0002")
    repeat = page.get_by_role("link", name="Repeat", exact=True)
    tab_to(page, repeat)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/repeat$"))
    expect(page.get_by_role("heading", name="Repeat Invoice INV-0002")).to_be_visible()

    tab_to(page, page.get_by_label("Repeat every"))
    retype(page, "1")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Weeks or months")).to_be_focused()
    tab_to(page, page.get_by_label("On day of the month"))
    retype(page, "32")  # a mistake, named at its field
    tab_to(page, page.get_by_role("button", name="Make it repeat"))
    page.keyboard.press("Enter")
    error = page.locator("#day_of_month-error")
    expect(error).to_contain_text("Enter a day from 1 to 31")
    expect(page.get_by_role("alert")).to_contain_text("Not saved")
    expect(page.get_by_label("On day of the month")).to_have_attribute("aria-invalid", "true")

    tab_to(page, page.get_by_label("On day of the month"))
    retype(page, "31")
    tab_to(page, page.get_by_label("Email it"))  # a radio group takes one Tab stop
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Leave it as a draft")).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Make it repeat"))
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/documents/recurring/$"))
    expect(page.get_by_text(re.compile(r"INV-0002 now repeats: every month on day 31"))) \
        .to_be_visible()
    row = page.get_by_role("row").filter(has_text="INV-0002")
    expect(row).to_contain_text("Every month on day 31")
    pause = row.get_by_role("button", name="Pause")
    tab_to(page, pause, most=60)
    page.keyboard.press("Enter")
    row = page.get_by_role("row").filter(has_text="INV-0002")
    expect(row.get_by_role("cell", name="Paused")).to_be_visible()
    resume = row.get_by_role("button", name="Resume")
    tab_to(page, resume, most=60)
    page.keyboard.press("Enter")
    row = page.get_by_role("row").filter(has_text="INV-0002")
    expect(row.get_by_role("button", name="Pause")).to_be_visible()

    open_document(page, panel, "INV-0002")
    expect(page.get_by_role("note").filter(has_text="Repeats every month on day 31; next on")) \
        .to_be_visible()
    page.goto(f"{panel}/")
    expect(page.get_by_role("region", name="Recurring documents next")).to_contain_text(
        "INV-0002")

    page.goto(f"{panel}/documents/recurring/")
    row = page.get_by_role("row").filter(has_text="INV-0002")
    end = row.get_by_role("button", name="End")
    tab_to(page, end, most=60)
    page.keyboard.press("Enter")
    row = page.get_by_role("row").filter(has_text="INV-0002")
    expect(row.get_by_role("cell", name="Ended")).to_be_visible()
    expect(row.get_by_role("button")).to_have_count(0)


def test_the_repeat_page_and_the_schedules_fit_a_phone_and_pass_the_accessibility_checks(
        browser, panel, signed_in_state):
    with sized_page(browser, "phone", signed_in_state) as page:
        page.goto(f"{panel}/documents/invoices/?q=INV-0001")
        page.get_by_role("link", name="INV-0001", exact=True).click()
        page.get_by_role("link", name="Repeat", exact=True).click()
        page.wait_for_url(re.compile(r"/repeat$"))
        page.get_by_label("Weeks or months").select_option("week")
        page.get_by_label("After a number of documents").check()
        page.get_by_label("Number of documents", exact=True).fill("3")
        page.get_by_label("Leave it as a draft").check()
        fits_the_width(page, "phone")
        assert small_targets(page) == []
        assert axe_violations(page) == []
        page.get_by_role("button", name="Make it repeat").click()
        page.wait_for_url(re.compile(r"/documents/recurring/$"))
        row = page.get_by_role("row").filter(has_text="INV-0001")
        expect(row).to_contain_text("Every week, 3 in all")
        fits_the_width(page, "phone")
        assert small_targets(page) == []
        assert axe_violations(page) == []
        row.get_by_role("button", name="End").click()
        expect(page.get_by_role("row").filter(has_text="INV-0001")
               .get_by_role("cell", name="Ended")).to_be_visible()

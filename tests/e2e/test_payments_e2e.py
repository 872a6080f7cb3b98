"""In a real browser: an overdue invoice is marked as paid in two parts (a too-large amount
is refused at its field), one payment is undone; an administrator sets the office's reminder
plan on a phone-sized screen, by keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_office_page, panel_app, sign_in
from tests.e2e.screens import SIZES
from tests.support.reminders import emailed_invoices
from webpanel.documents.models import Document
from webpanel.extensions import db

pytestmark = pytest.mark.e2e


@pytest.fixture
def overdue_invoice(instance, first_admin) -> str:
    """A $100 invoice the administrator emailed a month ago, due five days ago; its number."""
    app = panel_app(instance)
    [invoice_id] = emailed_invoices(app, [1], 1, due_in_days=-5)
    with app.app_context():
        number = db.session.get(Document, invoice_id).number
    app.extensions["webpanel.engine"].dispose()
    return number


def test_mark_an_overdue_invoice_paid_in_two_parts_then_undo_one(
        page: Page, panel, overdue_invoice):
    sign_in(page, panel)
    page.goto(f"{panel}/documents/invoices/")
    row = page.get_by_role("row").filter(
        has=page.get_by_role("link", name=overdue_invoice, exact=True))
    expect(row).to_contain_text("Overdue (5 days)")
    row.get_by_role("link", name=overdue_invoice, exact=True).click()
    payments = page.get_by_role("region", name="Payments")
    expect(payments.get_by_label("Amount paid")).to_have_value("100.00")
    payments.get_by_label("Amount paid").fill("150")
    payments.get_by_role("button", name="Mark as paid").click()
    expect(payments.get_by_text(re.compile(r"more than the \$100\.00 still due"))).to_be_visible()
    expect(payments.get_by_label("Amount paid")).to_have_attribute("aria-invalid", "true")
    payments.get_by_label("Amount paid").fill("40")
    payments.get_by_role("button", name="Mark as paid").click()
    expect(payments.get_by_text("Payment recorded.")).to_be_visible()
    expect(payments.locator("#payment-status")).to_have_text("Partly paid ($60.00 due)")
    expect(payments.get_by_label("Amount paid")).to_have_value("60.00")
    payments.get_by_role("button", name="Mark as paid").click()
    expect(payments.locator("#payment-status")).to_have_text("Paid")
    expect(payments.get_by_role("button", name="Mark as paid")).to_have_count(0)
    payments.get_by_role("button", name=re.compile(r"Undo the payment of \$60\.00")).click()
    expect(payments.locator("#payment-status")).to_have_text("Partly paid ($60.00 due)")
    page.goto(f"{panel}/documents/invoices/")
    expect(row).to_contain_text("Partly paid ($60.00 due)")


def test_set_the_reminder_plan_on_a_phone_by_keyboard(browser, panel, first_admin):
    context = browser.new_context(viewport=SIZES["phone"])
    page = context.new_page()
    try:
        sign_in(page, panel)
        page.get_by_role("button", name=re.compile("Menu")).click()
        open_office_page(page, "Payment reminders")
        expect(page.get_by_role("heading", name="Payment reminders")).to_be_visible()
        expect(page.get_by_label("Reminder 1: days from the due date")).to_have_value("-3")
        page.get_by_label("Reminder 3: days from the due date").focus()
        page.keyboard.press("Control+A")
        page.keyboard.type("10")
        page.keyboard.press("Tab")
        page.keyboard.press("Control+A")
        page.keyboard.type("5")  # Reminder 4 before Reminder 3: refused at its field
        page.get_by_label("Hour reminders go").select_option("9")
        page.get_by_label("Office time zone").select_option("Europe/Berlin")
        page.get_by_role("button", name="Save plan").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_text("Reminder 4 must come after Reminder 3")).to_be_visible()
        page.get_by_label("Reminder 4: days from the due date").fill("21")
        page.get_by_role("button", name="Save plan").click()
        expect(page.get_by_role("status").filter(has_text="4 reminder levels are active")
               ).to_be_visible()
        expect(page.get_by_text(re.compile(r"Reminder 3 10 days after the due date"))
               ).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_role("link", name="Edit the reminders' words on Email templates").click()
        expect(page.get_by_role("link", name="Reminder 1", exact=True)).to_have_attribute(
            "aria-current", "page")
    finally:
        context.close()

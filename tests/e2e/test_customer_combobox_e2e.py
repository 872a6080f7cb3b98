"""The Customer box of a new invoice, on a phone by keyboard alone: typing finds a customer,
or offers "Add new customer: <what was typed>", which opens the New customer fields with the
name filled in; the invoice is saved for the customer chosen or added."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.screens import fits_the_width, sized_page

pytestmark = pytest.mark.e2e


def test_type_to_find_a_customer_or_add_the_one_typed(browser, panel, signed_in_state):
    with sized_page(browser, "phone", signed_in_state) as page:
        page.goto(f"{panel}/documents/invoices/new")
        page.wait_for_load_state("load")
        box = page.get_by_role("combobox", name="Customer")
        new_customer = page.get_by_role("group", name="New customer")
        expect(new_customer).to_be_hidden()

        box.focus()
        page.keyboard.type("acme")
        expect(box).to_have_attribute("aria-expanded", "true")
        options = page.get_by_role("listbox").get_by_role("option")
        expect(options).to_have_text(["Acme Dental Practice", "Add new customer: acme"])
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        expect(box).to_have_value("Acme Dental Practice")
        expect(box).to_have_attribute("aria-expanded", "false")
        expect(new_customer).to_be_hidden()

        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type("Harbor Lights Ltd")
        page.keyboard.press("Escape")  # closes the list, nothing else
        expect(box).to_have_attribute("aria-expanded", "false")
        page.keyboard.press("ArrowUp")  # the last option: add what was typed
        expect(page.get_by_role("option", name="Add new customer: Harbor Lights Ltd")
               ).to_have_attribute("aria-selected", "true")
        page.keyboard.press("Enter")
        expect(new_customer).to_be_visible()
        expect(new_customer.get_by_label("Name", exact=True)).to_have_value("Harbor Lights Ltd")
        expect(new_customer.get_by_label("Email")).to_be_focused()
        page.keyboard.type("office@harborlights.example.net")
        fits_the_width(page, "phone")

        page.get_by_label("Description, item 1").fill("Harbour survey")
        page.get_by_label("Unit price, item 1").fill("250.00")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("heading", name="Invoice")).to_be_visible()
        expect(page.get_by_text("Harbor Lights Ltd").first).to_be_visible()
        expect(page.get_by_text("office@harborlights.example.net")).to_be_visible()

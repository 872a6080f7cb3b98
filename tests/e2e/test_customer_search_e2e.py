"""The Customer box of a new invoice in an office with more customers than the page lists: on a
phone, by keyboard alone, typing part of a name asks the server, the arrow keys and Enter pick
the customer, and the invoice is saved for them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    panel_app,
    served_panel,
    sign_in,
    write_instance_config,
)
from tests.e2e.screens import fits_the_width, sized_page
from webpanel.contacts.models import Contact
from webpanel.contacts.services import CHOICES_IN_PAGE
from webpanel.extensions import db

pytestmark = pytest.mark.e2e

WANTED = "Zephyr Harbour Works"  # sorts after every "Customer …": not in the page's list


@pytest.fixture(scope="module")
def crowded_panel(tmp_path_factory, test_ca, google_stand_in, microsoft_stand_in, browser):
    """A panel of its own with an administrator and more customers than a form lists."""
    instance = tmp_path_factory.mktemp("e2e-crowded-instance")
    write_instance_config(instance, google_stand_in, microsoft_stand_in)
    with served_panel(instance, test_ca) as url:
        page = browser.new_page()
        page.goto(url)
        page.get_by_label("Company name").fill("Crowded Office LLC")
        page.get_by_label("Email").fill(ADMIN_EMAIL)
        page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
        page.get_by_label("Password again").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Create").click()
        expect(page.get_by_role("heading", name="Your email")).to_be_visible()
        page.close()
        app = panel_app(instance)
        with app.app_context():
            db.session.add_all(Contact(kind="customer", name=name, contact_person="", email="",
                                       address="") for name in
                               [f"Customer {n:03d}" for n in range(CHOICES_IN_PAGE + 20)]
                               + [WANTED, "Zephyr Bakery"])
            db.session.commit()
        app.extensions["webpanel.engine"].dispose()
        yield url


def test_type_part_of_a_name_pick_it_by_keyboard_and_save(browser, crowded_panel):
    with sized_page(browser, "phone") as page:
        sign_in(page, crowded_panel)
        page.goto(f"{crowded_panel}/documents/invoices/new")
        page.wait_for_load_state("load")
        listed = page.locator("select[name=contact_id] option")
        expect(listed).to_have_count(2 + CHOICES_IN_PAGE)
        expect(page.get_by_text("Type part of its name to find it among all your customers."
                                )).to_be_visible()
        box = page.get_by_role("combobox", name="Customer")

        box.focus()
        page.keyboard.type("harbour")
        options = page.get_by_role("listbox").get_by_role("option")
        expect(options).to_have_text([WANTED, "Add new customer: harbour"])
        expect(box).to_have_attribute("aria-expanded", "true")
        page.keyboard.press("ArrowDown")
        expect(page.get_by_role("option", name=WANTED)).to_have_attribute("aria-selected",
                                                                          "true")
        page.keyboard.press("Enter")
        expect(box).to_have_value(WANTED)
        expect(box).to_have_attribute("aria-expanded", "false")
        expect(page.get_by_role("group", name="New customer")).to_be_hidden()
        fits_the_width(page, "phone")

        page.get_by_label("Description, item 1").fill("Harbour survey")
        page.get_by_label("Unit price, item 1").fill("250.00")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("heading", name="Invoice")).to_be_visible()
        expect(page.get_by_text(WANTED).first).to_be_visible()


def test_the_newest_words_win_and_escape_closes_the_list(browser, crowded_panel):
    with sized_page(browser, "phone") as page:
        sign_in(page, crowded_panel)
        page.goto(f"{crowded_panel}/documents/invoices/new")
        page.wait_for_load_state("load")
        box = page.get_by_role("combobox", name="Customer")
        box.focus()
        options = page.get_by_role("listbox").get_by_role("option")
        expect(options.first).to_have_text("Customer 000")  # the first ones by name
        page.keyboard.type("zephyr b")
        expect(options).to_have_text(["Zephyr Bakery", "Add new customer: zephyr b"])
        page.keyboard.press("Escape")
        expect(box).to_have_attribute("aria-expanded", "false")
        page.keyboard.press("ArrowUp")  # opens the list on the last option: add what was typed
        expect(page.get_by_role("option", name="Add new customer: zephyr b")
               ).to_have_attribute("aria-selected", "true")

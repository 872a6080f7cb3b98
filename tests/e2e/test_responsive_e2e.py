"""On a 390 x 844 phone and a 1366 x 768 laptop: no page scrolls sideways, each page's main
action is on screen without sideways scrolling, every control is at least 24 x 24 px, the menu
folds behind its button on a phone, and dialogs keep Send and Close in view."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.screens import (
    SCREENS,
    SIZES,
    fits_the_width,
    open_compose,
    reachable_without_sideways_scroll,
    sized_page,
    small_targets,
)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS, ids=lambda screen: screen.name)
def test_page_fits_and_its_main_action_is_reachable(screen, size, browser, panel,
                                                    signed_in_state, sample_urls):
    with sized_page(browser, size, signed_in_state if screen.signed_in else None) as page:
        page.goto(screen.url(panel, sample_urls))
        action = screen.main_action(page)
        expect(action).to_be_attached()
        fits_the_width(page, size)
        reachable_without_sideways_scroll(action)
        assert small_targets(page) == []


@pytest.mark.parametrize("size", SIZES)
def test_setup_page_fits(size, browser, empty_panel):
    with sized_page(browser, size) as page:
        page.goto(empty_panel)
        expect(page.get_by_role("heading", name="Create the first administrator")).to_be_visible()
        fits_the_width(page, size)
        reachable_without_sideways_scroll(page.get_by_role("button", name="Create"))
        assert small_targets(page) == []


def test_phone_menu_folds_behind_its_button(browser, panel, signed_in_state):
    with sized_page(browser, "phone", signed_in_state) as page:
        page.goto(f"{panel}/documents/invoices/")
        menu = page.get_by_role("button", name="Menu")
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(page.get_by_role("link", name="Sent mail")).to_be_hidden()
        expect(page.get_by_role("link", name="New invoice")).to_be_in_viewport()
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(page.get_by_role("link", name="Sent mail")).to_be_in_viewport(ratio=1)
        expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport(ratio=1)
        fits_the_width(page, "phone")
        page.get_by_role("link", name="Customers").focus()
        page.keyboard.press("Escape")
        expect(menu).to_be_focused()
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(page.get_by_role("link", name="Sent mail")).to_be_hidden()
        menu.click()
        page.get_by_role("link", name="Sent mail").click()
        expect(page.get_by_role("heading", name="Sent mail")).to_be_visible()


def test_desktop_shows_the_menu_without_a_button(browser, panel, signed_in_state):
    with sized_page(browser, "desktop", signed_in_state) as page:
        page.goto(f"{panel}/documents/invoices/")
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        expect(page.get_by_role("link", name="Sent mail")).to_be_in_viewport(ratio=1)
        expect(page.get_by_role("button", name="Sign out")).to_be_in_viewport(ratio=1)


def test_without_javascript_the_phone_menu_stays_open(browser, panel, signed_in_state):
    with sized_page(browser, "phone", signed_in_state, javascript=False) as page:
        page.goto(f"{panel}/documents/invoices/")
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        expect(page.get_by_role("link", name="Sent mail")).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        fits_the_width(page, "phone")


@pytest.mark.parametrize("size", SIZES)
def test_compose_dialog_keeps_send_and_close_in_view(size, browser, panel, signed_in_state,
                                                     sample_urls):
    with sized_page(browser, size, signed_in_state) as page:
        dialog = open_compose(page, panel, sample_urls["invoice"])
        send = dialog.get_by_role("button", name=re.compile("^(Send|Download draft)$"))
        close = dialog.get_by_role("button", name="Close")
        expect(send).to_be_in_viewport(ratio=1)
        expect(close).to_be_in_viewport(ratio=1)
        dialog.get_by_label("Message").fill("A longer message.\n" * 40)
        dialog.get_by_label("To").focus()
        expect(dialog.get_by_role("heading", name=re.compile("^Email Invoice"))).to_be_in_viewport()
        expect(send).to_be_in_viewport(ratio=1)
        expect(close).to_be_in_viewport(ratio=1)
        fits_the_width(page, size)
        assert small_targets(page) == []
        if size == "phone":  # the dialog is the whole screen
            box = dialog.bounding_box()
            assert (box["width"], box["height"]) == (390, 844)


@pytest.mark.parametrize("size", SIZES)
def test_send_test_dialog_keeps_send_and_close_in_view(size, browser, panel, signed_in_state):
    with sized_page(browser, size, signed_in_state) as page:
        page.goto(f"{panel}/users/1/email/smtp")
        page.get_by_role("button", name="Send Test").click()
        dialog = page.get_by_role("dialog", name="Send Test")
        expect(dialog.get_by_role("button", name="Send", exact=True)).to_be_in_viewport(ratio=1)
        expect(dialog.get_by_role("button", name="Close")).to_be_in_viewport(ratio=1)
        fits_the_width(page, size)
        assert small_targets(page) == []


def test_phone_invoice_lines_stack_and_add_item_focuses_the_new_line(browser, panel,
                                                                     signed_in_state):
    with sized_page(browser, "phone", signed_in_state) as page:
        page.goto(f"{panel}/documents/invoices/new")
        description = page.get_by_label("Description, item 1")
        quantity = page.get_by_label("Quantity, item 1")
        price = page.get_by_label("Unit price, item 1")
        expect(page.get_by_text("Unit price, item 1", exact=True)).to_be_visible()  # labels show
        assert quantity.bounding_box()["y"] > description.bounding_box()["y"] + 20  # stacked
        assert price.bounding_box()["x"] + price.bounding_box()["width"] <= 390
        page.get_by_role("button", name="Add item").click()
        expect(page.get_by_label("Description, item 2")).to_be_focused()
        expect(page.get_by_label("Description, item 2")).to_be_in_viewport()
        fits_the_width(page, "phone")


def test_phone_lists_become_labelled_rows(browser, panel, signed_in_state):
    with sized_page(browser, "phone", signed_in_state) as page:
        page.goto(f"{panel}/documents/invoices/?q=INV-0001")
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name="INV-0001"))
        total = row.locator("td[data-label=Total]")
        row.scroll_into_view_if_needed()  # other tests may have added invoices above it
        expect(total).to_be_in_viewport()
        label = total.evaluate("cell => getComputedStyle(cell, '::before').content")
        assert label == '"Total"'
        expect(row.get_by_role("link", name=re.compile("^View PDF"))).to_be_in_viewport(ratio=1)


def test_the_laptop_menu_is_one_line_and_the_office_menu_works_by_keyboard(
        browser, panel, signed_in_state):
    with sized_page(browser, "desktop", signed_in_state) as page:
        page.goto(f"{panel}/documents/")
        nav = page.get_by_role("navigation", name="Main")
        tops = nav.locator(":scope > a, :scope > details > summary").evaluate_all(
            "items => items.map(item => Math.round(item.getBoundingClientRect().top))")
        assert len(tops) == 7 and len(set(tops)) == 1, tops  # Home … Email settings, Office
        header = page.locator("header.topbar").bounding_box()
        assert header["height"] < 60  # brand, menu and Sign out on one line
        office = nav.get_by_text("Office", exact=True)
        users = nav.get_by_role("link", name="Users")
        expect(users).to_be_hidden()
        office.focus()
        page.keyboard.press("Enter")
        expect(users).to_be_visible()
        page.keyboard.press("Escape")
        expect(users).to_be_hidden()
        expect(office).to_be_focused()
        page.keyboard.press("Enter")
        for _ in range(5):  # Company, Email templates, Payment reminders, Integrations, Users
            page.keyboard.press("Tab")
        expect(users).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
        expect(nav.get_by_text("Office", exact=True)).to_have_attribute("aria-current", "true")

"""A list's pages in a browser, on a phone and by keyboard: Next page and Previous page swap the
results in place, put the page's address in the history (?after= / ?before=, the search kept),
say how many match in the status region, and Back shows the page before."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import panel_app
from tests.e2e.screens import axe_violations, fits_the_width, sized_page, small_targets
from webpanel.contacts.models import Contact
from webpanel.extensions import db

pytestmark = pytest.mark.e2e


def add_customers(instance, tag: str, count: int) -> None:
    """Customers "`tag` 01" to "`tag` `count`"."""
    app = panel_app(instance)
    with app.app_context():
        db.session.add_all(Contact(kind="customer", name=f"{tag} {n:02d}", contact_person="",
                                   email="", address="") for n in range(1, count + 1))
        db.session.commit()
    app.extensions["webpanel.engine"].dispose()


def test_on_a_phone_by_keyboard_next_and_previous_page_walk_a_search(browser, panel, instance,
                                                                     signed_in_state):
    tag = f"Pager{secrets.token_hex(3)}"
    add_customers(instance, tag, 30)
    with sized_page(browser, "phone", signed_in_state) as page:
        page.goto(f"{panel}/customers/?q={tag}")
        page.wait_for_load_state("load")  # htmx is ready
        found = page.get_by_role("status").filter(has_text="found for")
        expect(found).to_have_text(f"30 customers found for “{tag}”")
        pages = page.get_by_role("navigation", name="Pages")
        expect(pages).to_contain_text("30 customers")
        expect(pages.get_by_role("link", name="Previous page")).to_have_count(0)
        expect(page.get_by_role("link", name=f"{tag} 25", exact=True)).to_be_visible()

        pages.get_by_role("link", name="Next page").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"after=\d+.*q={tag}|q={tag}.*after=\d+"))
        expect(page.get_by_role("link", name=f"{tag} 26", exact=True)).to_be_visible()
        expect(page.get_by_role("link", name=f"{tag} 25", exact=True)).to_have_count(0)
        expect(pages.get_by_role("link", name="Next page")).to_have_count(0)
        expect(found).to_have_text(f"30 customers found for “{tag}”")
        fits_the_width(page, "phone")
        assert small_targets(page) == []
        assert axe_violations(page) == []

        pages.get_by_role("link", name="Previous page").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"before=\d+"))
        expect(page.get_by_role("link", name=f"{tag} 01", exact=True)).to_be_visible()
        expect(page.get_by_role("link", name=f"{tag} 26", exact=True)).to_have_count(0)
        expect(pages.get_by_role("link", name="Previous page")).to_have_count(0)

        page.go_back()
        page.wait_for_url(re.compile(r"after=\d+"))
        expect(page.get_by_role("link", name=f"{tag} 30", exact=True)).to_be_visible()
        expect(page.get_by_role("link", name=f"{tag} 01", exact=True)).to_have_count(0)

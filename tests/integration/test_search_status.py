"""Searching a list: a screen reader hears one short sentence (a polite role=status region that
holds only it), never the whole table again: the results are not a live region."""

from __future__ import annotations

import re

from tests.conftest import Htmx
from tests.support.documents import add_contact
from webpanel.documents.sample import load_sample_data

LIVE = re.compile(r'aria-live=|role="(?:status|alert|log)"')
STATUS = re.compile(r'<p id="results-status"([^>]*)>(.*?)</p>', re.S)


def status_of(html: str) -> tuple[str, str]:
    """The status region's attributes and its content (exactly one region in the answer)."""
    [(attributes, content)] = STATUS.findall(html)
    return attributes, content


def results_section(html: str) -> str:
    return re.search(r'<section id="results"[^>]*>.*</section>', html, re.S).group(0)


def test_the_list_page_has_the_status_outside_the_results(app, user_client):
    with app.app_context():
        load_sample_data()
    html = user_client.get("/documents/invoices/").get_data(as_text=True)
    attributes, content = status_of(html)
    assert 'role="status"' in attributes and "hx-swap-oob" not in attributes
    assert re.fullmatch(r"\d+ invoices", content)
    section = results_section(html)
    assert "results-status" not in section and not LIVE.search(section)
    assert '<section id="results">' in html


def test_a_search_fills_the_status_with_only_the_count(app, user_client):
    with app.app_context():
        load_sample_data()
    hx = Htmx(user_client, "/documents/invoices/")
    everything = hx.get("/documents/invoices/").get_data(as_text=True)
    total = int(re.match(r"\d+", status_of(everything)[1]).group(0))
    html = hx.get("/documents/invoices/?q=INV-0001").get_data(as_text=True)
    attributes, content = status_of(html)
    assert 'hx-swap-oob="innerHTML"' in attributes  # into the region the page already has
    assert content == "1 invoice found for “INV-0001”"
    assert "INV-0001" in html and total > 1
    outside = STATUS.sub("", html)
    assert not LIVE.search(outside)  # the table that came with it is not live


def test_a_search_that_finds_nothing_says_so_in_the_status(app, user_client):
    add_contact(app, "Acme Dental Practice")
    hx = Htmx(user_client, "/customers/")
    assert status_of(hx.get("/customers/?q=acme").get_data(as_text=True))[1] == (
        "1 customer found for “acme”")
    assert status_of(hx.get("/customers/?q=nobody").get_data(as_text=True))[1] == (
        "No customers match “nobody”")
    page = user_client.get("/vendors/").get_data(as_text=True)
    assert status_of(page)[1] == "No vendors yet"
    assert not LIVE.search(results_section(page))

"""Answers, never 500s: ids of any size in any address answer 404 (signed in as an
administrator), in a form's select box they get a message; too many items are refused, not cut."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import Htmx
from tests.support.documents import add_contact, document_form, text_of
from webpanel.documents.models import Document, DocumentLine
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db

HUGE = ("18446744073709551616", "99999999999999999999", "9223372036854775808", "0" + "9" * 40,
        "1" * 5000, "2147483648", "99999999999999")  # the last two: past PostgreSQL's INTEGER
ID_CONVERTERS = ("id", "index")
NAMED = {"tab": "gmail", "provider": "google"}


def _path(rule: str, huge: str) -> str:
    """The rule with every id (and list position) replaced by `huge`, other parts filled in."""
    def value(match: re.Match) -> str:
        converter, name = match.group(1) or "", match.group(2)
        if converter in ID_CONVERTERS:
            return huge
        if converter.startswith("any("):
            return converter[4:].split(",")[0].strip(" '\")")
        return NAMED.get(name, "1")

    return re.sub(r"<(?:([^:>]+):)?([a-z_]+)>", value, rule)


def _id_rules(app) -> list:
    return [rule for rule in app.url_map.iter_rules()
            if any(type(conv).__name__ in {"IdConverter", "IndexConverter"}
                   for conv in rule._converters.values())]


@pytest.fixture
def hx(app, admin_client, admin_id):
    with app.app_context():
        load_sample_data()
    return Htmx(admin_client, f"/users/{admin_id}/email/general")


def test_no_route_takes_a_bare_integer(app):
    bare = [rule.rule for rule in app.url_map.iter_rules()
            if any(type(conv).__name__ in {"IntegerConverter", "NumberConverter"}
                   for conv in rule._converters.values())]
    assert bare == []
    assert len(_id_rules(app)) >= 25  # sent mail, documents, customers, users, Email tabs ...


def test_every_id_route_answers_404_for_ids_beyond_64_bits(app, hx):
    answers = {}
    for rule in _id_rules(app):
        for huge in HUGE:
            path = _path(rule.rule, huge)
            for method in sorted(rule.methods & {"GET", "POST"}):
                if method == "GET":
                    response = hx.client.get(path)
                else:
                    response = hx.post(path, {"to": "pat@example.org", "subject": "s"})
                answers[(method, path[:80])] = response.status_code
    assert answers and set(answers.values()) == {404}, {
        where: code for where, code in answers.items() if code != 404}


def test_the_answer_is_the_plain_not_found_page(hx, admin_id):
    response = hx.client.get("/sent/18446744073709551616")
    assert response.status_code == 404
    assert "This page does not exist" in response.get_data(as_text=True)
    assert hx.client.get("/documents/0").status_code == 404
    assert hx.client.get("/documents/1").status_code == 200  # ordinary ids still open
    assert hx.client.get(f"/users/{admin_id}/email/general").status_code == 200


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("rows, split", [(10_000, "several documents"), (101, "two documents")])
def test_more_items_than_a_document_takes_are_refused_not_cut(app, user_client, rows, split):
    customer = add_contact(app, "Zoë Müller")
    hx = Htmx(user_client, "/documents/invoices/new")
    lines = [(f"Item {n}", "1", "2.50") for n in range(rows)]
    response = hx.post("/documents/invoices/new", document_form(customer, lines=lines))
    assert response.status_code == 422
    assert (f"A document has at most 100 items; this one has {rows:,}. Split it into {split}."
            in text_of(response))
    assert _count(app, Document) == 0 and _count(app, DocumentLine) == 0


def test_a_document_of_exactly_100_items_is_saved(app, user_client):
    customer = add_contact(app, "Zoë Müller")
    hx = Htmx(user_client, "/documents/invoices/new")
    lines = [(f"Item {n}", "1", "2.50") for n in range(100)]
    response = hx.post("/documents/invoices/new", document_form(customer, lines=lines))
    assert response.status_code in (200, 302)
    assert _count(app, DocumentLine) == 100


@pytest.mark.parametrize("huge", ["18446744073709551616", "9" * 5000, "-1", "1e3"])
def test_a_huge_customer_id_in_the_form_gets_a_message(app, user_client, huge):
    add_contact(app, "Zoë Müller")
    hx = Htmx(user_client, "/documents/invoices/new")
    response = hx.post("/documents/invoices/new", document_form(huge))
    assert response.status_code == 422
    assert "Choose a customer from the list." in text_of(response)

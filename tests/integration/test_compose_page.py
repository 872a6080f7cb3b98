"""The Email button works before htmx is ready: without htmx, Email opens a page of its own
with the compose form, which sends and shows the result on a page too; with htmx, the dialog."""

from __future__ import annotations

import email
import re
from email import policy

import pytest
from sqlalchemy import select

from tests.support.documents import text_of
from tests.support.sam_variants import sam_on_smtp  # noqa: F401  (the sam fixture)
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.outbox.models import Message


@pytest.fixture
def invoice(app, sam) -> tuple[int, str]:
    """The first sample invoice's id and number."""
    with app.app_context():
        document = db.session.scalars(select(Document).where(Document.kind == "invoice")
                                      .order_by(Document.id)).first()
        return document.id, document.number


def page_fields(html: str) -> dict[str, str]:
    """What the compose form on a page would post, as a browser reads it."""
    fields = {}
    for name in ("to", "subject", "idempotency_key"):
        match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
        fields[name] = match.group(1).replace("&amp;", "&").replace("&#39;", "'")
    fields["body"] = re.search(r'<textarea[^>]*name="body"[^>]*>\r?\n?(.*?)</textarea>',
                               html, re.S).group(1).replace("&#39;", "'")
    return fields


def test_the_email_buttons_work_without_htmx(sam, invoice):
    document_id, number = invoice
    html = sam.client.get(f"/documents/{document_id}").get_data(as_text=True)
    form = re.search(r'<form[^>]*method="get"[^>]*action="([^"]+)"[^>]*>\s*'
                     r'<button type="submit"[^>]*>Email</button>', html)
    assert form and form.group(1) == f"/documents/{document_id}/email"
    listing = sam.client.get("/documents/invoices/").get_data(as_text=True)
    row = re.search(r'<form class="inline" method="get" action="([^"]+)"[^>]*><button '
                    rf'type="submit" class="link">Email<span class="visually-hidden"> {number}',
                    listing)
    assert row and row.group(1) == f"/documents/{document_id}/email"


def test_without_htmx_email_opens_a_whole_page_with_the_form(sam, invoice):
    document_id, number = invoice
    response = sam.client.get(f"/documents/{document_id}/email")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith("<!doctype html>")
    assert f"<h1>Email Invoice {number}</h1>" in html and "<dialog" not in html
    assert 'nav aria-label="Main"' in html  # the panel's own page, with its menu
    assert re.search(rf'<form id="compose-form" method="post" action="/documents/{document_id}'
                     r'/email"', html)
    assert f"Back to Invoice {number}" in text_of(response)
    assert page_fields(html)["to"]  # prefilled like the dialog


def test_with_htmx_email_still_answers_with_the_dialog(sam, invoice):
    html = sam.get(f"/documents/{invoice[0]}/email").get_data(as_text=True)
    assert html.lstrip().startswith("<dialog") and "<html" not in html


def test_the_page_sends_and_shows_sent_on_a_page(app, sam, invoice, plain_smtp):
    document_id, number = invoice
    fields = page_fields(sam.client.get(f"/documents/{document_id}/email").get_data(True))
    response = sam.post(f"/documents/{document_id}/email",
                        {**fields, "subject": "Sent from the page"}, htmx=False)
    assert response.status_code == 200
    text = text_of(response)
    assert "<!doctype html>" in response.get_data(as_text=True)
    assert "Sent." in text and f"Back to Invoice {number}" in text
    assert "Open in Sent mail" in text
    [received] = plain_smtp.wait_for_messages(1)
    parsed = email.message_from_bytes(received.data, policy=policy.default)
    assert parsed["Subject"] == "Sent from the page"
    with app.app_context():
        [record] = db.session.scalars(select(Message)).all()
        assert record.status == "sent"


def test_a_mistake_on_the_page_comes_back_as_the_page_with_the_field_marked(sam, invoice,
                                                                            plain_smtp):
    document_id, _number = invoice
    fields = page_fields(sam.client.get(f"/documents/{document_id}/email").get_data(True))
    response = sam.post(f"/documents/{document_id}/email", {**fields, "to": "not an address"},
                        htmx=False)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.lstrip().startswith("<!doctype html>")
    assert "Not sent: fix the fields marked in red." in text_of(response)
    assert re.search(r'name="to"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*name="to"',
                     html)
    assert plain_smtp.messages == []

"""Sam's office, shared by the sending tests: the sample documents, Sam signed in and sending
through the local SMTP server (the `sam` fixtures), and helpers to compose, send and read back.

`office` and `sam` are fixtures for every test (tests/conftest.py loads this module as a
plugin); a module whose Sam is set up otherwise imports one of `tests.support.sam_variants`.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.conftest import Htmx
from webpanel.documents.models import Document
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db
from webpanel.outbox.models import Message

SIGNATURE = "Sam Søren\nAcme Supplies"


@pytest.fixture
def office(app):
    """Sample customers, vendors and documents of every kind."""
    with app.app_context():
        load_sample_data()
    return app


@pytest.fixture
def sam(office, user_client, user_id, plain_smtp):
    """Sam, signed in, sending through the local SMTP server (General: Sam Søren, Auto BCC
    Self, a signature)."""
    hx = Htmx(user_client, f"/users/{user_id}/email/general")
    hx.post(f"/users/{user_id}/email/general", {
        "display_name": "Sam Søren", "address": "sam@example.com", "auto_bcc_self": "y",
        "signature": SIGNATURE})
    hx.post(f"/users/{user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(plain_smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})
    hx.user_id, hx.smtp = user_id, plain_smtp
    return hx


def first_document(app, kind: str) -> SimpleNamespace:
    """The first document of a kind, as plain values a test can keep."""
    with app.app_context():
        document = db.session.scalars(select(Document).where(Document.kind == kind)
                                      .order_by(Document.id)).first()
        contact = SimpleNamespace(email=document.contact.email, name=document.contact.name)
        return SimpleNamespace(id=document.id, number=document.number, total=document.total,
                               contact=contact)


def compose(hx, document_id: int) -> dict:
    """Open the Email dialog and read back what it is prefilled with."""
    html = hx.get(f"/documents/{document_id}/email").get_data(as_text=True)
    fields = {}
    for name in ("to", "cc", "bcc", "subject", "idempotency_key"):
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
            rf'value="([^"]*)"[^>]*name="{name}"', html)
        fields[name] = match.group(1) if match else ""
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\r?\n?(.*?)</textarea>', html, re.S)
    fields["body"] = body.group(1) if body else ""
    fields["_html"] = html
    return {k: v.replace("&amp;", "&").replace("&#39;", "'") for k, v in fields.items()}


def send(hx, document_id: int, **changes) -> str:
    """Send a document from its Email dialog, with `changes` to the prefilled fields."""
    fields = compose(hx, document_id)
    fields.pop("_html")
    fields.update(changes)
    return hx.post(f"/documents/{document_id}/email", fields).get_data(as_text=True)


def messages(app) -> list[Message]:
    """Every message record, oldest first."""
    with app.app_context():
        return list(db.session.scalars(select(Message).order_by(Message.id)))

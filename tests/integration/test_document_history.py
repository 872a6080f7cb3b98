# ruff: noqa: F811  (the Sent-mail tests' fixtures are imported and used by name)
"""Each document's email history, its status in the list, and the warning when a sent one is
edited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import Htmx, sign_in
from tests.support.documents import text_of
from tests.support.office import first_document, messages, send


def test_the_document_page_lists_each_send_with_a_link_and_retry(sam, office):
    invoice = first_document(office, "invoice")
    assert "Not emailed yet." in text_of(sam.client.get(f"/documents/{invoice.id}"))
    sam.smtp.stop()
    assert "Not sent" in send(sam, invoice.id)
    sam.smtp.start()
    assert "Sent." in send(sam, invoice.id)
    page = sam.client.get(f"/documents/{invoice.id}").get_data(as_text=True)
    failed, sent = messages(office)
    history = text_of(sam.client.get(f"/documents/{invoice.id}")).split("Email history")[1]
    assert history.count(invoice.contact.email) == 2 and history.count("sam@example.com") == 2
    assert "SMTP Sent" in history and "SMTP Failed" in history
    assert f'href="/sent/{sent.id}"' in page and f'href="/sent/{failed.id}"' in page
    assert page.count(f'hx-post="/sent/{failed.id}/retry"') == 1
    assert f'/sent/{sent.id}/retry' not in page
    retried = sam.post(f"/sent/{failed.id}/retry", {}).get_data(as_text=True)
    assert "Sent." in retried


def test_a_message_waiting_for_its_automatic_retry_shows_in_the_history_with_retry(
        sam, office):
    from datetime import timedelta

    from sqlalchemy import update

    from webpanel.database import utcnow
    from webpanel.extensions import db
    from webpanel.outbox.models import Message
    invoice = first_document(office, "invoice")
    sam.smtp.stop()
    send(sam, invoice.id)
    [record] = messages(office)
    with office.app_context():  # as a worker leaves a failure that may pass
        db.session.execute(update(Message).values(status="queued",
                                                  due_at=utcnow() + timedelta(minutes=5)))
        db.session.commit()
    response = sam.client.get(f"/documents/{invoice.id}")
    assert response.status_code == 200
    history = text_of(response).split("Email history")[1]
    assert "SMTP Queued" in history
    assert f'hx-post="/sent/{record.id}/retry"' in response.get_data(as_text=True)
    assert sam.get(f"/documents/{invoice.id}/emails").status_code == 200


def test_the_list_shows_each_documents_status_and_an_email_action(sam, office):
    invoice = first_document(office, "invoice")
    listing = sam.client.get("/documents/invoices/").get_data(as_text=True)
    assert "Not sent" in text_of(sam.client.get("/documents/invoices/"))
    assert f'hx-get="/documents/{invoice.id}/email"' in listing
    send(sam, invoice.id)
    row = re.search(rf'<tr>(?:(?!</tr>).)*?<a href="/documents/{invoice.id}">.*?</tr>',
                    sam.client.get("/documents/invoices/").get_data(as_text=True), re.S)
    assert ">Sent<" in row.group(0)


def test_another_person_sees_the_send_but_cannot_open_it(sam, office, app, make_user):
    invoice = first_document(office, "invoice")
    send(sam, invoice.id)
    [record] = messages(office)
    make_user("lee@example.com")
    lee = app.test_client()
    sign_in(lee, "lee@example.com")
    page = lee.get(f"/documents/{invoice.id}").get_data(as_text=True)
    assert "sam@example.com" in text_of(lee.get(f"/documents/{invoice.id}"))
    assert f'href="/sent/{record.id}"' not in page
    assert lee.get(f"/sent/{record.id}").status_code == 404


def test_editing_a_sent_document_warns_that_the_customer_has_the_earlier_version(sam, office):
    invoice = first_document(office, "invoice")
    assert "already emailed" not in text_of(sam.client.get(f"/documents/{invoice.id}/edit"))
    send(sam, invoice.id)
    assert "has the earlier version" in text_of(sam.client.get(f"/documents/{invoice.id}/edit"))


def test_the_next_email_carries_the_edited_pdf(sam, office):
    import email
    from email import policy

    from tests.support.documents import document_form
    invoice = first_document(office, "invoice")
    send(sam, invoice.id)
    edit = Htmx(sam.client, f"/documents/{invoice.id}/edit")
    from webpanel.documents.models import Document
    from webpanel.extensions import db
    with office.app_context():
        contact_id = db.session.get(Document, invoice.id).contact_id
    saved = edit.post(f"/documents/{invoice.id}/edit",
                      document_form(contact_id, lines=(("Extra work", "2", "500.00"),)))
    assert saved.status_code in (200, 302, 303)
    send(sam, invoice.id)
    first, second = (email.message_from_bytes(m.data, policy=policy.default)
                     for m in sam.smtp.wait_for_messages(2))
    [old], [new] = list(first.iter_attachments()), list(second.iter_attachments())
    assert old.get_content() != new.get_content()
    assert new.get_content() == sam.client.get(f"/documents/{invoice.id}/pdf").data


@pytest.mark.sqlite_only("only SQLite gives a deleted row's id to a new one")
def test_a_new_document_never_shows_a_deleted_ones_history(sam, office):
    from tests.support.documents import document_form
    from webpanel.documents.models import Document
    from webpanel.extensions import db
    invoice = first_document(office, "invoice")
    with office.app_context():
        contact_id = db.session.get(Document, invoice.id).contact_id
    hx = Htmx(sam.client, "/documents/invoices/new")
    hx.post("/documents/invoices/new", document_form(contact_id))
    with office.app_context():
        newest = db.session.scalars(select(Document).order_by(Document.id.desc())).first()
        newest_id, newest_number = newest.id, newest.number
    send(sam, newest_id)
    sam.post(f"/documents/{newest_id}/delete", {}, htmx=False)
    hx.post("/documents/invoices/new", document_form(contact_id))
    with office.app_context():
        again = db.session.scalars(select(Document).order_by(Document.id.desc())).first()
        assert again.number != newest_number
        again_id = again.id
    assert again_id == newest_id  # SQLite gave the deleted id to the new document
    page = text_of(sam.client.get(f"/documents/{again_id}"))
    assert "Not emailed yet." in page
    row = re.search(rf'<tr>(?:(?!</tr>).)*?<a href="/documents/{again_id}">.*?</tr>',
                    sam.client.get("/documents/invoices/").get_data(as_text=True), re.S)
    assert "Not sent" in row.group(0)

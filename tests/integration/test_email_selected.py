"""Email selected: the documents list's checkboxes open one dialog that says how many go to whom
with which template; Send queues each document as its own message (its own PDF, its kind's
template filled for its contact) through the outbox to a real local SMTP server; a contact
without an email address is listed, never silently skipped; pressing Send twice (a double
click, the same dialog in two tabs) queues each document once; failures are listed with
Retry; a company without a name or a person whose email is not set up is refused plainly
before anything is queued."""

from __future__ import annotations

import datetime
import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import Htmx, sign_in
from tests.support.documents import text_of
from tests.support.office import SIGNATURE
from webpanel.bulkmail import selection
from webpanel.bulkmail import services as batches
from webpanel.bulkmail.models import Batch, BatchItem
from webpanel.company.services import get_company
from webpanel.contacts.models import Contact
from webpanel.database import utcnow
from webpanel.documents import services as documents
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.mailtemplates import services as templates
from webpanel.outbox.models import Message
from webpanel.settings.models import EmailSettings

KEY_RE = re.compile(r'name="key" value="([^"]+)"')
CONFIRM = "/documents/email-selected"


def add_invoices(app, count: int, email: str = "") -> list[int]:
    """`count` invoices, each for a customer of its own (Customer 1 … at c1@example.org …)."""
    ids = []
    with app.app_context():
        for n in range(1, count + 1):
            contact = Contact(kind="customer", name=f"Customer {n}", contact_person=f"Pat {n}",
                              email=email or f"c{n}@example.org", address="")
            document = Document(kind="invoice", contact=contact, date=datetime.date.today(),
                                tax_rate=Decimal("0"))
            db.session.add(contact)
            documents.set_items(document, [("Work", Decimal(1), Decimal(100 + n))])
            documents.number_document(document)
            db.session.flush()
            ids.append(document.id)
        db.session.commit()
    return ids


def numbers(app, ids: list[int]) -> dict[int, str]:
    with app.app_context():
        return {d.id: d.number for d in db.session.scalars(
            select(Document).where(Document.id.in_(ids)))}


def open_dialog(hx, ids) -> tuple[str, str]:
    """The dialog's text and its key."""
    response = hx.get(CONFIRM + "?" + "&".join(f"ids={i}" for i in ids))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    match = KEY_RE.search(html)
    return text_of(response), match.group(1) if match else ""


def press_send(hx, key: str, ids):
    return hx.post(CONFIRM, {"key": key, "ids": [str(i) for i in ids]})


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_each_document_goes_as_its_own_message_with_its_pdf_and_template(app, sam):
    with app.app_context():
        template = templates.get_template("invoice")
        templates.save_template(template, "Invoice {{ document.number }} for {{ contact.name }}",
                                "Dear {{ contact.person }}, here is {{ document.number }}.",
                                "", "")
    ids = add_invoices(app, 5)
    labels = numbers(app, ids)
    text, key = open_dialog(sam, ids)
    assert "5 emails, one for each document, each with its own PDF." in text
    assert "the Invoice email template (5)" in text and "From Sam Søren <sam@example.com>" in text
    assert f"Invoice {labels[ids[2]]} for Customer 3" in text and "<c3@example.org>" in text

    response = press_send(sam, key, ids)
    assert response.status_code == 200
    assert "Finished: 5 of 5 sent." in text_of(response)
    received = sam.smtp.wait_for_messages(5)
    assert len(received) == 5
    assert all("sam@example.com" in m.rcpt_tos for m in received)  # Sam's Auto BCC Self
    by_recipient = {m.parsed()["To"]: m.parsed() for m in received}
    for n, document_id in enumerate(ids, start=1):
        message = by_recipient[f"c{n}@example.org"]
        assert message["Subject"] == f"Invoice {labels[document_id]} for Customer {n}"
        text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
        assert f"Dear Pat {n}, here is {labels[document_id]}." in text
        assert SIGNATURE in text  # from Sam's own settings, like the Email dialog
        assert message["From"] == "Sam Søren <sam@example.com>"
        pdfs = [part for part in message.iter_attachments()
                if part.get_content_type() == "application/pdf"]
        assert len(pdfs) == 1 and labels[document_id] in pdfs[0].get_filename()
        assert pdfs[0].get_content().startswith(b"%PDF-")
    with app.app_context():  # each in Sent mail and its document's history
        rows = db.session.scalars(select(Message).order_by(Message.id)).all()
        assert sorted(r.document_id for r in rows) == sorted(ids)
        assert {r.status for r in rows} == {"sent"}


def test_a_contact_without_an_email_address_is_listed_and_not_sent(app, sam):
    ids = add_invoices(app, 3)
    with app.app_context():
        contact = db.session.get(Document, ids[1]).contact
        contact.email = ""
        db.session.commit()
    missing = numbers(app, ids)[ids[1]]
    text, key = open_dialog(sam, ids)
    assert "2 emails, one for each document" in text
    assert "Not sent: no email address (1)" in text
    assert f"{missing}: Customer 2 has no email address. Add it" in text
    assert "Send 2 emails" in text

    result = text_of(press_send(sam, key, ids))
    assert "Finished: 2 of 3 sent, 1 not sent." in result
    assert f"{missing} Customer 2 Not sent Customer 2 has no email address" in result
    assert len(sam.smtp.wait_for_messages(2)) == 2
    with app.app_context():
        assert ids[1] not in db.session.scalars(select(Message.document_id)).all()
        item = db.session.scalar(select(BatchItem).where(BatchItem.document_id == ids[1]))
        assert item.message_id is None and "no email address" in item.reason


def test_a_double_click_queues_each_document_once(app, sam):
    ids = add_invoices(app, 3)
    _, key = open_dialog(sam, ids)
    first, second = press_send(sam, key, ids), press_send(sam, key, ids)
    assert first.status_code == second.status_code == 200
    assert "3 of 3 sent" in text_of(second)
    assert len(sam.smtp.wait_for_messages(3)) == 3
    assert count(app, Message) == 3 and count(app, Batch) == 1


def test_the_same_dialog_sent_from_two_tabs_at_once_queues_each_document_once(app, sam):
    ids = add_invoices(app, 4)
    _, key = open_dialog(sam, ids)
    tab = app.test_client()  # a second tab of the same person, its own session
    assert sign_in(tab, "sam@example.com").status_code == 302
    other = Htmx(tab, "/")
    answers = []
    start = threading.Barrier(2)

    def press(hx):
        start.wait()
        answers.append(press_send(hx, key, ids).status_code)

    threads = [threading.Thread(target=press, args=(hx,)) for hx in (sam, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200, 200]
    assert len(sam.smtp.wait_for_messages(4)) == 4
    assert count(app, Message) == 4 and count(app, Batch) == 1
    assert len(sam.smtp.messages) == 4


def test_failures_are_listed_with_retry_which_sends_them(app, sam):
    ids = add_invoices(app, 3)
    labels = numbers(app, ids)
    sam.smtp.refuse_recipients = {"c3@example.org"}  # refused for good: Retry cannot help
    _, key = open_dialog(sam, ids)
    sam.smtp.stop()  # the server is down: Retry helps once it is back
    response = press_send(sam, key, ids)
    html, text = response.get_data(as_text=True), text_of(response)
    assert "Finished: 0 of 3 sent, 3 failed." in text
    assert text.count("Failed") == 3
    assert f"Retry Invoice {labels[ids[0]]}" in text and f"Retry Invoice {labels[ids[1]]}" in text
    assert "Retry all 3 failed" in text
    assert 'hx-trigger="load' not in html  # nothing is pending: no more asking

    sam.smtp.start()
    batch_id = int(re.search(r"/email-batches/(\d+)/retry", html).group(1))
    with app.app_context():
        failed = db.session.scalars(select(Message.id).order_by(Message.id)).all()
    retried = sam.post(f"/email-batches/{batch_id}/retry", {"message": [str(i) for i in failed]})
    text = text_of(retried)
    assert "Finished: 2 of 3 sent, 1 failed." in text
    assert len(sam.smtp.wait_for_messages(2)) == 2
    assert f"Retry Invoice {labels[ids[2]]}" not in text  # the server refused it for good
    assert "c3@example.org" in text


def test_a_mix_of_kinds_uses_each_kinds_template(app, sam):
    with app.app_context():
        invoice, order = (db.session.scalars(select(Document).where(Document.kind == kind)
                                             .order_by(Document.id)).first()
                          for kind in ("invoice", "purchase_order"))
        ids, company = [invoice.id, order.id], get_company().name
        expected = {invoice.contact.email: f"Invoice {invoice.number} from {company}",
                    order.contact.email: f"Purchase order {order.number} from {company}"}
    text, key = open_dialog(sam, ids)
    assert "the Invoice email template (1), the Purchase Order email template (1)." in text
    assert "2 of 2 sent" in text_of(press_send(sam, key, ids))
    received = {m.parsed()["To"]: m.parsed()["Subject"] for m in sam.smtp.wait_for_messages(2)}
    assert received == expected


def test_a_company_without_a_name_refuses_the_whole_batch_before_anything_is_queued(app, sam):
    ids = add_invoices(app, 2)
    _, key = open_dialog(sam, ids)
    with app.app_context():
        get_company().name = ""
        db.session.commit()
    text, _ = open_dialog(sam, ids)
    assert "Nothing was sent. Your company has no name yet" in text and "Send 2" not in text
    response = press_send(sam, key, ids)
    assert response.status_code == 422
    assert "Ask an administrator to enter it on the Company page." in text_of(response)
    assert count(app, Message) == count(app, Batch) == 0 and sam.smtp.messages == []


def test_a_person_whose_email_is_not_set_up_is_refused_plainly(app, sam):
    ids = add_invoices(app, 2)
    _, key = open_dialog(sam, ids)
    with app.app_context():  # as before sending was ever set up
        db.session.get(EmailSettings, sam.user_id).smtp_server = ""
        db.session.commit()
    response = press_send(sam, key, ids)
    assert response.status_code == 422
    text = text_of(response)
    assert "Nothing was sent. Your email is not set up yet" in text
    assert "Set up sending on the SMTP tab" in text
    assert count(app, Message) == count(app, Batch) == 0


def test_a_failed_check_of_the_saved_settings_is_said_but_does_not_stop_the_batch(app, sam):
    ids = add_invoices(app, 2)
    with app.app_context():  # the last Save could not reach the server (it may be back now)
        settings = db.session.get(EmailSettings, sam.user_id)
        settings.smtp_check, settings.smtp_check_note = "failed", (
            "could not reach the server: Check the Port.")
        db.session.commit()
    text, key = open_dialog(sam, ids)
    assert "Your email is saved, not yet working: could not reach the server." in text
    assert "Send 2 emails" in text
    press_send(sam, key, ids)
    assert len(sam.smtp.wait_for_messages(2, timeout=10)) == 2  # the server was there after all


def test_email_client_is_refused_for_a_batch(app, sam):
    ids = add_invoices(app, 2)
    sam.post(f"/users/{sam.user_id}/email/smtp", {"send_using": "client"})
    text, _ = open_dialog(sam, ids)
    assert "Email selected needs the panel to send the emails itself" in text
    assert "Send 2" not in text


@pytest.mark.parametrize(("ids", "words"), [
    ([], "No document is selected."),
    (["abc"], "The selection could not be read."),
    (["99999999999999999999999"], "The selection could not be read."),
    ([str(n) for n in range(1, selection.MAX_DOCUMENTS + 2)],
     f"You selected {selection.MAX_DOCUMENTS + 1} documents; Email selected sends up to "
     f"{selection.MAX_DOCUMENTS} at once."),
])
def test_a_selection_that_cannot_be_sent_says_so_plainly(app, sam, ids, words):
    text, _ = open_dialog(sam, ids)
    assert words in text
    response = press_send(sam, "k" * 24, ids)
    assert response.status_code == 422 and words in text_of(response)
    assert count(app, Batch) == 0


def test_another_persons_batch_is_not_found(app, sam, admin_client):
    ids = add_invoices(app, 1)
    _, key = open_dialog(sam, ids)
    press_send(sam, key, ids)
    with app.app_context():
        batch_id = db.session.scalar(select(Batch.id))
    assert sam.get(f"/email-batches/{batch_id}").status_code == 200
    assert admin_client.get(f"/email-batches/{batch_id}").status_code == 404
    anna = Htmx(admin_client, "/")
    assert anna.post(f"/email-batches/{batch_id}/retry", {"message": "1"}).status_code == 404
    assert sam.get("/email-batches/99999999999999999999").status_code == 404


def test_the_list_has_labelled_boxes_select_all_and_email_selected(app, sam):
    page = sam.client.get("/documents/invoices/").get_data(as_text=True)
    number = numbers(app, [1, 2, 3, 4, 5, 6, 7, 8])
    invoice = next(n for n in number.values() if n.startswith("INV"))
    assert re.search(rf'<label for="pick-\d+"><span class="visually-hidden">Select {invoice}'
                     r"</span></label>", page)
    assert '<label for="select-all">Select all on this page</label>' in page
    assert 'role="status" data-selected-count' in page
    assert f'action="{CONFIRM}"' in page and ">Email selected</button>" in page


def test_a_document_deleted_after_it_was_selected_is_listed(app, sam):
    ids = add_invoices(app, 2)
    _, key = open_dialog(sam, ids)
    with app.app_context():
        documents.delete_document(db.session.get(Document, ids[0]))
    text = text_of(press_send(sam, key, ids))
    assert "Finished: 1 of 2 sent, 1 not sent." in text
    assert "A deleted document" in text and "this document was deleted after it was selected" \
        in text


def test_without_htmx_the_dialog_and_the_progress_are_pages(app, sam):
    ids = add_invoices(app, 2)
    query = "&".join(f"ids={i}" for i in ids)
    page = sam.client.get(f"{CONFIRM}?{query}")
    assert page.status_code == 200 and "<h1>Email selected documents</h1>" in page.get_data(
        as_text=True)
    key = KEY_RE.search(page.get_data(as_text=True)).group(1)
    response = sam.post(CONFIRM, {"key": key, "ids": [str(i) for i in ids]}, htmx=False)
    assert response.status_code == 303
    progress = sam.client.get(response.headers["Location"])
    assert "Finished: 2 of 2 sent." in text_of(progress)
    assert 'http-equiv="refresh"' not in progress.get_data(as_text=True)  # nothing pending


def test_the_region_asks_again_while_a_message_waits_and_says_only_what_changed(app, sam):
    ids = add_invoices(app, 2)
    _, key = open_dialog(sam, ids)
    press_send(sam, key, ids)
    with app.app_context():
        batch_id = db.session.scalar(select(Batch.id))
        waiting = db.session.scalars(select(Message).order_by(Message.id)).first()
        waiting.status = "queued"  # as if the worker had not taken it yet
        db.session.commit()
    html = sam.get(f"/email-batches/{batch_id}?said=").get_data(as_text=True)
    said = re.search(r"said=([0-9-]+)", html).group(1)
    assert said == "1-1-0-0" and 'hx-trigger="load delay:' in html
    assert 'id="bulk-announce" hx-swap-oob="innerHTML">Sending… 1 of 2 sent, 1 waiting.' in html
    again = sam.get(f"/email-batches/{batch_id}?said={said}").get_data(as_text=True)
    assert "bulk-announce" not in again  # nothing changed: nothing is said again
    page = sam.client.get(f"/email-batches/{batch_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page  # the page without htmx reloads until it ends
    with app.app_context():
        db.session.get(Message, waiting.id).status = "sent"
        db.session.commit()
    done = sam.get(f"/email-batches/{batch_id}?said={said}").get_data(as_text=True)
    assert "hx-trigger" not in done and ">Finished: 2 of 2 sent.</p>" in done


def test_the_same_selection_sent_from_two_windows_goes_once(app, sam):
    ids = add_invoices(app, 2)
    (_, first), (_, second) = open_dialog(sam, ids), open_dialog(sam, ids)  # two windows
    assert first != second
    assert "2 of 2 sent" in text_of(press_send(sam, first, ids))
    text = text_of(press_send(sam, second, ids))
    assert "Finished: 0 of 2 sent, 2 not sent." in text
    assert text.count("Not sent again: it went moments ago with another Email selected") == 2
    assert len(sam.smtp.wait_for_messages(2)) == 2 and count(app, Message) == 2


def test_documents_that_failed_in_an_earlier_batch_can_be_selected_again(app, sam):
    ids = add_invoices(app, 2)
    sam.smtp.refuse_recipients = {"c1@example.org", "c2@example.org"}
    _, key = open_dialog(sam, ids)
    assert "0 of 2 sent, 2 failed" in text_of(press_send(sam, key, ids))
    sam.smtp.refuse_recipients = set()
    _, key = open_dialog(sam, ids)
    assert "Finished: 2 of 2 sent." in text_of(press_send(sam, key, ids))


def test_a_batch_whose_queueing_stopped_midway_says_so_and_stops_asking(app, sam):
    ids = add_invoices(app, 2)
    with app.app_context():  # as if the web server had been stopped while queueing it
        document = db.session.get(Document, ids[0])
        batch = Batch(user_id=sam.user_id, key="k" * 24,
                      created_at=utcnow() - batches.STOPPED_AFTER - timedelta(seconds=1),
                      items=[BatchItem(position=0, document_id=document.id,
                                       document_label=document.label)])
        db.session.add(batch)
        db.session.commit()
        batch_id = batch.id
    html = sam.get(f"/email-batches/{batch_id}").get_data(as_text=True)
    assert "Finished: 0 of 1 sent, 1 not sent." in html and "hx-trigger" not in html
    assert "the panel stopped before it got to this one" in html

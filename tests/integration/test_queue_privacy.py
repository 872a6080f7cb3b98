"""The queue carries only a message's id: what a person sends (its bytes, recipients, subject)
and the password it goes with stay in the database, encrypted where they are secret. An app
that queues for a real worker (SQLite queue file in the instance folder), with none running."""

from __future__ import annotations

import pytest

from tests.support.office import first_document, messages, send
from webpanel import worker


@pytest.fixture
def app(make_app):
    """The panel queueing for a worker (not running each job where it is queued)."""
    return make_app(MAIL_TIMEOUT=2.0, WORKER_IMMEDIATE=False)


def test_a_queued_email_leaves_its_bytes_and_password_out_of_the_queue(sam, office,
                                                                        instance_dir):
    invoice = first_document(office, "invoice")
    html = send(sam, invoice.id, subject="Quarterly invoice for Zanzibar Trading")
    assert "Queued: it goes when the background worker runs." in html
    assert "flask --app wsgi worker" in html and not sam.smtp.messages
    [record] = messages(office)
    assert record.status == "queued"
    with office.app_context():
        assert worker.queue().pending_count() == 1
    stored = (instance_dir / worker.QUEUE_FILE).read_bytes()
    for private in (b"Zanzibar", invoice.contact.email.encode(), b"%PDF", b"secret",
                    b"sam@example.com"):
        assert private not in stored

"""A real background worker: key rotation reaches it (a `flask worker` that started under the
old key sends with a password re-encrypted under the new one, and keeps sending once `keys
rotate --finish` removed the old key, with no restart). Real worker process, real SMTP
server that checks the password."""

from __future__ import annotations

import pytest

from tests.support.office import first_document, messages, send
from tests.support.workers import wait_for, write_config
from webpanel import keys, worker
from webpanel.crypto import secret_box
from webpanel.extensions import db
from webpanel.settings.models import EmailSettings

SETTINGS = {"WORKER_HEARTBEAT": 0.2, "MAIL_TIMEOUT": 1.0, "WORKER_TIMEOUT": 3.5,
            "SEND_ATTEMPTS": 1}


@pytest.fixture
def app(make_app, instance_dir):
    """The panel queueing for a real worker; the worker reads the same settings."""
    write_config(instance_dir, **SETTINGS)
    return make_app(WORKER_IMMEDIATE=False, **SETTINGS)


def finished(app) -> bool:
    """`keys rotate --finish`, once the new key is old enough."""
    with app.app_context():
        try:
            keys.finish(app)
        except keys.RotationTooSoon:
            return False
    return True


def test_the_worker_follows_a_rotated_key_without_a_restart(sam, office, start_worker):
    start_worker()
    wait_for(lambda: worker.running(office))
    invoice = first_document(office, "invoice")
    with office.app_context():
        before = db.session.get(EmailSettings, sam.user_id).smtp_password_enc
        assert keys.rotate_all(office)[0] >= 1
        assert db.session.get(EmailSettings, sam.user_id).smtp_password_enc != before
        assert secret_box().is_current(db.session.get(EmailSettings, sam.user_id)
                                       .smtp_password_enc)

    send(sam, invoice.id, subject="After the new key")
    [received] = sam.smtp.wait_for_messages(1, timeout=15)
    assert received.auth_user == "user"  # the worker read the password under the new key

    wait_for(lambda: finished(office), timeout=15)
    with office.app_context():
        assert secret_box().key_count == 1  # the old key is gone from the file
    send(sam, invoice.id, subject="After the old key was removed")
    assert len(sam.smtp.wait_for_messages(2, timeout=15)) == 2
    wait_for(lambda: all(m.status == "sent" for m in messages(office)))


"""After the send, in the tests: the IMAP settings as the SMTP tab saves them, the Sent folder
copy of a message, delivery reports as a receiving server writes them, and many messages with
their copies and a bounce, written at once (`add_messages`)."""

from __future__ import annotations

import email
import re
from email.utils import make_msgid

from sqlalchemy import select

from tests.support.office import first_document, send
from webpanel.bounces.models import BounceReport
from webpanel.extensions import db
from webpanel.mail import dsn
from webpanel.outbox.models import COPIED, FAILED, Message, MessageBody, SentCopy
from webpanel.settings import imap_settings as sentcopy
from webpanel.settings.models import EmailSettings

UNKNOWN = "550 5.1.1 <{0}>: Recipient address rejected: User unknown"


def imap_fields(dovecot, account, **changes) -> dict:
    """The IMAP section's fields for `account` at Dovecot (TLS); None leaves a field out."""
    fields = {"imap_enabled": "y", "imap_host": "localhost", "imap_port": str(dovecot.tls_port),
              "imap_security": "ssl", "imap_username": account.user,
              "imap_password": account.password, "imap_folder": ""}
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def save_imap(hx, dovecot, account, **changes):
    """Save the IMAP section of the SMTP tab."""
    return hx.post(f"/users/{hx.user_id}/email/imap", imap_fields(dovecot, account, **changes))


def copy_of(app, message_id: int) -> SentCopy | None:
    """The Sent copy record of a message, detached."""
    with app.app_context():
        record = db.session.get(SentCopy, message_id)
        if record is not None:
            db.session.expunge(record)
        return record


def last_message(app) -> tuple[Message, bytes]:
    """The newest message record (detached) and its MIME bytes."""
    with app.app_context():
        message = db.session.scalars(select(Message).order_by(Message.id.desc())).first()
        mime = db.session.scalar(select(MessageBody.mime)
                                 .where(MessageBody.message_id == message.id))
        db.session.expunge(message)
        return message, mime


def send_invoice(sam, app) -> tuple[Message, bytes]:
    """Send the first sample invoice; its record and MIME bytes."""
    send(sam, first_document(app, "invoice").id)
    return last_message(app)


def text_of(html: str) -> str:
    """The text of an HTML string, tags removed and spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def report(original: bytes, failed: str, *, envid: str | None = None, action: str = "failed",
           status: str = "5.1.1", diagnostic: str | None = None) -> bytes:
    """A delivery report as Postfix writes it: a text part, the status, the original headers."""
    headers = original.split(b"\r\n\r\n", 1)[0] + b"\r\n"
    diagnostic = UNKNOWN.format(failed) if diagnostic is None else diagnostic
    block = (b"Reporting-MTA: dns; mx.customer.example\r\n"
             + (f"Original-Envelope-Id: {envid}\r\n".encode() if envid else b"")
             + b"Arrival-Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\n"
             + f"Final-Recipient: rfc822; {failed}\r\nOriginal-Recipient: rfc822;{failed}\r\n"
               f"Action: {action}\r\nStatus: {status}\r\n"
               f"Diagnostic-Code: smtp; {diagnostic}\r\n".encode())
    return (b"From: MAILER-DAEMON@mail.example.com (Mail Delivery System)\r\n"
            b"To: sam@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            + f"Message-ID: {make_msgid()}\r\nMIME-Version: 1.0\r\n"
              "Content-Type: multipart/report; report-type=delivery-status;\r\n"
              ' boundary="BOUND"\r\n\r\n'.encode()
            + b"--BOUND\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you\r\n"
            + b"--BOUND\r\nContent-Type: message/delivery-status\r\n\r\n" + block
            + b"\r\n--BOUND\r\nContent-Type: text/rfc822-headers\r\n\r\n" + headers
            + b"\r\n--BOUND--\r\n")


def envid_of(data: bytes) -> str:
    """The ENVID the panel gave the message whose bytes are `data`."""
    return dsn.envid_for(email.message_from_bytes(data)["Message-ID"])


def set_up_imap(app, user_id: int, dovecot, account, password: str | None = None,
                port: int | None = None) -> None:
    """The person's IMAP settings, saved as the SMTP tab's section saves them (``port``: a
    proxy in front of Dovecot)."""
    with app.app_context():
        values = {"enabled": True, "host": "127.0.0.1", "port": port or dovecot.port,
                  "security": "none", "allow_self_signed": False, "same_as_smtp": False,
                  "username": account.user, "folder": ""}
        sentcopy.save(sentcopy.load(user_id), values, db.session.get(EmailSettings, user_id),
                      typed=password or account.password)


def add_messages(app, user_id: int, count: int, documents=()) -> list[int]:
    """`count` sent messages, about `documents` (id, label) in turn if given; every even one has
    a Sent folder copy, every third one failed; the second (or only) one bounced."""
    with app.app_context():
        about = [documents[n % len(documents)] if documents else (None, "")
                 for n in range(count)]
        messages = [Message(user_id=user_id, idempotency_key=f"k{n}", method="smtp",
                            status="sent", subject=f"Invoice {n}", to_addrs="ann@example.com",
                            document_id=about[n][0], document_label=about[n][1])
                    for n in range(count)]
        db.session.add_all(messages)
        db.session.flush()
        for n, message in enumerate(messages):
            if n % 2 == 0:
                state = FAILED if n % 3 == 0 else COPIED
                db.session.add(SentCopy(message_id=message.id, user_id=user_id, state=state,
                                        folder="Sent", reason="Mailbox is full"))
        db.session.add(BounceReport(message_id=messages[min(1, count - 1)].id, user_id=user_id,
                                    recipient="ann@example.com", action="failed",
                                    status="5.1.1", diagnostic="550 5.1.1 user unknown"))
        db.session.commit()
        return [m.id for m in messages]

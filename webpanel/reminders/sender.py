"""Sending the reminders due now, each level of each invoice once.

Every minute a worker claims the reminders due by inserting their rows (unique per invoice
and level, with the levels each passes over) and committing; a second worker's insert fails
and it moves on. Each claimed reminder is then its own job, so every worker thread renders
PDFs: the job records the message with the outbox under a key made of the reminder's id, so a
claim sent again (its job lost, its worker stopped) still gives one message.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from webpanel import sending, worker
from webpanel.database import utcnow
from webpanel.documents import services as documents
from webpanel.documents.models import Document
from webpanel.documents.pdf import PdfRenderError
from webpanel.extensions import db
from webpanel.mail.builder import Attachment, Draft
from webpanel.mailtemplates import services as templates
from webpanel.mailtemplates.kinds import reminder_key
from webpanel.outbox import services as outbox
from webpanel.payments import services as payments
from webpanel.reminders import ladder, plan
from webpanel.reminders.models import CLAIMED, FAILED, QUEUED, SKIPPED, Reminder
from webpanel.settings import services as settings_services
from webpanel.settings.models import EmailSettings
from webpanel.transactions import release

log = logging.getLogger(__name__)

#: The worker's job: every minute, and once as a worker starts (a day missed while no worker
#: ran is caught up then).
JOB = "reminders.send_due"
#: The job that records and queues one claimed reminder's message.
SEND_JOB = "reminders.send"
#: A claim still without its message after this long lost its job (or its worker stopped).
STALE_CLAIM = timedelta(minutes=10)
PASSED_OVER = "Passed over: a later reminder was already due when the worker ran."
PAID_MEANWHILE = "Not sent: the invoice was paid before it went."


def send_due() -> int:
    """Claim every reminder due now (the office's hour has come) and queue each one's job;
    how many this worker claimed."""
    schedule = plan.schedule()
    claimed = []
    if schedule.levels:
        for due in ladder.due_on(schedule, schedule.current_day(plan.now())):
            reminder_id = claim(due)
            if reminder_id is not None:
                claimed.append(reminder_id)
    release()  # no transaction stays open while the jobs are queued (or run, in a test)
    for reminder_id in claimed:
        worker.enqueue(SEND_JOB, reminder_id)
    resume_stale()
    return len(claimed)


def claim(due: ladder.Due) -> int | None:
    """Insert the reminder's row (and those it passes over); None when another worker did."""
    reminder = Reminder(document_id=due.document_id, level=due.level, due_on=due.due_on,
                        user_id=due.sender_id, status=CLAIMED)
    db.session.add_all([Reminder(document_id=due.document_id, level=level, due_on=day,
                                 status=SKIPPED, reason=PASSED_OVER)
                        for level, day in due.passed_over])
    db.session.add(reminder)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return reminder.id


def resume_stale() -> None:
    """Queue again the claims left without a message (the outbox's key makes a second
    recording of the same reminder return the first)."""
    ids = list(db.session.scalars(select(Reminder.id).where(
        Reminder.status == CLAIMED, Reminder.updated_at < utcnow() - STALE_CLAIM)))
    release()
    for reminder_id in ids:
        worker.enqueue(SEND_JOB, reminder_id)


def send_claimed(reminder_id: int) -> int:
    """Record and queue the claimed reminder's message; 1 when it was queued. A reminder
    that cannot be recorded ends "failed" with the reason, shown on the invoice."""
    reminder = db.session.get(Reminder, reminder_id)
    if reminder is None or reminder.status != CLAIMED:
        return 0  # sent already (a job queued twice), or its invoice deleted
    document = db.session.get(Document, reminder.document_id)
    if document is None or reminder.user_id is None:
        return _failed(reminder_id, "The invoice or its sender was deleted.")
    if payments.amount_due(document) <= 0:  # paid between the claim and this job
        return _failed(reminder_id, PAID_MEANWHILE, SKIPPED)
    settings = settings_services.load(reminder.user_id)
    try:
        message = outbox.send(settings, draft(document, settings, reminder.level),
                              f"reminder-{reminder_id}", (document.id, document.label))
    except outbox.NotReady as refused:
        return _failed(reminder_id, str(refused))
    except PdfRenderError:
        log.exception("PDF of invoice %s could not be rendered for a reminder", document.id)
        return _failed(reminder_id, "The invoice's PDF could not be made.")
    db.session.execute(update(Reminder).where(Reminder.id == reminder_id)
                       .values(message_id=message.id, status=QUEUED, updated_at=utcnow()))
    db.session.commit()
    return 1


def draft(document: Document, settings: EmailSettings, level: int) -> Draft:
    """The reminder as its sender would have written it: the level's template filled in and
    signed, to the customer (their default Cc and Bcc, the sender's Auto BCC Self), with the
    invoice's current PDF and the template's fixed files."""
    contact, key = document.contact, reminder_key(level)
    if not contact.email:
        raise outbox.NotReady(f"{contact.name} has no email address: add one on their page.")
    method = sending.METHODS.get(settings.send_using)
    if method is not None and not method.network:
        raise outbox.NotReady("The sender hands emails to their email client, so the panel "
                              "cannot send reminders in their name.")
    template, filled = templates.get_template(key), templates.fill_for(document, settings, key)
    own = settings.address if settings.auto_bcc_self else ""
    pdf, filename = documents.pdf_for(document)
    return Draft(from_name=settings.display_name, from_address=settings.address,
                 to=[contact.email], cc=_split(contact.default_cc),
                 bcc=_split(own, contact.default_bcc, template.bcc), subject=filled.subject,
                 text=templates.signed(filled.body, settings),
                 attachments=[Attachment(filename, "application/pdf", pdf),
                              *templates.attachments_of(key)],
                 reply_to=template.reply_to or settings.reply_to or "")


def _split(*lists: str) -> list[str]:
    return list(dict.fromkeys(a.strip() for value in lists for a in value.split(",")
                              if a.strip()))


def retry(reminder: Reminder) -> bool:
    """Send a reminder that failed before its message was recorded (no address, a PDF that
    could not be made) once more, through the worker: its claim is taken back with a
    compare-and-set, so two presses queue it once. False when it was not failed any more."""
    reminder_id = reminder.id
    taken = db.session.execute(update(Reminder).where(
        Reminder.id == reminder_id, Reminder.status == FAILED)
        .values(status=CLAIMED, reason="", updated_at=utcnow())).rowcount == 1
    db.session.commit()
    if taken:
        worker.enqueue(SEND_JOB, reminder_id)
        db.session.expire(reminder)  # the job may have moved it on already, in its own session
    return taken


def _failed(reminder_id: int, reason: str, status: str = FAILED) -> int:
    db.session.rollback()
    db.session.execute(update(Reminder).where(Reminder.id == reminder_id)
                       .values(status=status, reason=reason, updated_at=utcnow()))
    db.session.commit()
    return 0

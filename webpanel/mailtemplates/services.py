"""Loading, saving and filling in the templates; the fixed files of each kind."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import undefer

from webpanel.company.services import get_company
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.mail.attachments import safe_filename, sniff_type
from webpanel.mail.builder import SIGNATURE_SEPARATOR, Attachment
from webpanel.mailtemplates import render
from webpanel.mailtemplates.defaults import DEFAULT_BODIES, DEFAULT_SUBJECTS
from webpanel.mailtemplates.kinds import TEMPLATE_KINDS
from webpanel.mailtemplates.models import MailTemplate, TemplateFile
from webpanel.mailtemplates.values import sample_values, values_for
from webpanel.payments import services as payments

log = logging.getLogger(__name__)


def get_template(kind: str) -> MailTemplate:
    """The kind's template: the saved one, or the default (not yet saved)."""
    return db.session.get(MailTemplate, kind) or MailTemplate(
        kind=kind, subject=DEFAULT_SUBJECTS[kind], body=DEFAULT_BODIES[kind], bcc="",
        reply_to="")


def save_template(template: MailTemplate, subject: str, body: str, bcc: str,
                  reply_to: str) -> None:
    """Store a checked template."""
    template.subject, template.body = subject.strip(), body.replace("\r\n", "\n").strip()
    template.bcc, template.reply_to = bcc, reply_to
    db.session.add(template)
    db.session.commit()


def reset_template(kind: str) -> None:
    """Go back to the default subject and body (Bcc, Reply-To and files stay)."""
    template = get_template(kind)
    save_template(template, DEFAULT_SUBJECTS[kind], DEFAULT_BODIES[kind], template.bcc,
                  template.reply_to)


@dataclass(frozen=True)
class Filled:
    """A template filled in; `problem` tells the person writing why the default was used."""

    subject: str
    body: str
    problem: str = ""


def fill(template: MailTemplate, values: dict) -> Filled:
    """The subject and body for these values; a broken saved template falls back to the default.

    Templates are checked when saved, so the fallback only guards against rows saved before
    a check existed or changed behind the panel's back: sending never fails because of a
    template, and the person is told, so they read the text before sending.
    """
    try:
        subject = render.render(template.subject, values)
        body = render.render(template.body, values)
        problem = ""
    except render.TemplateProblem as error:
        log.warning("The %s email template cannot be used (%s); using the default",
                    template.kind, error)
        subject = render.render(DEFAULT_SUBJECTS[template.kind], values)
        body = render.render(DEFAULT_BODIES[template.kind], values)
        problem = unusable(template.kind, error)
    return Filled(" ".join(subject.split()), body.strip(), problem)


def unusable(kind: str, error: render.TemplateProblem) -> str:
    """What the Email dialog says when the kind's saved template could not be used."""
    return (f"The {TEMPLATE_KINDS[kind].title} email template could not be used "
            f"({error.summary}), so the default subject and text are filled in: read them "
            "before you send. An administrator can fix the template on the Email templates "
            "page.")


def fill_for(document: Document, sender, key: str | None = None) -> Filled:
    """The kind's template (or the template `key`, a reminder's) filled in for a document and
    its sender."""
    return fill(get_template(key or document.kind), document_values(document, sender))


def fill_all(documents: list[Document], sender) -> list[Filled]:
    """`fill_for` of each document, in order, reading each kind's template and what was paid
    once for the whole list (Email selected), not once per document."""
    paid = payments.paid_totals([document.id for document in documents])
    kinds = {kind: get_template(kind) for kind in {document.kind for document in documents}}
    company, today = get_company(), payments.office_today()
    return [fill(kinds[document.kind], values_for(
        document, sender, company, paid.get(document.id, payments.ZERO), today))
        for document in documents]


def document_values(document: Document, sender) -> dict:
    """The template values of a real document: with what was paid and the office's today."""
    paid = payments.paid_totals([document.id]).get(document.id, payments.ZERO)
    return values_for(document, sender, get_company(), paid, payments.office_today())


def signed(text: str, sender) -> str:
    """The body as the dialog starts: the message, then the person's signature once (their
    name when they have no signature)."""
    text = text.rstrip() + "\n"
    if sender.signature.strip():
        return f"{text}\n{SIGNATURE_SEPARATOR}\n{sender.signature.strip()}\n"
    return f"{text}{sender.display_name}\n" if sender.display_name else text


def preview_values(kind: str, title: str, sender) -> tuple[dict, Document | None]:
    """Values from the newest document of the kind, or made-up ones when there is none."""
    document = db.session.scalars(select(Document).where(Document.kind == kind)
                                  .order_by(Document.seq.desc()).limit(1)).first()  # its index
    if document is None:
        return sample_values(title, get_company()), None
    return document_values(document, sender), document


def files_of(kind: str) -> list[TemplateFile]:
    """The kind's fixed files (without their bytes), oldest first."""
    return list(db.session.scalars(select(TemplateFile).where(TemplateFile.kind == kind)
                                   .order_by(TemplateFile.id)))


def attachments_of(kind: str, ids: list[int] | None = None) -> list[Attachment]:
    """The kind's fixed files as attachments (only those in `ids`, when given)."""
    query = (select(TemplateFile).options(undefer(TemplateFile.data))
             .where(TemplateFile.kind == kind).order_by(TemplateFile.id))
    rows = db.session.scalars(query)
    return [Attachment(row.filename, row.content_type, row.data) for row in rows
            if ids is None or row.id in ids]


def add_file(kind: str, filename: str, data: bytes) -> TemplateFile:
    """Store a fixed file under a safe name, typed by its content."""
    row = TemplateFile(kind=kind, filename=safe_filename(filename), content_type=sniff_type(data),
                       size=len(data), data=data)
    db.session.add(row)
    db.session.commit()
    return row


def remove_file(kind: str, file_id: int) -> bool:
    """Delete one fixed file of the kind; False when there is no such file."""
    row = db.session.get(TemplateFile, file_id)
    if row is None or row.kind != kind:
        return False
    db.session.delete(row)
    db.session.commit()
    return True

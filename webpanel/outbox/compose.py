"""The Email dialog for a document: what it is prefilled with, and the draft it becomes."""

from __future__ import annotations

from urllib.parse import quote

from webpanel.company.services import get_company
from webpanel.documents import services as documents
from webpanel.mail.builder import SIGNATURE_SEPARATOR, Attachment, Draft
from webpanel.outbox.forms import ComposeForm
from webpanel.settings.models import EmailSettings

METHOD_NOTES = {
    "smtp": "Sends now through your SMTP server ({server}).",
    "client": "Downloads a draft (.eml) with the PDF attached: open it in your email program "
              "(Outlook, Apple Mail, Thunderbird), check it and press Send there.",
}


def label(document) -> str:
    """How a document is named in subjects and in Sent mail, e.g. "Invoice INV-0001"."""
    return f"{document.title} {document.number}"


def greeting(document, settings: EmailSettings) -> str:
    """The prefilled message: a short greeting, the document, and the signature."""
    contact = document.contact
    name = (contact.contact_person or contact.name) if contact else ""
    lines = [f"Dear {name}," if name else "Hello,", "",
             f"Please find attached {document.title.lower()} {document.number}.", "",
             "Kind regards,", settings.display_name or ""]
    text = "\n".join(lines).rstrip() + "\n"
    if settings.signature.strip():
        text += f"\n{SIGNATURE_SEPARATOR}\n{settings.signature.strip()}\n"
    return text


def prefilled_form(document, settings: EmailSettings, key: str) -> ComposeForm:
    """A compose form filled for the document and the person's settings."""
    company = get_company().name
    subject = f"{label(document)} from {company}" if company else label(document)
    return ComposeForm(
        formdata=None, to=(document.contact.email if document.contact else "") or "",
        cc="", bcc=settings.address if settings.auto_bcc_self else "", subject=subject,
        body=greeting(document, settings), idempotency_key=key,
    )


def draft(form: ComposeForm, document, settings: EmailSettings) -> Draft:
    """The message the person asked for (the signature is already in the message text)."""
    pdf, filename = documents.pdf_for(document)
    return Draft(
        from_name=settings.display_name, from_address=settings.address,
        to=form.addresses("to"), cc=form.addresses("cc"), bcc=form.addresses("bcc"),
        subject=form.subject.data, text=(form.body.data or "").replace("\r\n", "\n"),
        attachments=[Attachment(filename, "application/pdf", pdf)],
    )


def mailto(form: ComposeForm) -> str:
    """A mailto: link with recipients, subject and body (it cannot carry the PDF)."""
    params = [f"{name}={quote(form[name].data or '')}" for name in ("cc", "bcc") if form[name].data]
    params += [f"subject={quote(form.subject.data or '')}", f"body={quote(form.body.data or '')}"]
    return f"mailto:{quote(form.to.data or '', safe='@,')}?{'&'.join(params)}"


def context(document, settings: EmailSettings, form: ComposeForm) -> dict:
    """Everything the dialog shows besides the form fields."""
    pdf, filename = documents.pdf_for(document)
    server = settings.smtp_server or "not set"
    note = METHOD_NOTES.get(settings.send_using, "").format(server=server)
    return {"document": document, "form": form, "settings": settings, "label": label(document),
            "attachment_name": filename, "attachment_size": len(pdf), "method_note": note,
            "mailto": mailto(form) if settings.send_using == "client" else None}

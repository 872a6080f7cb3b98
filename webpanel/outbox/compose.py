"""The Email dialog for a document: what it is prefilled with, and the draft it becomes.

Every way of sending starts here: the kind's template, filled in and signed once; the
contact's default Cc/Bcc and the kind's Bcc; Reply-To; the PDF, the kind's fixed files and
the files added in the dialog.
"""

from __future__ import annotations

from urllib.parse import quote

from flask_login import current_user

from webpanel import sending
from webpanel.company import services as company
from webpanel.documents import services as documents
from webpanel.mail.attachments import safe_filename, sniff_type
from webpanel.mail.builder import Attachment, Draft
from webpanel.mailtemplates import services as templates
from webpanel.oauth import services as oauth_services
from webpanel.outbox import schedule
from webpanel.outbox.forms import ComposeForm
from webpanel.settings import readiness
from webpanel.settings import services as settings_services
from webpanel.settings.models import EmailSettings


def joined(*lists: str) -> str:
    """Comma-separated address lists merged, each address once, in order."""
    addresses = [a.strip() for value in lists for a in value.split(",") if a.strip()]
    return ", ".join(dict.fromkeys(addresses))


def new_form(document, settings: EmailSettings | None = None, **kwargs) -> ComposeForm:
    """A compose form whose fixed-file choices are the document kind's files, and which
    knows the sender's way of sending (for what its address fields accept): from `settings`
    when the caller has them, else the signed-in person's."""
    form = ComposeForm(**kwargs)
    form.send_using = (settings or settings_services.load(current_user.id)).send_using
    form.schedulable = schedulable(form.send_using)
    form.zone_name = current_user.time_zone
    form.template_problem = ""  # set by prefilled_form when the kind's template was unusable
    form.template_files.choices = [(f.id, f"{f.filename} ({f.size / 1024:,.0f} KB)")
                                   for f in templates.files_of(document.kind)]
    return form


def schedulable(send_using: str) -> bool:
    """Whether Send later is offered: the panel itself sends (SMTP, Gmail API, Outlook API)."""
    method = sending.METHODS.get(send_using)
    return method is not None and method.network


def prefill(document, settings: EmailSettings) -> tuple[dict[str, str], str]:
    """The dialog's first values (To, Cc, Bcc, Reply address, Subject, Message) from the
    kind's template, the contact and the person's settings; and the template's problem ("" when
    it filled in)."""
    template = templates.get_template(document.kind)  # read once: its Bcc and its text
    filled = templates.fill(template, templates.document_values(document, settings))
    contact = document.contact
    own = settings.address if settings.auto_bcc_self else ""
    values = {"to": (contact.email if contact else "") or "",
              "cc": contact.default_cc if contact else "",
              "bcc": joined(own, contact.default_bcc if contact else "", template.bcc),
              "reply_to": template.reply_to or settings.reply_to or "",
              "subject": filled.subject, "body": templates.signed(filled.body, settings)}
    return values, filled.problem


def prefilled_form(document, settings: EmailSettings, key: str) -> ComposeForm:
    """A compose form filled from the kind's template, the contact and the person's settings."""
    values, problem = prefill(document, settings)
    form = new_form(document, settings, formdata=None, idempotency_key=key, **values)
    form.template_problem = problem
    form.template_files.data = [choice[0] for choice in form.template_files.choices]
    return form


def attachments(form: ComposeForm, document) -> list[Attachment]:
    """The PDF first, then the chosen fixed files, then the files added in the dialog."""
    added = [_uploaded(item) for item in form.uploads()]
    return document_attachments(document, form.template_files.data or [], added)


def document_attachments(document, file_ids: list[int],
                         added: list[Attachment] | None = None) -> list[Attachment]:
    """The document's PDF, the kind's fixed files in `file_ids`, then `added`."""
    pdf, filename = documents.pdf_for(document)
    chosen = templates.attachments_of(document.kind, file_ids)
    return [Attachment(filename, "application/pdf", pdf), *chosen, *(added or [])]


def _uploaded(item) -> Attachment:
    data = item.read()
    return Attachment(safe_filename(item.filename or ""), sniff_type(data), data)


def unattended_draft(document, settings: EmailSettings, to: str, cc: str) -> Draft:
    """The message the Email dialog would start with, sent to `to` and `cc` (comma-separated)
    with every fixed file of the kind: what a recurring run sends with no one at the dialog."""
    values, _problem = prefill(document, settings)
    files = [item.id for item in templates.files_of(document.kind)]
    return Draft(
        from_name=settings.display_name, from_address=settings.address, to=split(to),
        cc=split(cc), bcc=split(values["bcc"]), subject=values["subject"],
        text=values["body"], attachments=document_attachments(document, files),
        reply_to=values["reply_to"])


def split(addresses: str) -> list[str]:
    """A comma-separated address list's addresses."""
    return [a.strip() for a in addresses.split(",") if a.strip()]


def draft(form: ComposeForm, document, settings: EmailSettings) -> Draft:
    """The message the person asked for (the signature is already in the message text)."""
    return Draft(
        from_name=settings.display_name, from_address=settings.address,
        to=form.addresses("to"), cc=form.addresses("cc"), bcc=form.addresses("bcc"),
        subject=form.subject.data, text=(form.body.data or "").replace("\r\n", "\n"),
        attachments=attachments(form, document), reply_to=form.reply_to.data or "",
    )


def method_note(settings: EmailSettings, method: sending.Method | None) -> str:
    """The dialog's line about what Send will do with this person's way of sending."""
    if method is None:
        return ""
    account = oauth_services.account_for(settings.user_id, method.provider) \
        if method.is_api else None
    return method.note.format(server=settings.smtp_server or "not set",
                              account=account.email if account else "your account")


def mailto(form: ComposeForm) -> str:
    """A mailto: link with recipients, subject and body (it cannot carry the PDF)."""
    params = [f"{name}={quote(form[name].data or '')}" for name in ("cc", "bcc") if form[name].data]
    params += [f"subject={quote(form.subject.data or '')}", f"body={quote(form.body.data or '')}"]
    return f"mailto:{quote(form.to.data or '', safe='@,')}?{'&'.join(params)}"


def context(document, settings: EmailSettings, form: ComposeForm) -> dict:
    """Everything the dialog shows besides the form fields."""
    pdf, filename = documents.pdf_for(document)
    method = sending.METHODS.get(settings.send_using)
    return {"document": document, "form": form, "settings": settings, "label": document.label,
            "attachment_name": filename, "attachment_size": len(pdf),
            "method_note": method_note(settings, method), "method": method,
            "mailto": mailto(form) if method is sending.CLIENT else None,
            "setup": readiness.check(settings),
            "unnamed": company.unnamed(current_user.is_admin),
            "quick_times": schedule.quick_choices(current_user.time_zone)
            if form.schedulable else []}

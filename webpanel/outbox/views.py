"""Views of the outbox: the Email dialog (Send now or Send later), Retry, Change time and Cancel
of a scheduled message, Sent mail and its inline preview."""

from __future__ import annotations

import json
import math
import secrets

from flask import Response, abort, flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required

from webpanel import sending, worker
from webpanel.company.services import current_company
from webpanel.company.services import unnamed as company_unnamed
from webpanel.database import utcnow
from webpanel.documents import services as documents
from webpanel.extensions import htmx
from webpanel.fragments import render_fragment, render_htmx, wants_fragment
from webpanel.mail import attachments
from webpanel.mail.hints import STEP_LABELS
from webpanel.outbox import (
    compose,
    copying,
    history,
    listing,
    preview,
    records,
    schedule,
    services,
)
from webpanel.outbox.blueprint import bp
from webpanel.outbox.models import STATUS_LABELS, Message, SentCopy
from webpanel.outbox.slots import BOUNCE_OUTCOMES, BOUNCE_READING
from webpanel.security import DOWNLOAD_CSP, PDF_CSP
from webpanel.settings import services as settings_services

BODY_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data: cid:{images}; "
            "font-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")


@bp.app_template_global("effective_status")
def _effective_status(row) -> str:
    return records.effective_status(row)


@bp.app_template_global("on_its_way")
def _on_its_way(row) -> bool:
    return records.on_its_way(row)


@bp.app_template_global("seconds_until")
def _seconds_until(moment) -> int:
    return max(0, math.ceil((moment - utcnow()).total_seconds()))


@bp.app_template_global("status_label")
def _status_label(name: str) -> str:
    return STATUS_LABELS.get(name, name)


@bp.app_template_global("clock_fields")
def _clock_fields(due_at) -> tuple[str, str]:
    return schedule.clock_fields(due_at, current_user.time_zone)


@bp.app_template_global("copy_state")
def _copy_state(record: SentCopy) -> str:
    return copying.state_of(record)


@bp.app_template_global("copy_failed_text")
def _copy_failed_text(record: SentCopy) -> str:
    return copying.failed_text(record)


def _document_or_404(document_id: int, whole: bool = False):
    """The document (`whole`: with its contact and items, which the Email dialog reads)."""
    document = documents.get_document(document_id, whole)
    if document is None:
        abort(404)
    return document


def _own_message_or_404(message_id: int) -> Message:
    message = services.get_own(current_user.id, message_id)
    if message is None:
        abort(404)
    return message


#: The Email page: the compose form, or the send's result, for a request that came without htmx
#: (a click before htmx was ready on a slow phone, or no script at all).
COMPOSE_PAGE = "outbox/compose.html"


@bp.route("/documents/<id:document_id>/email")
@login_required
def compose_dialog(document_id: int):
    """The Email dialog for a document, prefilled (a page of its own without htmx)."""
    document = _document_or_404(document_id, whole=True)
    settings = settings_services.load(current_user.id)
    form = compose.prefilled_form(document, settings, secrets.token_urlsafe(24))
    return render_htmx(COMPOSE_PAGE, "outbox/partials/_compose.html", **compose.context(
        document, settings, form))


@bp.route("/documents/<id:document_id>/email", methods=["POST"])
@login_required
def send(document_id: int):
    """Send the document (or hand it to the email client); a double click sends once."""
    document = _document_or_404(document_id, whole=True)
    settings = settings_services.load(current_user.id)
    form = compose.new_form(document, settings)
    unnamed = company_unnamed(current_user.is_admin)
    if unnamed and form.validate_on_submit():
        return render_htmx(COMPOSE_PAGE, "outbox/partials/_compose_form.html", status=422,
                           refused=unnamed.reason, **compose.context(document, settings, form))
    if not form.validate_on_submit():
        return render_htmx(COMPOSE_PAGE, "outbox/partials/_compose_form.html", status=422,
                           **compose.context(document, settings, form))
    chosen = form.chosen
    try:
        message = services.send(settings, compose.draft(form, document, settings),
                                form.idempotency_key.data, (document.id, document.label),
                                due_at=chosen.due_at if chosen else None,
                                hold=current_company().undo_seconds)
    except services.NotReady as refused:
        if refused.field and refused.field in form:  # said at the field too
            form[refused.field].errors = [*form[refused.field].errors, str(refused)]
        return render_htmx(COMPOSE_PAGE, "outbox/partials/_compose_form.html", status=422,
                           refused=str(refused), admin_can_allow=refused.admin_can_allow,
                           **compose.context(document, settings, form))
    return _result(message, document, notice=chosen.note if chosen else "")


@bp.route("/sent/<id:message_id>/retry", methods=["POST"])
@login_required
def retry(message_id: int):
    """Send a failed message's stored bytes again."""
    message = _own_message_or_404(message_id)
    message = services.retry(message, settings_services.load(current_user.id))
    if not htmx:  # the Email page without script: the outcome on the message's own page
        return redirect(url_for("outbox.message_preview", message_id=message.id), 303)
    return _result(message)


@bp.route("/sent/<id:message_id>/undo", methods=["POST"])
@login_required
def undo(message_id: int):
    """Cancel a message still waiting out the office's Undo time."""
    message = _own_message_or_404(message_id)
    services.undo(message)
    if not htmx:
        return redirect(url_for("outbox.message_preview", message_id=message.id), 303)
    return _result(message)


@bp.route("/sent/<id:message_id>/progress")
@login_required
def progress(message_id: int):
    """The send's result as it stands: the dialog asks again while the message is on its way,
    and the page's badges and history follow once it changed (without htmx: the Email page,
    which reloads itself until then)."""
    message = _own_message_or_404(message_id)
    document = documents.get_document(message.document_id) if message.document_id else None
    if not htmx and document is None:
        return redirect(url_for("outbox.message_preview", message_id=message.id), 303)
    return _result(message, document, in_dialog=request.args.get("in_dialog") == "1",
                   changed=not records.on_its_way(message))


@bp.route("/sent/<id:message_id>/cancel", methods=["POST"])
@login_required
def cancel(message_id: int):
    """Cancel a scheduled message: it stays in Sent mail, with its bytes, as cancelled."""
    try:
        message = schedule.cancel(_own_message_or_404(message_id))
    except schedule.TooLate as late:
        return _after_schedule_change(late.message, refusal=str(late))
    return _after_schedule_change(message)


@bp.route("/sent/<id:message_id>/time", methods=["POST"])
@login_required
def change_time(message_id: int):
    """Move a scheduled message to another time, read in the person's time zone."""
    message = _own_message_or_404(message_id)
    try:
        chosen = schedule.choose(request.form.get("date", ""), request.form.get("time", ""),
                                 current_user.time_zone)
    except schedule.BadTime as refused:
        return _time_refused(message, refused)
    try:
        message = schedule.change_time(message, chosen.due_at)
    except schedule.TooLate as late:
        return _after_schedule_change(late.message, refusal=str(late))
    return _after_schedule_change(message, notice=chosen.note)


def _after_schedule_change(message: Message, notice: str = "", refusal: str = ""):
    """The message as it now stands; without htmx, its preview (the words as a notice)."""
    if htmx:
        return _result(message, notice=notice, refusal=refusal)
    for words, category in ((notice, "message"), (refusal, "error")):
        if words:
            flash(words, category)
    return redirect(url_for("outbox.message_preview", message_id=message.id), 303)


def _time_refused(message: Message, refused: schedule.BadTime):
    """Change time's form again, open, with what is wrong said at the field (422)."""
    errors = {refused.field: str(refused)}
    values = {name: request.form.get(name, "")[:20] for name in ("date", "time")}
    if not htmx:
        return _preview_page(message, 422, time_errors=errors, time_values=values)
    response = render_fragment("outbox/partials/_change_time.html", 422, message=message,
                               time_errors=errors, time_values=values,
                               in_dialog=request.form.get("in_dialog") == "1")
    response.headers["HX-Retarget"] = "closest details"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def _result(message: Message, document=None, in_dialog: bool | None = None,
            changed: bool = True, notice: str = "", refusal: str = ""):
    """The send's result (`notice`: what was made of the chosen time; `refusal`: why Cancel
    or Change time changed nothing), with the events the page's badges and history follow."""
    if in_dialog is None:
        in_dialog = "idempotency_key" in request.form or request.form.get("in_dialog") == "1"
    context = {"message": message, "status_name": records.effective_status(message),
               "step_labels": STEP_LABELS, "in_dialog": in_dialog,
               "next_steps": records.next_steps(message),
               "message_copy": copying.copy_for(message.id),
               "worker_running": worker.running(), "notice": notice, "refusal": refusal,
               "polled": request.endpoint == "outbox.progress"}
    if document is not None and not htmx:  # sent from the Email page: the result on that page
        return render_htmx(COMPOSE_PAGE, "outbox/partials/_send_result.html",
                           document=document, label=document.label, **context)
    response = render_fragment("outbox/partials/_send_result.html", **context)
    if not changed:
        return response
    status = records.effective_status(message)
    events: dict = {"message-status": {"id": message.id, "status": status,
                                       "label": STATUS_LABELS.get(status, status)}}
    if message.document_id:
        events["email-sent"] = {"document": message.document_id}  # its history reloads
    response.headers["HX-Trigger"] = json.dumps(events)  # badges of this message follow
    return response


@bp.route("/documents/<id:document_id>/emails")
@login_required
def document_history(document_id: int):
    """A document's email history (reloaded on the document page after each send)."""
    document = _document_or_404(document_id)
    return render_fragment("outbox/partials/_history.html", document=document,
                           entries=history.history(document, current_user.id))


@bp.route("/sent")
@login_required
def sent():
    """Sent mail: newest first, with filters, search and keyset pages."""
    page = listing.page_from_request(current_user.id, request.args)
    return render_htmx("outbox/sent.html", "outbox/partials/_sent_list.html", page=page,
                       page_context=_page_notes, methods=sending.LABELS,
                       statuses=STATUS_LABELS)


@bp.route("/sent/<id:message_id>")
@login_required
def message_preview(message_id: int):
    """One message's preview (HTML, Text, Headers, Raw and attachments)."""
    stored = preview.own_stored(current_user.id, message_id)
    if stored is None:
        abort(404)
    return _preview_page(stored.message, stored=stored)


def _preview_page(message: Message, status: int = 200, stored: preview.Stored | None = None,
                  **extra):
    """The preview (in Sent mail without htmx); `extra`: a Change time refused at its field.
    The whole page reads the message's bounces with its list's (one query for both)."""
    if stored is None:
        stored = preview.Stored(message, records.mime_of(message) or b"",
                                copying.copy_for(message.id))
    view = request.args.get("view", "html")
    if view not in {"html", "text", "headers", "raw"}:
        view = "html"
    context = preview.context(message, stored.mime, view,
                              images=request.args.get("images") == "1")
    fragment, also = wants_fragment(), message.id if stored.bounced else None
    bounces = BOUNCE_OUTCOMES([message.id]).get(message.id) if fragment and also else None

    def page_context() -> dict:
        page = listing.page_from_request(current_user.id, {}, also=also)
        return {"page": page, "message_bounces": page.bounces.get(message.id), **_page_notes()}

    return render_htmx("outbox/sent.html", "outbox/partials/_preview.html", status=status,
                       page_context=page_context,
                       methods=sending.LABELS, statuses=STATUS_LABELS, message=message,
                       status_name=records.effective_status(message), step_labels=STEP_LABELS,
                       next_steps=records.next_steps(message), message_copy=stored.copy,
                       worker_running=worker.running(), message_bounces=bounces,
                       **context, **extra)


def _page_notes() -> dict:
    """What Sent mail says above its list: whether the background worker runs, and when the
    person's bounce reports were last read (None: nothing reads their inbox)."""
    return {"worker_health": worker.health(),
            "bounce_reading": BOUNCE_READING(current_user.id)}


@bp.route("/sent/<id:message_id>/body.html")
@login_required
def message_body(message_id: int):
    """The sanitised HTML body, for a sandboxed iframe; remote images only when asked."""
    message = _own_message_or_404(message_id)
    html = preview.html_body(preview.parse(records.mime_of(message)))
    response = make_response(html or "<p>(This message has no HTML part.)</p>")
    images = " https: http:" if request.args.get("images") == "1" else ""
    response.headers["Content-Security-Policy"] = BODY_CSP.format(images=images)
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/sent/<id:message_id>/attachments/<index:index>")
@login_required
def attachment(message_id: int, index: int):
    """Download an attachment (a PDF may open inline) with a server-made safe name."""
    message = _own_message_or_404(message_id)
    found = preview.attachment_bytes(preview.parse(records.mime_of(message)), index)
    if found is None:
        abort(404)
    info, data = found
    inline = request.args.get("inline") == "1" and info.is_pdf and data.startswith(b"%PDF-")
    content_type = "application/pdf" if inline else "application/octet-stream"
    return _download(data, info.filename, content_type, inline)


@bp.route("/sent/<id:message_id>/message.eml")
@login_required
def message_file(message_id: int):
    """The message as an .eml file: the exact bytes recorded (a draft for the email client)."""
    message = _own_message_or_404(message_id)
    name = (message.document_label or message.subject or "message") + ".eml"
    return _download(records.mime_of(message), name, "message/rfc822", inline=False)


def _download(data: bytes, filename: str, content_type: str, inline: bool) -> Response:
    """`data` as a download named after `filename` (made safe here), never sniffed or cached."""
    response = make_response(data)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = attachments.content_disposition(
        "inline" if inline else "attachment", filename)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = PDF_CSP if inline else DOWNLOAD_CSP
    return response


@bp.route("/sent/<id:message_id>/copy")
@login_required
def copy_state(message_id: int):
    """The Sent-folder copy's state (asked again while the worker copies)."""
    message = _own_message_or_404(message_id)
    return render_fragment("sentcopy/partials/_copy_state.html", copy=copying.copy_of(message.id),
                           copy_of=message.id, copy_own=True)


@bp.route("/sent/<id:message_id>/copy/retry", methods=["POST"])
@login_required
def retry_copy(message_id: int):
    """Copy one sent message to the Sent folder again, on the worker (never a second copy)."""
    message = services.get_own(current_user.id, message_id)
    if message is None or message.status != "sent":
        abort(404)
    record = copying.retry_copy(message)
    if not htmx:
        return redirect(url_for("outbox.message_preview", message_id=message_id))
    return render_fragment("sentcopy/partials/_copy_state.html", copy=record,
                           copy_of=message_id, copy_own=True)

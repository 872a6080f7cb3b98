"""Email selected: the dialog that says what would go (and refuses plainly what cannot), Send,
the batch's progress in place, and Retry of its failures."""

from __future__ import annotations

import re
import secrets

from flask import abort, redirect, request, url_for
from flask_login import current_user, login_required

from webpanel import worker
from webpanel.bulkmail import selection as chosen
from webpanel.bulkmail import services
from webpanel.bulkmail.blueprint import bp
from webpanel.bulkmail.models import Batch
from webpanel.extensions import htmx
from webpanel.fragments import render_htmx
from webpanel.settings import services as settings_services

PAGE = "bulkmail/page.html"
KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
EXPIRED = "This dialog has expired: close it and press Email selected again."


@bp.route("/documents/email-selected")
@login_required
def confirm():
    """What Email selected would send: how many, to whom, with which template."""
    return _confirm(request.args.getlist("ids"), secrets.token_urlsafe(24),
                    partial="bulkmail/partials/_dialog.html")


@bp.route("/documents/email-selected", methods=["POST"])
@login_required
def send():
    """Queue each selected document as its own message; a second press queues nothing new."""
    key = request.form.get("key", "")
    if not KEY.match(key):
        return _confirm(request.form.getlist("ids"), secrets.token_urlsafe(24), 422, EXPIRED)
    batch = services.find(current_user.id, key)
    if batch is None:
        settings = settings_services.load(current_user.id)
        try:
            ids = chosen.parse_ids(request.form.getlist("ids"))
        except chosen.BadSelection as bad:
            return _confirm([], key, 422, str(bad))
        refusal = chosen.refusal(settings)
        if refusal:
            return _confirm([str(i) for i in ids], key, 422)
        batch, made = services.start(current_user.id, key,
                                     chosen.select_documents(ids, settings))
        if made:
            services.queue_all(batch, settings)
    if not htmx:
        return redirect(url_for("bulkmail.progress", batch_id=batch.id), 303)
    return _progress(batch, polled=False)


@bp.route("/email-batches/<id:batch_id>")
@login_required
def progress(batch_id: int):
    """The batch as it stands (the region asks again while any document is on its way)."""
    return _progress(_own_batch_or_404(batch_id), said=request.args.get("said", "")[:40],
                     polled=bool(htmx))


@bp.route("/email-batches/<id:batch_id>/retry", methods=["POST"])
@login_required
def retry(batch_id: int):
    """Send again the failed messages named in the form (one Retry, or Retry all failed)."""
    batch = _own_batch_or_404(batch_id)
    ids = [int(value) for value in request.form.getlist("message") if value.isdigit()
           and len(value) < 19]
    services.retry(batch, ids, settings_services.load(current_user.id))
    if not htmx:
        return redirect(url_for("bulkmail.progress", batch_id=batch.id), 303)
    return _progress(batch, polled=True)


def _own_batch_or_404(batch_id: int) -> Batch:
    batch = services.get_own(current_user.id, batch_id)
    if batch is None:
        abort(404)
    return batch


def _confirm(values: list[str], key: str, status: int = 200, problem: str = "",
             partial: str = "bulkmail/partials/_confirm.html"):
    """The dialog (`partial`; a page of its own without htmx) or, after Send, its body again:
    the batch as it would go, or why not."""
    settings = settings_services.load(current_user.id)
    refusal, caution = chosen.refusal_and_caution(settings)
    context = {"key": key, "settings": settings, "problem": problem, "selection": None,
               "refusal": refusal, "caution": caution,
               "in_dialog": bool(htmx)}
    if not problem:
        try:
            context["selection"] = chosen.select_documents(chosen.parse_ids(values), settings)
        except chosen.BadSelection as bad:
            context["problem"], status = str(bad), (status if values else 200)
    return render_htmx(PAGE, partial, status=status, **context)


def _progress(batch: Batch, polled: bool, said: str = ""):
    """The progress region (inside the dialog), or its page without htmx; `polled`: an answer
    to the region's own asking (or a Retry in it), which replaces the region alone. Once
    nothing is on its way any more, the documents list behind the dialog reloads (its
    statuses follow)."""
    progress = services.progress(batch)
    response = render_htmx(PAGE, "bulkmail/partials/_progress.html", batch=batch,
                           progress=progress, said=said, polled=polled,
                           worker_running=worker.running(), in_dialog=bool(htmx))
    if htmx and not progress.pending and said != progress.said:
        response.headers["HX-Trigger"] = "documents-emailed"
    return response

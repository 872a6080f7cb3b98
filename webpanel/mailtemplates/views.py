"""The Email templates page (administrators): edit, live preview, fixed files."""

from __future__ import annotations

from flask import abort, current_app, redirect, url_for
from flask_login import current_user

from webpanel.access import admin_required
from webpanel.documents.kinds import DEFAULT_KIND, KINDS
from webpanel.fragments import render_fragment, render_htmx
from webpanel.mail.builder import body_html
from webpanel.mailtemplates import greeting as greetings
from webpanel.mailtemplates import limits, render, services
from webpanel.mailtemplates.blueprint import bp
from webpanel.mailtemplates.forms import FileForm, TemplateForm
from webpanel.mailtemplates.kinds import TEMPLATE_KINDS, by_slug, slug_rule
from webpanel.mailtemplates.values import labelled
from webpanel.settings import services as settings_services
from webpanel.transactions import reads_only

SLUG = slug_rule()
PAGE, PARTIAL = "mailtemplates/page.html", "mailtemplates/partials/_editor.html"


@bp.route("/")
@admin_required
def index():
    """The page opens on the invoice template."""
    return redirect(url_for("mailtemplates.edit", slug=KINDS[DEFAULT_KIND].slug))


@bp.route(f"/{SLUG}/")
@admin_required
def edit(slug: str):
    """One kind's template in the editor, with its preview."""
    return _render(slug, TemplateForm.load(services.get_template(by_slug(slug).key)),
                   stored=True)


@bp.route(f"/{SLUG}/", methods=["POST"])
@admin_required
def save(slug: str):
    """Save the template (checked first: a bad one stays unsaved, with the line)."""
    form = TemplateForm()
    if not form.validate_on_submit():
        return _render(slug, form, status=422)
    services.save_template(services.get_template(by_slug(slug).key), form.subject.data,
                           form.full_body(), form.bcc.data or "", form.reply_to.data or "")
    return _render(slug, form, saved=True)


@bp.route(f"/{SLUG}/reset", methods=["POST"])
@admin_required
def reset(slug: str):
    """Put back the default subject and body."""
    services.reset_template(by_slug(slug).key)
    form = TemplateForm.load(services.get_template(by_slug(slug).key))
    return _render(slug, form, notice="The default subject and body are back.")


@bp.route(f"/{SLUG}/preview", methods=["POST"])
@admin_required
@reads_only
def preview(slug: str):
    """The preview for what is in the editor now (not saved)."""
    form = TemplateForm()
    form.validate()
    return render_fragment("mailtemplates/partials/_preview.html",
                           **_preview_context(slug, form))


@bp.route(f"/{SLUG}/files", methods=["POST"])
@admin_required
def add_file(slug: str):
    """Add a fixed file to the kind's emails."""
    upload = FileForm()
    if upload.validate_on_submit():
        data = upload.file.data.read()
        limit = current_app.config["MAIL_MAX_BYTES"]
        if len(data) > limit:
            upload.file.errors.append(f"This file is {len(data) / 1_048_576:.1f} MB; an email "
                                      f"can carry at most {limit / 1_048_576:.0f} MB.")
        else:
            services.add_file(by_slug(slug).key, upload.file.data.filename or "", data)
            return _files(slug, FileForm(formdata=None), notice="File added.")
    return _files(slug, upload, status=422)


@bp.route(f"/{SLUG}/files/<id:file_id>/delete", methods=["POST"])
@admin_required
def remove_file(slug: str, file_id: int):
    """Stop sending a fixed file."""
    if not services.remove_file(by_slug(slug).key, file_id):
        abort(404)
    return _files(slug, FileForm(formdata=None), notice="File removed.")


def _files(slug: str, upload: FileForm, status: int = 200, notice: str = ""):
    return render_fragment("mailtemplates/partials/_files.html", status=status, slug=slug,
                           files=services.files_of(by_slug(slug).key), upload=upload,
                           files_notice=notice)


def _render(slug: str, form: TemplateForm, status: int = 200, saved: bool = False,
            notice: str = "", stored: bool = False):
    kind = by_slug(slug).key
    return render_htmx(PAGE, PARTIAL, status=status, form=form, saved=saved, notice=notice,
                       slug=slug, kind=kind, title=TEMPLATE_KINDS[kind].title,
                       kinds=list(TEMPLATE_KINDS.values()),
                       placeholders=labelled(TEMPLATE_KINDS[kind].contact_kind),
                       files=services.files_of(kind), upload=FileForm(formdata=None),
                       limits=limits.TEXT,
                       **_preview_context(slug, form, stored))


#: Said under a saved template that cannot be used (saved before today's checks, or changed
#: outside the panel), so the administrator knows what the Email dialog does meanwhile.
STORED_PROBLEM = (" Until this is fixed, the Email dialog starts with the default text: "
                  "change the template and save, or press Put back the default.")


def _preview_context(slug: str, form: TemplateForm, stored: bool = False) -> dict:
    """Subject, text and HTML for the editor's contents against a real document of the kind;
    a problem names its field (and its line in the Body, the greeting rendered apart)."""
    kind = by_slug(slug).document_kind
    sender = settings_services.load(current_user.id)
    values, document = services.preview_values(kind, KINDS[kind].title, sender)
    for field in (form.subject, form.body):
        if field.errors:
            return {"preview_error": f"{field.label.text}: {field.errors[0]}",
                    "preview_document": document}
    try:
        subject = _filled(form.subject, form.subject.data, values)
        head = render.render(greetings.join(form.greeting.data, ""), values)
        text = head + _filled(form.body, form.body.data, values) + "\n"
    except render.TemplateProblem as problem:
        return {"preview_error": str(problem) + (STORED_PROBLEM if stored else ""),
                "preview_document": document}
    text = services.signed(text, sender)
    return {"preview_subject": subject, "preview_text": text,
            "preview_html": body_html(text.rstrip("\n")), "preview_document": document,
            "preview_error": ""}


def _filled(field, source: str | None, values: dict) -> str:
    """One field's template filled in, its words joined by single spaces in a subject; a
    problem is reported under the field's label."""
    try:
        text = render.render(source or "", values)
    except render.TemplateProblem as problem:
        raise render.TemplateProblem(f"{field.label.text}: {problem}", None,
                                     problem.summary) from None
    return " ".join(text.split()) if field.name == "subject" else text.strip()

"""Sent mail: list, filters, search, keyset pages, the inline preview and attachment downloads."""

from __future__ import annotations

import secrets
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from tests.conftest import Htmx, sign_in
from webpanel.extensions import db
from webpanel.mail.builder import Attachment, Draft, build
from webpanel.mailbase import Outgoing
from webpanel.outbox import services
from webpanel.outbox.listing import PAGE_SIZE

PDF = b"%PDF-1.4\n% a tiny stand-in attachment\n%%EOF\n"
HOSTILE_HTML = """<html><body><p>Hello</p><script>alert(1)</script>
<img src="x" onerror="alert(2)"><a href="javascript:alert(3)">click</a>
<img src="https://tracker.example.net/pixel.png"><div hx-get="/logout">x</div></body></html>"""


def draft(subject="Invoice INV-0001", to="pat@example.org", attachments=None) -> Draft:
    return Draft(from_name="Sam", from_address="sam@example.com", to=[to], subject=subject,
                 text="Hello", attachments=attachments or [])


def store(app, user_id, d: Draft, method="smtp", status="sent", outgoing=None) -> int:
    with app.app_context():
        message = services.record(user_id, secrets.token_urlsafe(16), method, d,
                                  outgoing or build(d), (1, d.subject[:20]))
        message.status = status
        db.session.commit()
        return message.id


def hostile_outgoing() -> Outgoing:
    message = EmailMessage()
    message["From"] = "sam@example.com"
    message["To"] = "pat@example.org"
    message["Subject"] = "hostile"
    message.set_content("plain")
    message.add_alternative(HOSTILE_HTML, subtype="html")
    return Outgoing(message.as_bytes(policy=SMTP), "sam@example.com", ("pat@example.org",))


@pytest.fixture
def hx(user_client, user_id):
    helper = Htmx(user_client, "/sent")
    helper.user_id = user_id
    return helper


def test_empty_sent_mail_says_what_to_do(hx):
    assert "Nothing sent yet. Open a document and press Email." in hx.client.get(
        "/sent").get_data(as_text=True)


def test_newest_first_with_method_status_and_search(hx, app, user_id):
    store(app, user_id, draft("Proposal P-0001", to="lee@example.org"), method="client",
          status="handed_off")
    store(app, user_id, draft("Invoice INV-0001"), status="failed")
    store(app, user_id, draft("Invoice INV-0002"))
    page = hx.client.get("/sent").get_data(as_text=True)
    assert page.index("INV-0002") < page.index("INV-0001") < page.index("P-0001")
    failed = hx.get("/sent?status=failed").get_data(as_text=True)
    assert "INV-0001" in failed and "INV-0002" not in failed
    client = hx.get("/sent?method=client").get_data(as_text=True)
    assert "P-0001" in client and "INV-" not in client
    search = hx.get("/sent?q=lee@").get_data(as_text=True)
    assert "P-0001" in search and "INV-" not in search
    assert "No messages match" in hx.get("/sent?q=nothing-like-this").get_data(as_text=True)


def test_keyset_pages(hx, app, user_id):
    for n in range(PAGE_SIZE + 5):
        store(app, user_id, draft(f"Invoice INV-{n:04d}"))
    first = hx.get("/sent").get_data(as_text=True)
    assert f"INV-{PAGE_SIZE + 4:04d}" in first and "INV-0000" not in first
    older = first.split("Older messages")[0].rsplit('href="', 1)[1].split('"')[0]
    second = hx.get(older.replace("&amp;", "&")).get_data(as_text=True)
    assert "INV-0000" in second and f"INV-{PAGE_SIZE + 4:04d}" not in second
    assert "Older messages" not in second and "Newest" in second


def test_preview_views_and_attachments(hx, app, user_id):
    mid = store(app, user_id, draft(attachments=[Attachment("Invoice INV-1.pdf",
                                                            "application/pdf", PDF)]))
    html_view = hx.get(f"/sent/{mid}").get_data(as_text=True)
    assert "<html" not in html_view and 'sandbox' in html_view and "Show remote images" in html_view
    assert "Invoice INV-1.pdf" in html_view
    assert "Hello" in hx.get(f"/sent/{mid}?view=text").get_data(as_text=True)
    headers = hx.get(f"/sent/{mid}?view=headers").get_data(as_text=True)
    assert "Message-ID" in headers and "pat@example.org" in headers
    assert "Content-Type: multipart/mixed" in hx.get(f"/sent/{mid}?view=raw").get_data(True)
    assert "<html" in hx.client.get(f"/sent/{mid}").get_data(as_text=True)

    download = hx.client.get(f"/sent/{mid}/attachments/0")
    assert download.data == PDF
    assert download.headers["Content-Disposition"] == (
        'attachment; filename="Invoice-INV-1.pdf"')
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "no-store"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in download.headers["Content-Security-Policy"]
    inline = hx.client.get(f"/sent/{mid}/attachments/0?inline=1")
    assert inline.headers["Content-Type"] == "application/pdf"
    assert inline.headers["Content-Disposition"].startswith("inline;")
    assert hx.client.get(f"/sent/{mid}/attachments/5").status_code == 404


def test_html_bodies_are_sanitised_and_framed_without_scripts(hx, app, user_id):
    mid = store(app, user_id, draft("hostile"), outgoing=hostile_outgoing())
    body = hx.client.get(f"/sent/{mid}/body.html")
    html = body.get_data(as_text=True)
    assert "Hello" in html
    for bad in ("<script", "onerror", "javascript:", "hx-get"):
        assert bad not in html
    csp = body.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "https:" not in csp  # remote images blocked until asked
    assert "https:" in hx.client.get(f"/sent/{mid}/body.html?images=1").headers[
        "Content-Security-Policy"]
    frame = hx.get(f"/sent/{mid}").get_data(as_text=True)
    iframe = frame.split("<iframe", 1)[1].split(">", 1)[0]
    assert "sandbox" in iframe and "allow-scripts" not in iframe


def test_subjects_and_names_are_escaped(hx, app, user_id):
    evil = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    mid = store(app, user_id, draft(subject=evil))
    for html in (hx.client.get("/sent").get_data(True), hx.get(f"/sent/{mid}").get_data(True)):
        assert "<script>alert(2)" not in html and '<img src=x onerror' not in html
        assert "&lt;script&gt;" in html


def test_another_users_message_and_attachment_are_404(app, hx, user_id, make_user):
    mid = store(app, user_id, draft(attachments=[Attachment("a.pdf", "application/pdf", PDF)]))
    make_user("lee@example.com")
    other = app.test_client()
    sign_in(other, "lee@example.com")
    for path in (f"/sent/{mid}", f"/sent/{mid}/body.html", f"/sent/{mid}/attachments/0",
                 f"/sent/{mid}/message.eml"):
        assert other.get(path).status_code == 404
    lee = Htmx(other, "/sent")
    assert lee.post(f"/sent/{mid}/retry", {}).status_code == 404
    assert "Invoice INV-0001" not in other.get("/sent").get_data(as_text=True)


def test_unknown_filter_values_are_ignored(hx):
    assert hx.get("/sent?status=<x>&method=fax&before=abc").status_code == 200

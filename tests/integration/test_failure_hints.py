"""Failures lead with what to do (issue 20, items 4 and 5): a refused sign-in offers "Open SMTP
settings" first and Retry second in every place that shows the failed message; a server's own
reply ("535 …", "250 … queued") is only under Details; the preview's Headers and Raw are under
Technical details. Real SMTP server on 127.0.0.1."""

from __future__ import annotations

import re

import pytest

from tests.support.office import first_document, messages, send
from tests.support.sam_variants import sam_on_smtp  # noqa: F401  (the sam fixture)

DETAILS = re.compile(r"<details class=\"(?:details|technical)\"[^>]*>.*?</details>", re.S)
FIX = re.compile(r'<a class="button( primary)?" href="([^"]+)">Open SMTP settings')
RETRY = re.compile(r'<button type="submit"( class="primary")?>Retry')


def outside_details(html: str) -> str:
    """The page as a person sees it before opening any disclosure."""
    return DETAILS.sub("", html)


def inside_details(html: str) -> str:
    return "".join(match.group(0) for match in DETAILS.finditer(html))


def assert_settings_first(html: str, user_id: int) -> None:
    """"Open SMTP settings" (primary, to the SMTP tab with the user name focused), then Retry."""
    fix, retry = FIX.search(html), RETRY.search(html)
    assert fix and retry, html
    assert fix.group(1) == " primary" and retry.group(1) is None
    assert fix.group(2) == f"/users/{user_id}/email/smtp#smtp_username"
    assert fix.start() < retry.start()


@pytest.fixture
def refused(sam, app):
    """Sam's server refuses his password (535): one failed message about the invoice."""
    sam.smtp.users = {"user": "another"}
    invoice = first_document(app, "invoice")
    html = send(sam, invoice.id)
    [record] = messages(app)
    return html, record, invoice


def test_a_refused_sign_in_leads_with_the_smtp_settings_and_keeps_the_reply_in_details(
        sam, refused):
    html, record, _ = refused
    assert "Not sent" in html and "rejected the user name or password" in html
    assert_settings_first(html, sam.user_id)
    assert record.reply.startswith("535") and record.error_fix_tab == "smtp"
    assert "535" not in outside_details(html)
    assert f"Server reply: <code>{record.reply}</code>" in inside_details(html)
    assert "<summary>Details</summary>" in html


def test_every_place_that_shows_the_failed_message_puts_the_settings_first(sam, refused):
    """The dialog (above), Sent mail's row and preview, the document's history, the home page."""
    _, record, invoice = refused
    preview = sam.get(f"/sent/{record.id}").get_data(as_text=True)
    sent_list = sam.get("/sent").get_data(as_text=True)
    history = sam.get(f"/documents/{invoice.id}/emails").get_data(as_text=True)
    home = sam.get("/").get_data(as_text=True)
    for html in (preview, sent_list, history, home):
        assert_settings_first(html, sam.user_id)
        assert "535" not in outside_details(html)
    row = home[home.index(f'id="retry-row-{record.id}"'):]
    assert row.index("Open SMTP settings") < row.index(">Retry")


def test_the_smtp_tab_opened_from_a_failure_names_the_field_to_focus(sam, refused):
    html, record, _ = refused
    link = FIX.search(html).group(2)
    page = sam.get(link.split("#")[0]).get_data(as_text=True)
    assert 'id="smtp_username"' in page  # the anchor the link names, focused by app.js


def test_after_fixing_the_password_retry_sends(sam, refused, app):
    _, record, _ = refused
    sam.smtp.users = {"user": "secret"}
    assert "Sent." in sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    assert len(sam.smtp.wait_for_messages(1)) == 1


def test_a_sent_result_keeps_the_servers_reply_in_details(sam, app):
    html = send(sam, first_document(app, "invoice").id)
    [record] = messages(app)
    assert "Sent." in html and record.reply.startswith("250")
    assert record.reply not in outside_details(html) and "250" not in outside_details(html)
    assert f"Server reply: <code>{record.reply}</code>" in inside_details(html)
    preview = sam.get(f"/sent/{record.id}").get_data(as_text=True)
    assert record.reply not in outside_details(preview)
    assert record.reply in inside_details(preview)


def test_a_failure_that_may_pass_keeps_retry_first(sam, app):
    app.config.update(SEND_ATTEMPTS=3, SEND_RETRY_SECONDS=(60,))
    sam.smtp.stop()  # nothing listening: the panel tries again by itself
    html = send(sam, first_document(app, "invoice").id)
    assert "Not sent yet: will try again at" in html
    fix, retry = FIX.search(html), RETRY.search(html)
    assert retry and retry.group(1) == ' class="primary"'
    assert fix and fix.group(1) is None and retry.start() < fix.start()


def send_test(sam, password: str) -> str:
    return sam.post(f"/users/{sam.user_id}/email/smtp/test", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(sam.smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": password,
        "test_to": "pat@example.org", "test_subject": "Does it work?"}).get_data(as_text=True)


def test_send_test_refused_offers_the_smtp_settings_and_keeps_the_reply_in_details(sam):
    html = send_test(sam, "wrong-password")
    assert "Send Test failed" in html and "rejected the user name or password" in html
    fix = FIX.search(html)
    assert fix and fix.group(1) == " primary"
    assert fix.group(2) == f"/users/{sam.user_id}/email/smtp#smtp_username"
    assert "535" not in outside_details(html) and "535" in inside_details(html)
    assert "wrong-password" not in html


def test_send_test_that_works_keeps_the_reply_in_details(sam):
    html = send_test(sam, "secret")
    assert "It works: the test message was sent." in html
    assert "250" not in outside_details(html) and "250" in inside_details(html)
    assert "Open SMTP settings" not in html


def test_the_preview_folds_headers_and_raw_under_technical_details(sam, app):
    send(sam, first_document(app, "invoice").id)
    [record] = messages(app)
    page = sam.get(f"/sent/{record.id}").get_data(as_text=True)
    views = re.search(r'<nav class="tabs small" aria-label="Message views">(.*?)</nav>', page,
                      re.S).group(1)
    assert ">HTML</a>" in views and ">Text</a>" in views and "Headers" not in views
    technical = re.search(r'<details class="technical"( open)?>\s*<summary>Technical details'
                          r'</summary>(.*?)</details>', page, re.S)
    assert technical and technical.group(1) is None  # closed until asked for
    assert ">Headers</a>" in technical.group(2) and ">Raw</a>" in technical.group(2)
    assert "Content-Type: multipart/mixed" not in page
    headers = sam.get(f"/sent/{record.id}?view=headers").get_data(as_text=True)
    opened = re.search(r'<details class="technical" open>(.*?)</details>', headers, re.S)
    assert opened and '<th scope="row">Subject</th>' in opened.group(1)
    raw = sam.get(f"/sent/{record.id}?view=raw").get_data(as_text=True)
    opened = re.search(r'<details class="technical" open>(.*?)</details>', raw, re.S)
    assert opened and "Content-Type: multipart/mixed" in opened.group(1)

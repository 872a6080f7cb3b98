"""A person in a real browser emails an invoice, finds it in Sent mail, and hands one to their
email program; hostile names run nothing."""

from __future__ import annotations

import email
import re
from email import policy

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_document, sign_in, use_smtp

pytestmark = pytest.mark.e2e


def test_email_an_invoice_then_preview_it_in_sent_mail(page: Page, panel, first_admin,
                                                       plain_smtp):
    sign_in(page, panel)
    use_smtp(page, panel, plain_smtp.port)
    open_document(page, panel, "INV-0001")
    pdf_url = page.url + "/pdf"
    page.get_by_role("button", name="Email", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("Email Invoice INV-0001"))
    expect(dialog.get_by_label("To")).not_to_have_value("")
    dialog.get_by_label("Subject").fill("Your March invoice INV-0001")
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(dialog.get_by_text("Sent.", exact=True)).to_be_visible()
    [received] = plain_smtp.wait_for_messages(1)
    message = email.message_from_bytes(received.data, policy=policy.default)
    assert message["Subject"] == "Your March invoice INV-0001"

    dialog.get_by_role("link", name="Open in Sent mail").click()
    expect(page.get_by_role("heading", name="Your March invoice INV-0001")).to_be_visible()
    page.get_by_role("link", name="Text", exact=True).click()
    expect(page.locator("pre.mail-text")).to_contain_text("Dear")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Download Invoice-INV-0001\.pdf")).click()
    pdf = download_info.value.path().read_bytes()
    [attachment] = list(message.iter_attachments())
    assert pdf == attachment.get_content() == page.request.get(pdf_url).body()

    page.get_by_role("link", name="Sent mail").click()
    page.get_by_role("link", name="Your March invoice INV-0001").first.click()
    expect(page.locator("#preview").get_by_role("heading", level=2)).to_have_text(
        "Your March invoice INV-0001")


def test_email_client_downloads_a_draft_that_parses(page: Page, panel, first_admin,
                                                    plain_smtp):
    sign_in(page, panel)
    use_smtp(page, panel, plain_smtp.port, method="Email Client")
    open_document(page, panel, "INV-0002")
    pdf_url = page.url + "/pdf"
    page.get_by_role("button", name="Email", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("link", name=re.compile("Open a new email"))).to_have_attribute(
        "href", re.compile("^mailto:"))
    with page.expect_download() as download_info:
        dialog.get_by_role("button", name="Download draft").click()
    expect(dialog.get_by_text("Your draft is ready.")).to_be_visible()
    draft = email.message_from_bytes(download_info.value.path().read_bytes(),
                                     policy=policy.default)
    assert draft["X-Unsent"] == "1" and "INV-0002" in draft["Subject"]
    [pdf] = list(draft.iter_attachments())
    assert pdf.get_filename() == "Invoice-INV-0002.pdf"
    assert pdf.get_content() == page.request.get(pdf_url).body()
    assert plain_smtp.messages == []


HOSTILE = '<img src=x onerror="fetch(\'https://evil.example/\')"><script>alert(1)</script>'


def test_hostile_names_and_subjects_run_nothing(page: Page, panel, first_admin, plain_smtp,
                                                hostile_invoice):
    dialogs, outside = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith(panel) else None)
    sign_in(page, panel)
    use_smtp(page, panel, plain_smtp.port)
    page.goto(f"{panel}/documents/{hostile_invoice}")
    expect(page.get_by_text("<script>alert(1)</script>", exact=False).first).to_be_visible()
    page.get_by_role("button", name="Email", exact=True).click()
    dialog = page.get_by_role("dialog")
    subject = HOSTILE + ' <a href="javascript:alert(3)" hx-get="/x">x</a>'
    dialog.get_by_label("Subject").fill(subject)
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(dialog.get_by_text("Sent.", exact=True)).to_be_visible()
    page.goto(f"{panel}/sent")
    page.get_by_role("link", name=re.compile("script")).first.click()
    expect(page.locator("#preview h2")).to_contain_text("<script>alert(1)</script>")
    page.wait_for_timeout(500)
    assert dialogs == [] and outside == []
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # hx-get did not fire

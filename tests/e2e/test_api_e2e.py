"""A person in a real browser: the admin sets up both integrations, then Gmail and Outlook are
signed in on the stand-ins' consent pages, used to email an invoice, and de-authorized."""

from __future__ import annotations

import email
import re
import sqlite3
from email import policy

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import configure_integrations, open_document, sign_in, sign_in_and_choose

pytestmark = pytest.mark.e2e
def email_invoice(page: Page, panel: str, subject: str) -> str:
    open_document(page, panel, "INV-0001")
    pdf_url = page.url + "/pdf"
    page.get_by_role("button", name="Email", exact=True).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Subject").fill(subject)
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(dialog.get_by_text("Sent.", exact=True)).to_be_visible()
    return pdf_url


@pytest.mark.parametrize("tab", ["Gmail", "Outlook"])
def test_sign_in_send_and_preview(page: Page, panel, first_admin, tab, google_stand_in,
                                  microsoft_stand_in):
    stand_in = google_stand_in if tab == "Gmail" else microsoft_stand_in
    sign_in(page, panel)
    configure_integrations(page, panel)
    sign_in_and_choose(page, panel, tab)
    subject = f"Invoice through the {tab} API"
    pdf_url = email_invoice(page, panel, subject)
    sent = email.message_from_bytes(stand_in.sent[-1].raw, policy=policy.default)
    assert sent["Subject"] == subject
    [pdf] = list(sent.iter_attachments())
    assert pdf.get_content() == page.request.get(pdf_url).body()
    page.goto(f"{panel}/users/1/email/{tab.lower()}")
    page.get_by_role("link", name=subject).click()
    expect(page.locator("#preview").get_by_role("heading", level=2)).to_have_text(subject)
    expect(page.locator("#preview")).to_contain_text("Invoice-INV-0001.pdf")


def test_de_authorize_gmail_revokes_and_leaves_no_token(page: Page, panel, first_admin,
                                                        google_stand_in, instance):
    sign_in(page, panel)
    configure_integrations(page, panel)
    sign_in_and_choose(page, panel, "Gmail")
    page.get_by_role("tab", name="Gmail").click()
    page.get_by_role("button", name="De-Authorize Gmail").click()
    expect(page.get_by_text(re.compile("Google revoked the panel's access"))).to_be_visible()
    expect(page.get_by_role("button", name="Sign In With Google")).to_be_visible()
    assert google_stand_in.revoked
    with sqlite3.connect(instance / "webpanel.db") as connection:
        rows = connection.execute(
            "SELECT count(*) FROM oauth_accounts WHERE provider = 'google'").fetchone()[0]
    assert rows == 0

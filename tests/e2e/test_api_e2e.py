"""A person in a real browser: the admin sets up both integrations, then Gmail and Outlook are
signed in on the stand-ins' consent pages, used to email an invoice, and de-authorized."""

from __future__ import annotations

import email
import re
import sqlite3
from email import policy

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_document, sign_in
from tests.support.oauth_fixtures import (
    GOOGLE_ID,
    GOOGLE_SECRET,
    MICROSOFT_ID,
    MICROSOFT_SECRET,
)

pytestmark = pytest.mark.e2e
TABS = {"Gmail": ("Sign In With Google", "Gmail API"), "Outlook": ("Sign in to Outlook",
                                                                   "Outlook API")}


def configure_integrations(page: Page, panel: str) -> None:
    page.get_by_role("link", name="Integrations").click()
    page.get_by_label("Google client ID").fill(GOOGLE_ID)
    page.get_by_label("Google client secret").fill(GOOGLE_SECRET)
    page.get_by_label("Microsoft application (client) ID").fill(MICROSOFT_ID)
    page.get_by_label("Microsoft client secret").fill(MICROSOFT_SECRET)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    assert GOOGLE_SECRET not in page.content()


def sign_in_and_choose(page: Page, panel: str, tab: str) -> None:
    """Sign in on the tab through the stand-in's consent page, then choose its API."""
    button, method = TABS[tab]
    page.goto(f"{panel}/users/1/email/general")
    page.get_by_label("Email Address").fill("boss@example.com")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("tab", name=tab).click()
    expect(page.locator(f'.tab-body[data-tab="{tab.lower()}"]')).to_be_visible()
    if page.get_by_role("button", name=button).count():  # an earlier test may have signed in
        page.get_by_role("button", name=button).click()
        page.get_by_role("button", name="Allow").click()
        expect(page.get_by_text("Signed in as boss@example.com")).to_be_visible()
    expect(page.get_by_role("button", name=f"De-Authorize {tab}")).to_be_visible()
    page.get_by_role("tab", name="SMTP").click()
    page.get_by_role("radio", name=method).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()


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

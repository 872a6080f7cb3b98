"""A person emails an invoice, the customer's server sends it back, and Sent mail shows the
bounce on the row and in the preview: Check now queues a reading for the panel's background
worker (started by `make run`), and the page shows what it found; no page waits for the
inbox."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_document, panel_app, sign_in, switch_off_imap, use_smtp
from tests.support.sent_mail import UNKNOWN, envid_of, report, set_up_imap

pytestmark = pytest.mark.e2e


@pytest.fixture
def inbox(panel, instance, first_admin, dovecot):
    """inbox(): the administrator's IMAP set up on a fresh Dovecot account (as the SMTP tab's
    section saves it); switched off afterwards (other tests share the panel)."""
    app = panel_app(instance)

    def set_up():
        account = dovecot.add_account()
        set_up_imap(app, 1, dovecot, account)
        return account

    yield set_up
    switch_off_imap(app)


def test_a_bounced_recipient_shows_in_sent_mail(page: Page, panel, smtp_server_factory,
                                                dovecot, inbox):
    server = smtp_server_factory(mode="plain", dsn=True)
    sign_in(page, panel)
    use_smtp(page, panel, server.port)
    account = inbox()
    open_document(page, panel, "INV-0001")
    page.get_by_role("button", name="Email", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("Email Invoice INV-0001"))
    customer = dialog.get_by_label("To").input_value()
    subject = f"Invoice INV-0001, bounce {secrets.token_hex(3)}"
    dialog.get_by_label("Subject").fill(subject)
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(dialog.get_by_text("Sent.", exact=True)).to_be_visible()
    [received] = server.wait_for_messages(1)
    dovecot.append(account, "INBOX", report(received.data, customer,
                                          envid=envid_of(received.data)))

    page.goto(f"{panel}/sent")
    status = page.locator("#bounce-check")
    expect(status).to_contain_text("The panel reads your inbox for them every 5 minutes.")
    page.get_by_role("button", name="Check now").click()
    # the worker reads within a few seconds; its own 5-minute round may have read it first
    expect(status).to_contain_text(re.compile(r"1 new bounce found|No new bounce reports|"
                                              r"a moment ago"), timeout=20_000)
    expect(status).to_contain_text("Bounce reports read at ")
    page.reload()
    row = page.get_by_role("row").filter(has_text=subject)
    expect(row.get_by_text("Bounced", exact=True)).to_be_visible()
    row.get_by_role("link", name=subject).click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text(f"Bounced {customer}: {UNKNOWN.format(customer)}")

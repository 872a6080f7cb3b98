"""A person sets up the Sent folder copy on the SMTP tab (Find folders picks Sent), emails an
invoice, and Sent mail says the copy is in their Sent folder, which holds the exact message."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_document, panel_app, sign_in, use_smtp
from tests.e2e.screens import SIZES, axe_violations, fits_the_width, sized_page, small_targets
from webpanel.extensions import db
from webpanel.settings.models import ImapSettings

pytestmark = pytest.mark.e2e


@pytest.fixture
def imap_switched_off_afterwards(panel, instance, first_admin):
    """Other tests share the panel: the administrator's copy is off again after this test."""
    yield
    switch_off_imap(panel_app(instance))


def switch_off_imap(app) -> None:
    """The administrator's Sent folder copy off again (other tests share the panel)."""
    with app.app_context():
        row = db.session.get(ImapSettings, 1)
        if row is not None:
            row.enabled = False
            db.session.commit()
    app.extensions["webpanel.engine"].dispose()


def test_set_up_the_copy_and_see_it_in_sent_mail(page: Page, panel, plain_smtp, dovecot,
                                                 imap_switched_off_afterwards):
    account = dovecot.add_account()
    sign_in(page, panel)
    use_smtp(page, panel, plain_smtp.port)
    section = page.get_by_role("region", name="Sent folder copy (IMAP)")
    section.get_by_role("link", name="Set up a copy in my Sent folder").click()
    section.get_by_label("IMAP Server").fill("localhost")
    section.get_by_label("IMAP Port").fill(str(dovecot.tls_port))
    section.get_by_role("group", name="IMAP Security").get_by_label("SSL").check()
    section.get_by_label("Use the same user name and password as SMTP").uncheck()
    section.get_by_label("IMAP User Name").fill(account.user)
    section.get_by_label("IMAP Password").fill(account.password)
    section.get_by_role("button", name="Find folders").click()
    expect(section.get_by_role("status").filter(has_text="Found 3 folders.")).to_be_visible()
    expect(section.get_by_label("Folder for copies")).to_have_value("Sent")
    section.get_by_role("button", name="Save Sent folder copy").click()
    expect(section.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    expect(section.get_by_text("A password is stored for this IMAP server.")).to_be_visible()

    open_document(page, panel, "INV-0001")
    page.get_by_role("button", name="Email", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("Email Invoice INV-0001"))
    subject = f"Invoice INV-0001, copy {secrets.token_hex(3)}"
    dialog.get_by_label("Subject").fill(subject)
    dialog.get_by_role("button", name="Send", exact=True).click()
    # the answer comes once the copy is made too (within the panel's MAIL_TIMEOUT, 3 s here)
    expect(dialog.get_by_text("Sent.", exact=True)).to_be_visible(timeout=15_000)
    [received] = plain_smtp.wait_for_messages(1)

    page.goto(f"{panel}/sent")
    row = page.get_by_role("row").filter(has_text=subject)
    expect(row).to_contain_text("Copy in your Sent folder (Sent).")
    assert dovecot.messages(account, "Sent") == [received.data]


@pytest.mark.parametrize("size", SIZES)
def test_the_open_section_is_accessible_at_each_size(size, browser, panel, signed_in_state,
                                                     plain_smtp, imap_switched_off_afterwards):
    with sized_page(browser, size, signed_in_state) as page:
        use_smtp(page, panel, plain_smtp.port)
        section = page.get_by_role("region", name="Sent folder copy (IMAP)")
        section.get_by_role("link", name="Set up a copy in my Sent folder").click()
        section.get_by_label("IMAP Server").fill("")  # another test may have saved one
        section.get_by_role("button", name="Save Sent folder copy").click()
        expect(section.get_by_role("alert").filter(has_text="Not saved")).to_be_visible()
        expect(section.get_by_text("Enter your provider's IMAP server")).to_be_visible()
        assert axe_violations(page) == []
        assert small_targets(page) == []
        fits_the_width(page, size)

"""Closing the Email dialog asks "Discard this email?" only while what was typed is unsent: once
the message is recorded (here a send that failed and is kept in Sent mail), it just closes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import open_document, sign_in, use_smtp
from tests.support.smtpd import closed_port

pytestmark = pytest.mark.e2e

KEPT = re.compile(r"^Nothing is lost: the message is kept in Sent mail as failed")


def close(page: Page, dialog: Locator, how: str) -> None:
    """Close the way a person does: the Escape key or the dialog's Close button."""
    if how == "Escape":
        page.keyboard.press("Escape")
    else:
        dialog.get_by_role("button", name="Close", exact=True).click()


def keep_editing(page: Page, dialog: Locator, how: str) -> None:
    """Closing with unsent typing asks first; "Keep editing" goes back to the form."""
    question = page.get_by_role("dialog", name="Discard this email?")
    close(page, dialog, how)
    expect(question).to_be_visible()
    question.get_by_role("button", name="Keep editing").click()
    expect(question).to_be_hidden()
    expect(dialog).to_be_visible()


@pytest.mark.parametrize("how", ["Escape", "Close"])
def test_a_failed_send_closes_without_the_discard_question(how, page: Page, panel,
                                                           first_admin):
    sign_in(page, panel)
    use_smtp(page, panel, closed_port())  # nothing listens there: the send fails
    open_document(page, panel, "INV-0001")
    page.get_by_role("button", name="Email", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("Email Invoice INV-0001"))
    recipient = f"bad-day-{how.lower()}@example.org"
    dialog.get_by_label("To").fill("")
    keep_editing(page, dialog, how)  # typed, nothing sent yet

    dialog.get_by_role("button", name="Send", exact=True).click()  # refused at the field
    expect(dialog.get_by_text("Not sent: fix the fields marked in red.", exact=True)
           ).to_be_visible()
    keep_editing(page, dialog, how)  # still nothing recorded

    dialog.get_by_label("To").fill(recipient)
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(dialog.get_by_text("Not sent", exact=True)).to_be_visible()
    expect(dialog.get_by_text(KEPT)).to_be_visible()
    close(page, dialog, how)
    expect(page.get_by_role("dialog")).to_have_count(0)  # closed, and no question
    history = page.get_by_role("region", name="Email history")
    expect(history.get_by_role("row").filter(has_text=recipient)).to_contain_text("Failed")

"""In a real browser: Send Test on the Gmail and Outlook tabs opens the same dialog as the SMTP
tab's, addressed to oneself, and the message arrives at the stand-in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import configure_integrations, sign_in, sign_in_and_choose

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("tab", ["Gmail", "Outlook"])
def test_send_test_through_the_api(page: Page, panel, first_admin, tab, google_stand_in,
                                   microsoft_stand_in):
    stand_in = google_stand_in if tab == "Gmail" else microsoft_stand_in
    sign_in(page, panel)
    configure_integrations(page, panel)
    sign_in_and_choose(page, panel, tab)
    page.get_by_role("tab", name=tab).click()
    panel_body = page.locator(f'.tab-body[data-tab="{tab.lower()}"]')
    expect(panel_body).to_be_visible()  # not the SMTP tab's own Send Test
    panel_body.get_by_role("button", name="Send Test").click()
    dialog = page.get_by_role("dialog", name="Send Test")
    expect(dialog.get_by_label("Send to")).to_have_value("boss@example.com")
    subject = f"Send Test through the {tab} API"
    dialog.get_by_label("Subject").fill(subject)
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(dialog.get_by_text("It works: the test message was sent.")).to_be_visible()
    assert stand_in.sent[-1].message["Subject"] == subject

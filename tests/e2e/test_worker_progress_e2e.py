"""The Email dialog follows a send that the background worker makes: the panel runs as
`make run` starts it (gunicorn and a `flask worker` process on the same instance folder, no
immediate mode), the dialog says "Sending…" while the mail server holds its answer, then
"Sent." by itself (htmx asks again), and the document's email history follows."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_document, sign_in, use_smtp

pytestmark = pytest.mark.e2e


def test_the_dialog_goes_from_sending_to_sent_by_itself(page: Page, panel, first_admin,
                                                        smtp_server_factory):
    server = smtp_server_factory(hold_replies=True)  # takes the message, answers when told
    sign_in(page, panel)
    use_smtp(page, panel, server.port)
    open_document(page, panel, "INV-0002")
    page.get_by_role("button", name="Email", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("Email Invoice INV-0002"))
    recipient = f"worker-{secrets.token_hex(3)}@example.org"
    dialog.get_by_label("To").fill(recipient)
    dialog.get_by_role("button", name="Send", exact=True).click()

    result = dialog.get_by_role("status")
    expect(result).to_contain_text(re.compile("Sending…|Queued"))
    server.wait_for_messages(1, timeout=30)  # a worker is handing it over
    expect(result).to_contain_text("Sending…")
    history = page.get_by_role("region", name="Email history")
    row = history.get_by_role("row").filter(has_text=recipient)
    expect(row).to_contain_text(re.compile("Queued|Sending"))

    server.release_replies()
    expect(dialog.get_by_text("Sent.", exact=True)).to_be_visible()
    expect(result).to_contain_text(f"went to {recipient}")
    expect(row).to_contain_text("Sent")
    assert len(server.messages) == 1

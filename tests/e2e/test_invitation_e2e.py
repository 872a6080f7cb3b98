"""An invitation in a real browser: the administrator adds a colleague with "Email them a link to
set their password"; the email arrives through the administrator's own SMTP server, and its
link, opened on a phone (390 px), lets the colleague choose their password and signs them in;
the link then says plainly that it was used."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import use_smtp
from tests.e2e.screens import axe_violations, fits_the_width, sized_page, small_targets

pytestmark = pytest.mark.e2e

LINK = re.compile(r"(http://\S+/invitation/\S+)")
CHOSEN = "my own long password"


def test_the_invitation_link_works_on_a_phone(browser, panel, signed_in_state, plain_smtp):
    colleague = f"robin.{uuid.uuid4().hex[:8]}@example.com"
    with sized_page(browser, "desktop", signed_in_state) as admin:
        use_smtp(admin, panel, plain_smtp.port)
        admin.goto(f"{panel}/users/")
        expect(admin.get_by_label("Email them a link to set their password")).to_be_checked()
        expect(admin.get_by_label("Password", exact=True)).to_be_hidden()
        admin.get_by_label("Name", exact=True).fill("Robin Vale")
        admin.get_by_label("Email", exact=True).fill(colleague)
        admin.get_by_role("button", name="Add user").click()
        expect(admin.get_by_text(f"An invitation went to {colleague}")).to_be_visible()
        row = admin.get_by_role("row").filter(has_text=colleague)
        expect(row).to_contain_text("Invitation sent, waiting")
        assert axe_violations(admin) == [] and small_targets(admin) == []

    [received] = plain_smtp.wait_for_messages(1)
    assert received.rcpt_tos == [colleague]
    text = received.parsed().get_body(preferencelist=("plain",)).get_content()
    link = LINK.search(text).group(1)
    assert link.startswith(f"{panel}/invitation/")

    with sized_page(browser, "phone") as page:
        page.goto(link)
        expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
        expect(page.get_by_text(colleague)).to_be_visible()
        fits_the_width(page, "phone")
        assert axe_violations(page) == [] and small_targets(page) == []
        page.get_by_label("Password", exact=True).fill(CHOSEN)
        page.get_by_label("Password again").fill(CHOSEN)
        page.get_by_role("button", name="Save my password").click()
        page.wait_for_url(f"{panel}/")
        expect(page.get_by_text("Your password is set and you are signed in.")).to_be_visible()
        expect(page.get_by_role("heading", name="Hello, Robin Vale")).to_be_visible()
        fits_the_width(page, "phone")

        page.goto(link)
        expect(page.get_by_text("This link was already used to choose a password.")).to_be_visible()
        fits_the_width(page, "phone")

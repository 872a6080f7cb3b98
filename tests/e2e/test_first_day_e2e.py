"""A colleague's first day in a real browser: the administrator adds them with a name and a
password; they sign in and choose their own password; the home page says their email is not set
up, the Email dialog says so too, the link leads to the SMTP tab, Use recommended settings fills
it in; a failed send waits on the home page and Retry turns its row "Sent"; times show in the
browser's time zone; a refused send's message takes the focus in view."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_office_page, sign_in

pytestmark = pytest.mark.e2e

LEE, LEE_PASSWORD = "lee.park@gmail.com", "lee's long password"
GIVEN = "the password the administrator gave Lee"


def add_colleague(page: Page, panel: str) -> None:
    sign_in(page, panel)
    open_office_page(page, "Users")
    page.get_by_label("Name", exact=True).fill("Lee Park")
    page.get_by_label("Email", exact=True).fill(LEE)
    page.get_by_label("Set a password now").check()
    page.get_by_label("Password", exact=True).fill(GIVEN)
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_text(f"Added {LEE}.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=LEE)).to_contain_text("Lee Park")


def sign_in_as_lee(page: Page, panel: str) -> None:
    """Lee's first sign-in: the administrator's password, then Lee chooses their own."""
    page.goto(f"{panel}/login")
    page.get_by_label("Email").fill(LEE)
    page.get_by_label("Password").fill(GIVEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    page.get_by_label("Password", exact=True).fill(LEE_PASSWORD)
    page.get_by_label("Password again").fill(LEE_PASSWORD)
    page.get_by_role("button", name="Save my password").click()
    page.wait_for_url(re.compile(r"/$"))  # loaded: htmx wires the buttons (see open_document)


def use_local_server(page: Page, port: int) -> None:
    page.get_by_role("textbox", name="SMTP Server").fill("127.0.0.1")
    page.get_by_label("NONE", exact=True).check()
    page.get_by_label("Port").fill(str(port))
    page.get_by_label("User Name").fill("user")
    page.get_by_label("Password").fill("secret")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()


def test_a_colleagues_first_day(browser, panel, first_admin, plain_smtp):
    admin = browser.new_context()
    add_colleague(admin.new_page(), panel)
    admin.close()

    context = browser.new_context(timezone_id="America/Los_Angeles",
                                  viewport={"width": 1366, "height": 768})
    page = context.new_page()
    sign_in_as_lee(page, panel)
    expect(page.get_by_role("heading", name="Hello, Lee Park")).to_be_visible()
    expect(page.get_by_text("Your email is not set up yet")).to_be_visible()

    page.get_by_role("button", name=re.compile(r"^Email Invoice")).first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("does not know your SMTP server")).to_be_visible()
    expect(dialog.get_by_role("link", name="Set up sending on the SMTP tab")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)

    page.get_by_role("link", name="Set up sending on the SMTP tab").click()
    page.wait_for_url(re.compile(r"/email/smtp$"))
    expect(page.get_by_role("tab", name="SMTP")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("Recommended: server smtp.gmail.com, port 465, SSL.")).to_be_visible()
    page.get_by_role("button", name="Use recommended settings").click()
    confirmation = page.get_by_role("status").filter(has_text="Press Save")
    expect(confirmation).to_be_focused()
    expect(page.get_by_role("textbox", name="SMTP Server")).to_have_value("smtp.gmail.com")
    expect(page.get_by_label("Port")).to_have_value("465")
    expect(page.get_by_label("SSL", exact=True)).to_be_checked()
    expect(page.get_by_label("User Name")).to_have_value(LEE)
    use_local_server(page, plain_smtp.port)  # the office's test server instead of Google's

    page.get_by_role("tab", name="General").click()
    expect(page.get_by_label("Email Display Name")).to_have_value("Lee Park")
    expect(page.get_by_label("Email Address")).to_have_value(LEE)
    expect(page.get_by_label("Time zone")).to_have_value("America/Los_Angeles")

    plain_smtp.stop()
    page.get_by_role("link", name="webpanel").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_text("Your email is set up")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Email Invoice")).first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("To", exact=True).fill("not an address")
    dialog.get_by_role("button", name="Send").click()
    summary = dialog.get_by_text("Not sent: fix the fields marked in red.")
    expect(summary).to_be_focused()  # where the person is looking, not scrolled away
    expect(summary).to_be_in_viewport()
    dialog.get_by_label("To", exact=True).fill("pat@example.org")
    dialog.get_by_role("button", name="Send").click()
    expect(dialog.get_by_role("alert").filter(has_text="Not sent")).to_be_focused()
    dialog.get_by_role("button", name="Close").click()

    page.reload()
    waiting = page.get_by_role("region", name="Not sent yet")
    row = waiting.get_by_role("row").filter(has=page.get_by_role("button", name=re.compile(
        "^Retry")))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(re.compile(r"\d\d:\d\d P[SD]T"))  # the browser's zone
    expect(row.get_by_text("Failed", exact=True)).to_be_visible()
    plain_smtp.start()
    row.get_by_role("button", name=re.compile("^Retry")).click()
    expect(waiting.get_by_text("Sent.", exact=True)).to_be_visible()
    expect(waiting.locator("[data-message-badge]")).to_have_text("Sent")
    assert len(plain_smtp.messages) == 1
    context.close()

"""A colleague's first invoice in at most 12 actions, on a phone.

A fresh panel (`make run`, no sample data): the administrator creates the office with its name
and address, sets the office's mail server on the Company page and adds a colleague. The
colleague signs in (choosing their own password is part of signing in, not counted), then from
their first page: types their mail password and saves, starts a new invoice, adds its customer
inside the form, one item, Save and email, Send. Every click and every field counts; the test
counts them and the local SMTP server (STARTTLS, real TLS) receives the invoice.
"""

from __future__ import annotations

import email
import re
from email import policy

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, served_panel, write_instance_config
from tests.e2e.screens import fits_the_width, sized_page

pytestmark = pytest.mark.e2e

LEE, GIVEN, CHOSEN = "lee@northwind.example.com", "given by the boss 1", "lee's own password"
MAILBOX_PASSWORD = "lee's mailbox password"
MOST_ACTIONS = 12


class Actions:
    """Clicks and fields, counted."""

    def __init__(self) -> None:
        self.done: list[str] = []

    def click(self, target: Locator) -> None:
        self.done.append(f"click {target}")
        target.click()

    def fill(self, target: Locator, value: str) -> None:
        self.done.append(f"fill {target}")
        target.fill(value)


@pytest.fixture(scope="module")
def fresh_panel(tmp_path_factory, test_ca, google_stand_in, microsoft_stand_in):
    """A panel of its own, started as the README says, with no account yet."""
    instance = tmp_path_factory.mktemp("e2e-first-invoice")
    write_instance_config(instance, google_stand_in, microsoft_stand_in)
    with served_panel(instance, test_ca) as url:
        yield url


def set_up_the_office(page: Page, panel: str, smtp_port: int) -> None:
    """The administrator: the office, its mail server, and Lee (none of this is counted)."""
    page.goto(panel)
    page.get_by_label("Company name").fill("Northwind Studio LLC")
    page.get_by_label("Postal address").fill("120 Harbor Street\nPortland, OR 97204")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_label("Password again").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Your email")).to_be_visible()

    page.goto(f"{panel}/company/")
    office = page.locator("#office-mail")
    office.get_by_label("SMTP Server").fill("127.0.0.1")
    office.get_by_label("Port", exact=True).fill(str(smtp_port))
    office.get_by_role("group", name="Security", exact=True).get_by_label("TLS").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()

    page.goto(f"{panel}/users/")
    page.get_by_label("Name", exact=True).fill("Lee Park")
    page.get_by_label("Email", exact=True).fill(LEE)
    page.get_by_label("Set a password now").check()
    page.get_by_label("Password", exact=True).fill(GIVEN)
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_text(f"Added {LEE}.")).to_be_visible()


def sign_in_as_lee(page: Page, panel: str) -> None:
    """Signing in, with the first-time choice of a password (not counted)."""
    page.goto(f"{panel}/login")
    page.get_by_label("Email").fill(LEE)
    page.get_by_label("Password").fill(GIVEN)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Password", exact=True).fill(CHOSEN)
    page.get_by_label("Password again").fill(CHOSEN)
    page.get_by_role("button", name="Save my password").click()
    page.wait_for_url(re.compile(r"/$"))


def test_a_colleagues_first_invoice_goes_out_in_at_most_12_actions_on_a_phone(
        browser, fresh_panel, smtp_server_factory):
    smtp = smtp_server_factory(mode="starttls", users={LEE: MAILBOX_PASSWORD})
    with sized_page(browser, "desktop") as admin:
        set_up_the_office(admin, fresh_panel, smtp.port)

    with sized_page(browser, "phone") as page:
        sign_in_as_lee(page, fresh_panel)
        act = Actions()
        # Email set-up: the office's server is filled in; the password and Save are Lee's.
        act.click(page.get_by_role("link", name=re.compile("SMTP tab")))
        expect(page.get_by_role("textbox", name="SMTP Server")).to_have_value("127.0.0.1")
        expect(page.get_by_label("User Name")).to_have_value(LEE)
        act.fill(page.get_by_label("Password"), MAILBOX_PASSWORD)
        act.click(page.get_by_role("button", name="Save"))
        checked = "Saved and checked: 127.0.0.1 accepted your sign-in"
        expect(page.get_by_text(checked)).to_be_visible()

        # To a new invoice: Home, then New invoice.
        act.click(page.get_by_role("link", name="webpanel"))
        act.click(page.get_by_role("link", name="New invoice"))

        # The customer, inside the invoice (none exists yet, so its fields are open).
        new_customer = page.get_by_role("group", name="New customer")
        expect(new_customer).to_be_visible()
        act.fill(new_customer.get_by_label("Name", exact=True), "Harbor View Café")
        act.fill(new_customer.get_by_label("Email"), "luis@harborview.example.net")

        # One item: its quantity starts at 1.
        act.fill(page.get_by_label("Description, item 1"), "Website care, November")
        act.fill(page.get_by_label("Unit price, item 1"), "480.00")
        fits_the_width(page, "phone")
        act.click(page.get_by_role("button", name="Save and email"))

        dialog = page.get_by_role("dialog", name=re.compile("Email Invoice INV-"))
        expect(dialog.get_by_label("To", exact=True)).to_have_value("luis@harborview.example.net")
        act.click(dialog.get_by_role("button", name="Send", exact=True))
        expect(dialog.get_by_text("Sent.", exact=True)).to_be_visible(timeout=20_000)

    assert len(act.done) <= MOST_ACTIONS, "\n".join(act.done)
    [received] = smtp.wait_for_messages(1, timeout=10)
    assert received.auth_user == LEE and received.tls
    message = email.message_from_bytes(received.data, policy=policy.default)
    assert message["To"] == "luis@harborview.example.net"
    assert message["Subject"].endswith("from Northwind Studio LLC")
    [pdf] = [part for part in message.iter_attachments()
             if part.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == "Invoice-INV-0001.pdf"

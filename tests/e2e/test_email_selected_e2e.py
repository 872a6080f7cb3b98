"""Email selected in a browser, with the panel as `make run` starts it (gunicorn and a real
`flask worker`): twenty invoices ticked with "Select all on this page" go as twenty messages;
with the mail server down each is listed as failed with Retry; Retry all sends them, and the
dialog's progress follows them by itself, from waiting to "Sent", and stops asking once none
is on its way; on a phone, by keyboard alone, a customer without an email address
is listed, not sent."""

from __future__ import annotations

import datetime
import re
import secrets
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import panel_app, sign_in, use_smtp
from tests.e2e.screens import axe_violations, fits_the_width, sized_page, small_targets, tab_to
from tests.support.smtpd import closed_port
from webpanel.contacts.models import Contact
from webpanel.documents import services as documents
from webpanel.documents.models import Document
from webpanel.extensions import db

pytestmark = pytest.mark.e2e


def add_invoices(instance, name: str, emails: list[str]) -> list[str]:
    """One invoice per address, each for a customer "`name` N"; their numbers."""
    app = panel_app(instance)
    made = []
    with app.app_context():
        for n, email in enumerate(emails, start=1):
            contact = Contact(kind="customer", name=f"{name} {n}", contact_person="",
                              email=email, address="")
            document = Document(kind="invoice", contact=contact, date=datetime.date.today(),
                                tax_rate=Decimal("0"))
            db.session.add(contact)
            documents.set_items(document, [("Monthly service", Decimal(1), Decimal(90 + n))])
            documents.number_document(document)
            made.append(document)
        db.session.commit()
        numbers = [document.number for document in made]
    app.extensions["webpanel.engine"].dispose()
    return numbers


def test_twenty_selected_invoices_go_and_the_progress_follows_them(page: Page, panel, instance,
                                                                   first_admin,
                                                                   smtp_server_factory):
    tag = f"Bulk{secrets.token_hex(3)}"
    emails = [f"{tag.lower()}-{n}@example.org" for n in range(1, 21)]
    numbers = add_invoices(instance, tag, emails)
    sign_in(page, panel)
    use_smtp(page, panel, closed_port())  # no server there: every message fails, with Retry
    page.goto(f"{panel}/documents/invoices/?q={tag}")
    page.wait_for_load_state("load")  # htmx and the page's script are ready
    expect(page.get_by_role("checkbox", name=f"Select {numbers[0]}")).not_to_be_checked()

    page.get_by_label("Select all on this page").check()
    expect(page.get_by_role("status").filter(has_text="selected")).to_have_text("20 selected")
    for number in numbers:
        expect(page.get_by_role("checkbox", name=f"Select {number}", exact=True)).to_be_checked()
    page.get_by_role("button", name="Email selected").click()

    dialog = page.get_by_role("dialog", name="Email selected documents")
    expect(dialog).to_contain_text("20 emails, one for each document, each with its own PDF.")
    expect(dialog).to_contain_text("the Invoice email template (20).")
    expect(dialog.get_by_role("row").filter(has_text=emails[4])).to_contain_text(numbers[4])
    dialog.get_by_role("button", name="Send 20 emails").click()

    summary = dialog.get_by_role("status")  # what a screen reader hears as it changes
    expect(summary).to_have_text("Finished: 0 of 20 sent, 20 failed.", timeout=60_000)
    expect(dialog.get_by_role("button", name=re.compile(r"^Retry Invoice"))).to_have_count(20)

    server = smtp_server_factory(hold_replies=True)  # takes each message, answers when told
    settings = page.context.new_page()  # a second tab: the right server on the SMTP tab
    use_smtp(settings, panel, server.port)
    settings.close()
    dialog.get_by_role("button", name="Retry all 20 failed").click()
    # Nothing is answered yet: all twenty wait (released at once, within the panel's short
    # mail timeout, so none fails while held).
    expect(summary).to_have_text("Sending… 0 of 20 sent, 20 waiting.")
    server.release_replies()
    expect(summary).to_have_text("Finished: 20 of 20 sent.", timeout=60_000)
    expect(dialog.get_by_role("cell", name="Sent", exact=True)).to_have_count(20)
    region = dialog.get_by_role("region", name=re.compile("^Finished"))
    expect(region).not_to_have_attribute("hx-trigger", re.compile("."))  # no more asking
    assert sorted(m.parsed()["To"] for m in server.messages) == sorted(emails)
    assert len(server.messages) == 20

    rows = page.get_by_role("table").first.get_by_role("row")  # the list behind followed
    for number in numbers:
        expect(rows.filter(has_text=number)).to_contain_text("Sent")
    page.get_by_role("button", name="Close").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="selected")).to_have_text("None selected")


def test_on_a_phone_by_keyboard_a_customer_without_email_is_listed(browser, panel, instance,
                                                                    signed_in_state,
                                                                    plain_smtp):
    tag = f"Phone{secrets.token_hex(3)}"
    numbers = add_invoices(instance, tag, [f"{tag.lower()}-1@example.org", "",
                                           f"{tag.lower()}-3@example.org"])
    with sized_page(browser, "phone", signed_in_state) as page:
        use_smtp(page, panel, plain_smtp.port)
        page.goto(f"{panel}/documents/invoices/?q={tag}")
        page.wait_for_load_state("load")
        select_all = page.get_by_label("Select all on this page")
        select_all.focus()
        page.keyboard.press("Space")
        expect(page.get_by_role("status").filter(has_text="selected")).to_have_text(
            "3 selected")
        page.keyboard.press("Tab")  # the count is read out, not focused: next is the button
        expect(page.get_by_role("button", name="Email selected")).to_be_focused()
        page.keyboard.press("Enter")

        dialog = page.get_by_role("dialog", name="Email selected documents")
        expect(dialog).to_contain_text("2 emails, one for each document")
        expect(dialog).to_contain_text(f"{numbers[1]}: {tag} 2 has no email address.")
        send = dialog.get_by_role("button", name="Send 2 emails")
        tab_to(page, send)
        expect(send).to_be_in_viewport()
        fits_the_width(page, "phone")
        assert small_targets(page) == []
        assert axe_violations(page) == []
        page.keyboard.press("Enter")

        expect(dialog.get_by_role("status")).to_have_text("Finished: 2 of 3 sent, 1 not sent.",
                                                          timeout=30_000)
        row = dialog.get_by_role("row").filter(has_text=numbers[1])
        expect(row).to_contain_text("Not sent")
        expect(row).to_contain_text("has no email address")
        fits_the_width(page, "phone")
        assert axe_violations(page) == []
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
    assert len(plain_smtp.wait_for_messages(2, timeout=30)) == 2

"""An administrator edits the Invoice template and watches the preview follow; a person emails
an invoice with an extra file; the invoice page and the documents list show the send. On a
phone, by keyboard alone: Insert buttons and the Greeting field fill in the preview."""

from __future__ import annotations

import email
import re
from email import policy

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_document, open_office_page, sign_in, use_smtp
from tests.e2e.screens import SIZES

pytestmark = pytest.mark.e2e

TERMS = b"%PDF-1.4\n% Terms and conditions\n" + bytes(range(256)) * 8


def invoice_row(page: Page, number: str):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=number, exact=True))


def test_edit_the_invoice_template_then_email_an_invoice_with_an_extra_file(
        page: Page, panel, first_admin, plain_smtp):
    sign_in(page, panel)
    use_smtp(page, panel, plain_smtp.port)

    open_office_page(page, "Email templates")
    expect(page.get_by_role("link", name="Invoice", exact=True)).to_have_attribute(
        "aria-current", "page")
    expect(page.locator("#preview-subject")).to_contain_text(re.compile(r"^Invoice INV-\d+"))
    page.evaluate("window.stayedOnPage = true")
    page.get_by_label("Subject").fill("{{ document.title }} {{ document.number }}: thank you!")
    expect(page.locator("#preview-subject")).to_have_text(
        re.compile(r"^Invoice INV-\d+: thank you!$"))
    page.get_by_label("Body").fill("Hello {{ contact.name }},\n\n{{ document.total }} is due.")
    expect(page.locator("#preview-text")).to_contain_text(re.compile(r"is due\."))
    expect(page.frame_locator("#preview-html").locator("body")).to_contain_text("is due.")
    page.get_by_label("Body").fill("Amount: ")
    page.get_by_role("button", name="Insert Total").click()
    expect(page.get_by_label("Body")).to_have_value("Amount: {{ document.total }}")
    expect(page.locator("#preview-text")).to_contain_text(re.compile(r"Amount: \$[\d,]+\.\d\d"))
    page.get_by_label("Body").fill("Hello {{ contact.nmae }}")
    expect(page.locator("#template-preview")).to_contain_text(
        "Unknown placeholder “contact.nmae”. Did you mean {{ contact.name }}?")
    page.get_by_label("Greeting").select_option(label="None")  # the body has its own
    page.get_by_label("Body").fill(
        "{% if contact.person %}Dear {{ contact.person }},{% else %}Hello,{% endif %}\n\n"
        "Please find attached invoice {{ document.number }} for {{ document.total }}.\n\n"
        "Kind regards,")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    assert page.evaluate("window.stayedOnPage") is True  # no reload happened

    page.goto(f"{panel}/documents/invoices/?q=INV-0002")  # other tests add many invoices
    expect(invoice_row(page, "INV-0002")).not_to_contain_text(re.compile(r"\bSent\b"))
    open_document(page, panel, "INV-0002")
    page.get_by_role("button", name="Email", exact=True).click()
    dialog = page.get_by_role("dialog", name=re.compile("Email Invoice INV-0002"))
    expect(dialog).to_be_visible(timeout=20_000)  # the PDF may be rendered first
    expect(dialog.get_by_label("Subject")).to_have_value("Invoice INV-0002: thank you!")
    expect(dialog.get_by_label("Message")).to_have_value(
        re.compile(r"Please find attached invoice INV-0002"))
    dialog.get_by_label("Add files").set_input_files(files=[
        {"name": "Terms & Conditions.pdf", "mimeType": "application/octet-stream",
         "buffer": TERMS}])
    dialog.get_by_role("button", name="Send", exact=True).click()
    expect(dialog.get_by_text("Sent.", exact=True)).to_be_visible()
    [received] = plain_smtp.wait_for_messages(1)
    message = email.message_from_bytes(received.data, policy=policy.default)
    assert message["Subject"] == "Invoice INV-0002: thank you!"
    pdf, terms = message.iter_attachments()
    assert terms.get_filename() == "Terms & Conditions.pdf" and terms.get_content() == TERMS
    assert terms.get_content_type() == "application/pdf"
    dialog.get_by_role("button", name="Close").click()

    history = page.get_by_role("region", name="Email history")
    expect(history.get_by_role("row").nth(1)).to_contain_text("SMTP")
    expect(history.get_by_role("row").nth(1)).to_contain_text("Sent")
    expect(history.get_by_role("row").nth(1)).to_contain_text(first_admin)
    page.goto(f"{panel}/documents/invoices/?q=INV-0002")
    expect(invoice_row(page, "INV-0002")).to_contain_text(re.compile(r"\bSent\b"))


def test_insert_placeholders_and_choose_a_greeting_by_keyboard_on_a_phone(
        page: Page, panel, first_admin):
    page.set_viewport_size(SIZES["phone"])
    sign_in(page, panel)
    page.goto(f"{panel}/email-templates/proposals/")
    expect(page.get_by_label("Greeting")).to_have_value("dear")
    preview = page.locator("#preview-text")
    expect(preview).to_contain_text(re.compile(r"^Dear [^{}]+,\s+Thank you for your interest"))

    body = page.get_by_label("Body")
    body.fill("Amount: ")
    expect(preview).to_contain_text("Amount:")
    page.keyboard.press("Shift+Tab")  # the toolbar is one Tab stop, just before the Body
    expect(page.get_by_role("button", name="Insert Customer name")).to_be_focused()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    total = page.get_by_role("button", name="Insert Total")
    expect(total).to_be_focused()
    page.keyboard.press("Enter")
    expect(body).to_have_value("Amount: {{ document.total }}")
    expect(body).to_be_focused()
    expect(preview).to_contain_text(re.compile(r"Amount: \$[\d,]+\.\d\d"))

    subject = page.get_by_label("Subject")
    subject.focus()
    page.keyboard.press("End")
    page.keyboard.press("Tab")  # the Greeting field
    page.keyboard.press("Tab")  # the toolbar, on the button used last
    expect(total).to_be_focused()
    page.keyboard.press("Enter")  # goes to the Subject, the field used last
    expect(subject).to_have_value(re.compile(r"\{\{ company\.name \}\}\{\{ document\.total \}\}$"))
    expect(page.locator("#preview-subject")).to_have_text(re.compile(r"\$[\d,]+\.\d\d$"))

    greeting = page.get_by_label("Greeting")
    greeting.focus()
    greeting.select_option(label="Hello <contact person>, or Hello,")
    expect(preview).to_contain_text(re.compile(r"^Hello [^{}]+,\s+Amount: \$"))
    greeting.select_option(label="None")
    expect(preview).to_contain_text(re.compile(r"^Amount: \$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES["phone"]["width"]

"""The shortest way to a sent invoice: "New invoice" on the home page, a customer added inside
the document's form ("Add new customer…"), and Save and email."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.conftest import Htmx
from tests.support.documents import add_contact, document_form, redirect_target, text_of
from webpanel.contacts.models import Contact
from webpanel.documents.models import Document
from webpanel.extensions import db

NEW_INVOICE = "/documents/invoices/new"


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _new_customer_form(**fields) -> dict:
    return {**document_form("new"), **{f"new_contact-{k}": v for k, v in fields.items()}}


def test_the_home_page_starts_a_new_invoice(user_client):
    home = user_client.get("/").get_data(as_text=True)
    assert f'<a class="button primary" href="{NEW_INVOICE}">New invoice</a>' in home


def test_with_no_customer_yet_the_new_customer_fields_are_chosen(user_client):
    page = user_client.get(NEW_INVOICE).get_data(as_text=True)
    assert re.search(r'<option selected value="new">Add new customer…</option>', page)
    assert "<legend>New customer</legend>" in page
    assert '<label for="new_contact-name">Name</label>' in page


def test_a_customer_is_listed_and_new_is_offered_second(app, user_client):
    add_contact(app, "Acme Dental Practice")
    page = user_client.get(NEW_INVOICE).get_data(as_text=True)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", page.split('name="contact_id"')[1])
    assert options[:3] == ["Choose a customer…", "Add new customer…", "Acme Dental Practice"]
    assert '<option selected value="new">' not in page


def test_save_adds_the_new_customer_and_the_invoice_together(app, user_client):
    hx = Htmx(user_client, NEW_INVOICE)
    response = hx.post(NEW_INVOICE, _new_customer_form(
        name="Harbor View Café", email="luis@harborview.example.net", contact_person="Luis Ortega"))
    assert re.fullmatch(r"/documents/\d+", redirect_target(response))
    with app.app_context():
        document = db.session.scalars(select(Document)).one()
        customer = document.contact
        assert (customer.kind, customer.name, customer.email, customer.contact_person) == (
            "customer", "Harbor View Café", "luis@harborview.example.net", "Luis Ortega")
    assert "Harbor View Café" in user_client.get("/customers/").get_data(as_text=True)


def test_a_new_customer_without_a_name_is_told_at_its_field_and_nothing_is_saved(
        app, user_client):
    hx = Htmx(user_client, NEW_INVOICE)
    response = hx.post(NEW_INVOICE, _new_customer_form(name="", email="not an address"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="new_contact-name-error">Enter the company&#39;s or the person&#39;s '
                     r"name.</p>", html)
    assert 'id="new_contact-email-error">Enter one email address' in html
    assert "Consulting" in html  # the items typed are kept
    assert _count(app, Contact) == 0 and _count(app, Document) == 0


def test_choosing_an_existing_customer_ignores_the_new_customer_fields(app, user_client):
    acme = add_contact(app, "Acme Dental Practice")
    hx = Htmx(user_client, NEW_INVOICE)
    data = {**document_form(acme), "new_contact-name": "", "new_contact-email": "junk"}
    assert hx.post(NEW_INVOICE, data).status_code == 200  # HX-Redirect
    assert _count(app, Contact) == 1
    with app.app_context():
        assert db.session.scalars(select(Document)).one().contact_id == acme


def test_a_purchase_order_adds_a_vendor(app, user_client):
    url = "/documents/purchase-orders/new"
    page = user_client.get(url).get_data(as_text=True)
    assert "Add new vendor…" in page and "<legend>New vendor</legend>" in page
    Htmx(user_client, url).post(url, _new_customer_form(name="Paper Mill"))
    with app.app_context():
        assert db.session.scalars(select(Contact)).one().kind == "vendor"


def test_save_and_email_opens_the_email_dialog_on_the_saved_document(app, user_client):
    acme = add_contact(app, "Acme Dental Practice", email="desk@acme.example.org")
    hx = Htmx(user_client, NEW_INVOICE)
    target = redirect_target(hx.post(NEW_INVOICE, {**document_form(acme), "then": "email"}))
    assert re.fullmatch(r"/documents/\d+\?email=1", target)
    page = user_client.get(target).get_data(as_text=True)
    assert 'hx-trigger="submit, load"' in page  # the dialog opens as the page loads
    assert 'hx-trigger="submit, load"' not in user_client.get(target.split("?")[0]).get_data(
        as_text=True)


def test_save_and_email_without_script_goes_to_the_email_page(app, user_client):
    acme = add_contact(app, "Acme Dental Practice", email="desk@acme.example.org")
    hx = Htmx(user_client, NEW_INVOICE)
    response = hx.post(NEW_INVOICE, {**document_form(acme), "then": "email"}, htmx=False)
    assert response.status_code == 303
    assert re.fullmatch(r"/documents/\d+/email", redirect_target(response))
    page = user_client.get(redirect_target(response))
    assert page.status_code == 200 and "Email Invoice INV-0001" in text_of(page)
    assert 'value="desk@acme.example.org"' in page.get_data(as_text=True)  # To, prefilled


def test_an_item_starts_at_quantity_one_and_an_untouched_row_is_ignored(app, user_client):
    acme = add_contact(app, "Acme Dental Practice")
    page = user_client.get(NEW_INVOICE).get_data(as_text=True)
    assert re.search(r'name="lines-0-quantity"[^>]*value="1"|value="1"[^>]*name="lines-0-quantity"',
                     page)
    data = {**document_form(acme, lines=(("Cleaning", "1", "80.00"), ("", "1", "")))}
    Htmx(user_client, NEW_INVOICE).post(NEW_INVOICE, data)
    with app.app_context():
        document = db.session.scalars(select(Document)).one()
        assert [(line.description, line.quantity) for line in document.lines] == [("Cleaning", 1)]

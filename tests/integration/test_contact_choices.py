"""A document's Customer list stays small however many customers the office has: up to
CHOICES_IN_PAGE it holds them all; past that, the first ones by name and the chosen one, and the
box asks /customers/choices (or /vendors/choices) as the person types."""

from __future__ import annotations

import re

from sqlalchemy import insert, select

from tests.conftest import Htmx
from tests.support.documents import add_contact, document_form, redirect_target, text_of
from webpanel.contacts.models import Contact
from webpanel.contacts.services import CHOICES_IN_PAGE, CHOICES_IN_REPLY
from webpanel.documents.models import Document
from webpanel.extensions import db

NEW_INVOICE = "/documents/invoices/new"
SEARCH_HINT = "Type part of its name to find it among all your customers."


def _customers(app, count: int, kind: str = "customer") -> None:
    """`count` contacts named "Customer 0000 Ltd", … (names sort as their numbers)."""
    word = kind.capitalize()
    with app.app_context():
        db.session.execute(insert(Contact), [
            {"kind": kind, "name": f"{word} {n:04d} Ltd", "contact_person": "", "email": "",
             "address": ""} for n in range(count)])
        db.session.commit()


def _id_of(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Contact.id).where(Contact.name == name))


def _select(page: str) -> str:
    """The Customer <select> of a document form."""
    return re.search(r'<select[^>]*name="contact_id".*?</select>', page, re.S).group(0)


def _options(page: str) -> list[str]:
    return re.findall(r"<option[^>]*>([^<]*)</option>", _select(page))


def test_up_to_the_bound_every_customer_is_in_the_list_as_before(app, user_client):
    _customers(app, CHOICES_IN_PAGE)
    page = user_client.get(NEW_INVOICE).get_data(as_text=True)
    names = _options(page)[2:]
    assert len(names) == CHOICES_IN_PAGE and names[-1] == f"Customer {CHOICES_IN_PAGE - 1:04d} Ltd"
    assert "data-choices-url" not in _select(page)
    assert "Not in the list yet? Choose “Add new customer…”." in page


def test_past_the_bound_the_list_holds_the_first_ones_and_the_box_asks_the_server(
        app, user_client):
    _customers(app, CHOICES_IN_PAGE + 1)
    page = user_client.get(NEW_INVOICE).get_data(as_text=True)
    options = _options(page)
    assert options[:2] == ["Choose a customer…", "Add new customer…"]
    assert options[2:] == [f"Customer {n:04d} Ltd" for n in range(CHOICES_IN_PAGE)]
    assert 'data-choices-url="/customers/choices"' in _select(page)
    assert f'data-search-hint="The invoice is addressed to this customer. {SEARCH_HINT}' in page
    assert (f"This list shows only the first {CHOICES_IN_PAGE} customers by name; with "
            "JavaScript on, typing finds any of them.") in text_of(user_client.get(NEW_INVOICE))


def test_a_customer_past_the_first_ones_is_saved_and_listed_when_editing(app, user_client):
    _customers(app, CHOICES_IN_PAGE + 1)
    last = _id_of(app, f"Customer {CHOICES_IN_PAGE:04d} Ltd")
    hx = Htmx(user_client, NEW_INVOICE)
    response = hx.post(NEW_INVOICE, document_form(last))
    document_id = int(redirect_target(response).rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.get(Document, document_id).contact_id == last
    page = user_client.get(f"/documents/{document_id}/edit").get_data(as_text=True)
    assert len(_options(page)) == 2 + CHOICES_IN_PAGE + 1
    assert f'<option selected value="{last}">Customer {CHOICES_IN_PAGE:04d} Ltd</option>' in page


def test_a_failed_save_keeps_the_chosen_customer_in_the_list(app, user_client):
    _customers(app, CHOICES_IN_PAGE + 1)
    last = _id_of(app, f"Customer {CHOICES_IN_PAGE:04d} Ltd")
    hx = Htmx(user_client, NEW_INVOICE)
    response = hx.post(NEW_INVOICE, document_form(last, lines=(("Consulting", "3", "abc"),)))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<option selected value="{last}">Customer {CHOICES_IN_PAGE:04d} Ltd</option>' in page
    assert len(_options(page)) == 2 + CHOICES_IN_PAGE + 1


def test_a_tampered_or_deleted_or_other_kind_id_gets_the_field_message(app, user_client):
    _customers(app, CHOICES_IN_PAGE + 1)
    vendor = add_contact(app, "Paper Supplies", kind="vendor")
    gone = add_contact(app, "Gone Ltd")
    with app.app_context():
        db.session.delete(db.session.get(Contact, gone))
        db.session.commit()
    hx = Htmx(user_client, NEW_INVOICE)
    for posted in (vendor, gone, "99999999", "1 OR 1=1", "-3"):
        response = hx.post(NEW_INVOICE, document_form(posted))
        assert response.status_code == 422, posted
        assert re.search(r'id="contact_id-error">Choose a customer from the list.</p>',
                         response.get_data(as_text=True)), posted
    with app.app_context():
        assert db.session.scalar(select(Document.id)) is None


def test_the_choices_find_a_customer_by_part_of_its_name(app, user_client):
    _customers(app, CHOICES_IN_PAGE + 1)
    wanted = _id_of(app, "Customer 0077 Ltd")
    answer = user_client.get("/customers/choices?q=0077")
    assert answer.status_code == 200
    assert answer.get_data(as_text=True).strip() == (
        f'<option value="{wanted}">Customer 0077 Ltd</option>')
    first = user_client.get("/customers/choices?q=").get_data(as_text=True)
    names = re.findall(r">([^<]*)</option>", first)
    assert names == [f"Customer {n:04d} Ltd" for n in range(CHOICES_IN_REPLY)]
    assert "<option" not in user_client.get("/customers/choices?q=nobody").get_data(
        as_text=True)


def test_the_choices_escape_names(app, user_client):
    hostile = add_contact(app, "<b>A&B</b> \"quoted\"")
    body = user_client.get("/customers/choices?q=A%26B").get_data(as_text=True)
    assert f'<option value="{hostile}">&lt;b&gt;A&amp;B&lt;/b&gt; &#34;quoted&#34;</option>' in body
    assert "<b>" not in body


def test_the_vendor_choices_list_vendors_only(app, user_client):
    _customers(app, 3)
    _customers(app, 2, kind="vendor")
    body = user_client.get("/vendors/choices?q=Ltd").get_data(as_text=True)
    assert re.findall(r">([^<]*)</option>", body) == ["Vendor 0000 Ltd", "Vendor 0001 Ltd"]


def test_the_choices_are_refused_when_signed_out(app, user_id, client):
    add_contact(app, "Acme Dental Practice")
    answer = client.get("/customers/choices?q=Acme")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert "Acme Dental" not in answer.get_data(as_text=True)


def test_a_customers_page_starts_an_invoice_for_them_even_past_the_first_ones(app, user_client):
    _customers(app, CHOICES_IN_PAGE + 1)
    _customers(app, 1, kind="vendor")
    last = _id_of(app, f"Customer {CHOICES_IN_PAGE:04d} Ltd")  # not among the first listed
    link = f"{NEW_INVOICE}?contact={last}"
    customer_page = user_client.get(f"/customers/{last}/edit").get_data(as_text=True)
    assert f'href="{link}">New invoice for Customer {CHOICES_IN_PAGE:04d} Ltd</a>' in customer_page
    page = user_client.get(link).get_data(as_text=True)
    assert f'<option selected value="{last}">Customer {CHOICES_IN_PAGE:04d} Ltd</option>' in page
    vendor = _id_of(app, "Vendor 0000 Ltd")
    assert 'href="/documents/purchase-orders/new?contact=' in user_client.get(
        f"/vendors/{vendor}/edit").get_data(as_text=True)
    chosen = re.compile(r"<option selected[^>]*>[^<]*")
    plain = chosen.findall(_select(user_client.get(NEW_INVOICE).get_data(as_text=True)))
    assert plain == ['<option selected value="">Choose a customer…']
    for wrong in (str(vendor), "999999", "abc", str(2**40)):  # another kind, unknown, nonsense
        other = user_client.get(f"{NEW_INVOICE}?contact={wrong}")
        assert other.status_code == 200
        assert chosen.findall(_select(other.get_data(as_text=True))) == plain, wrong

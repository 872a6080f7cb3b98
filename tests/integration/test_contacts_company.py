"""The Company page (admins only), and customers and vendors: list, search, add, edit, delete."""

from __future__ import annotations

from markupsafe import escape

from tests.conftest import Htmx
from tests.support.documents import (
    add_contact,
    document_form,
    pager_links,
    redirect_target,
    text_of,
)
from webpanel.company.models import Company
from webpanel.contacts.models import Contact
from webpanel.extensions import db

COMPANY = {"name": "Northwind Studio LLC", "address": "120 Harbor Street\r\nPortland, OR 97204",
           "phone": "+1 503 555 0100", "email": "office@example.com"}
HOSTILE = ('<script>alert(1)</script>', '<img src=x onerror=alert(1)>',
           '"><a hx-get="/logout" hx-trigger="load">x</a>')


def contact_rows(app, kind: str = "customer") -> list[Contact]:
    with app.app_context():
        return list(db.session.query(Contact).filter_by(kind=kind).order_by(Contact.id))


# --- Company ---------------------------------------------------------------------------


def test_company_page_is_for_admins_only(user_client, admin_client):
    assert user_client.get("/company/").status_code == 403
    hx = Htmx(user_client, "/customers/")
    refused = hx.post("/company/", COMPANY)
    assert refused.status_code == 403 and "Ask an administrator" in text_of(refused)
    assert admin_client.get("/company/").status_code == 200


def test_company_nav_link_shows_for_admins_only(user_client, admin_client):
    user_nav = user_client.get("/customers/").get_data(as_text=True)
    admin_nav = admin_client.get("/customers/").get_data(as_text=True)
    for label in (">Documents<", ">Customers<", ">Vendors<"):
        assert label in user_nav and label in admin_nav
    assert ">Company<" not in user_nav and ">Company<" in admin_nav


def test_company_details_are_saved(app, admin_client):
    hx = Htmx(admin_client, "/company/")
    response = hx.post("/company/", COMPANY)
    assert response.status_code == 200 and "Saved" in text_of(response)
    assert "<html" not in response.get_data(as_text=True)
    with app.app_context():
        company = db.session.get(Company, 1)
        assert company.name == "Northwind Studio LLC"
        assert company.address == "120 Harbor Street\nPortland, OR 97204"
    page = admin_client.get("/company/").get_data(as_text=True)
    assert 'value="Northwind Studio LLC"' in page and 'value="+1 503 555 0100"' in page


def test_company_errors_show_beside_the_field(app, admin_client):
    hx = Htmx(admin_client, "/company/")
    for field, value, message in [
        ("name", "", "Enter your company's name."),
        ("name", "Acme\r\nBcc: x@example.com", "Line breaks are not allowed"),
        ("email", "not an address", "Enter one email address"),
        ("phone", "1" * 51, "Field cannot be longer than 50 characters."),
    ]:
        response = hx.post("/company/", {**COMPANY, field: value})
        assert response.status_code == 422
        assert f'id="{field}-error"' in response.text and message in text_of(response)
    with app.app_context():
        assert db.session.get(Company, 1) is None


# --- Customers and vendors -------------------------------------------------------------


def test_add_edit_and_delete_a_customer(app, user_client):
    hx = Htmx(user_client, "/customers/new")
    added = hx.post("/customers/new", {"name": "Harbor View Café", "contact_person": "Luis",
                                       "email": "Luis@Example.com", "address": "2 Pier Road"})
    assert added.status_code == 200 and redirect_target(added) == "/customers/"
    listing = text_of(user_client.get("/customers/"))
    assert "Added Harbor View Café." in listing and "Luis@example.com" in listing
    [contact] = contact_rows(app)
    edited = hx.post(f"/customers/{contact.id}/edit", {"name": "Harbor View Cafe & Bar",
                                                       "email": ""}, htmx=False)
    assert edited.status_code == 303
    assert "Saved Harbor View Cafe &amp; Bar." in user_client.get("/customers/").get_data(True)
    confirm = user_client.get(f"/customers/{contact.id}/delete")
    assert "cannot be undone" in text_of(confirm)
    deleted = hx.post(f"/customers/{contact.id}/delete", {}, htmx=False)
    assert deleted.status_code == 303
    assert "Deleted Harbor View Cafe & Bar." in text_of(user_client.get("/customers/"))
    assert contact_rows(app) == []


def test_vendors_are_kept_apart_from_customers(app, user_client):
    vendor = add_contact(app, "Paper & Ink Supplies", kind="vendor")
    add_contact(app, "Acme Dental")
    assert "Paper &amp; Ink Supplies" in user_client.get("/vendors/").get_data(True)
    assert "Paper &amp; Ink" not in user_client.get("/customers/").get_data(True)
    assert user_client.get(f"/customers/{vendor}/edit").status_code == 404
    hx = Htmx(user_client, "/vendors/new")
    hx.post("/vendors/new", {"name": "Cloudline Hosting"})
    assert [c.name for c in contact_rows(app, "vendor")] == ["Paper & Ink Supplies",
                                                             "Cloudline Hosting"]


def test_contact_form_errors_answer_422_with_the_fragment(app, user_client):
    hx = Htmx(user_client, "/customers/new")
    response = hx.post("/customers/new", {"name": "", "email": "two@example.com, three@x.org"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="contact-form"' in body
    text = text_of(response)
    assert "Enter the company's or the person's name." in text
    assert "Enter one email address" in text and "Not saved" in text
    newline = hx.post("/customers/new", {"name": "Acme\nDental"})
    assert newline.status_code == 422 and "Line breaks are not allowed" in text_of(newline)
    assert contact_rows(app) == []


def test_search_finds_contacts_by_name_person_or_email(app, user_client):
    for name in ("Zoë Müller & Søn", "Acme Dental Practice", "Blue Ridge Builders", "100% Cotton"):
        add_contact(app, name, email=f"{name.split()[0].lower()}@example.com")
    found = text_of(user_client.get("/customers/?q=müller"))
    assert "Zoë Müller & Søn" in found and "Acme" not in found
    by_email = Htmx(user_client, "/customers/").get("/customers/?q=acme@")
    assert "<html" not in by_email.get_data(as_text=True)
    assert "Acme Dental Practice" in text_of(by_email) and "Blue Ridge" not in text_of(by_email)
    percent = text_of(user_client.get("/customers/?q=%25"))
    assert "100% Cotton" in percent and "Acme" not in percent
    nothing = text_of(user_client.get("/customers/?q=nobody"))
    assert "No customers match “nobody”" in nothing
    page = user_client.get("/customers/").get_data(as_text=True)
    assert 'label for="q">Search customers' in page and "Add a customer" in page


def test_contact_lists_are_paginated(app, user_client):
    with app.app_context():
        db.session.add_all(Contact(kind="customer", name=f"Customer {i:02d}") for i in range(30))
        db.session.commit()
    answer = user_client.get("/customers/")
    first = text_of(answer)
    assert "Customer 00" in first and "Customer 24" in first and "Customer 25" not in first
    assert "30 customers Next page" in first
    second = text_of(user_client.get(pager_links(answer.get_data(as_text=True))["next"]))
    assert "Customer 25" in second and "Customer 24" not in second
    assert "Previous page 30 customers" in second and "Next page" not in second
    assert text_of(user_client.get("/customers/?page=2")) == first  # an old link: page one
    assert user_client.get("/customers/?page=abc").status_code == 200


def test_a_customer_with_documents_is_not_deleted(app, user_client):
    customer = add_contact(app, "Zoë Müller & Søn")
    hx = Htmx(user_client, "/documents/invoices/new")
    assert hx.post("/documents/invoices/new", document_form(customer)).status_code == 200
    confirm = text_of(user_client.get(f"/customers/{customer}/delete"))
    assert "cannot be deleted: 1 document (INV-0001) is addressed to it" in confirm
    refused = hx.post(f"/customers/{customer}/delete", {}, htmx=False)
    assert refused.status_code == 409
    assert "Delete those documents first" in text_of(refused)
    assert [c.name for c in contact_rows(app)] == ["Zoë Müller & Søn"]
    assert "INV-0001" in text_of(user_client.get("/documents/invoices/"))


def test_hostile_contact_names_show_as_text(app, user_client):
    for name in HOSTILE:
        contact = add_contact(app, name)
        pages = ["/customers/", f"/customers/{contact}/edit", f"/customers/{contact}/delete",
                 "/documents/invoices/new", "/customers/?q=%3C"]
        for path in pages:
            body = user_client.get(path).get_data(as_text=True)
            assert name not in body and 'hx-get="/logout' not in body, (path, name)
            assert str(escape(name)) in body, (path, name)

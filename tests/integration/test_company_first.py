"""Company first: the first-run page asks for the company, and no document is emailed while the
company has no name (the subject and the PDF would not say who sends them)."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import PASSWORD, Htmx, csrf_from
from tests.support.office import compose, first_document, send
from webpanel.company.services import get_company
from webpanel.extensions import db
from webpanel.outbox.models import Message

UNNAMED = "Your company has no name yet"


def _setup(client, **fields):
    page = client.get("/setup").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "email": "boss@example.com", "password": PASSWORD,
            "confirm": PASSWORD, **fields}
    return client.post("/setup", data=data)


def test_the_first_run_page_asks_for_the_company_before_the_administrator(client):
    page = client.get("/setup").get_data(as_text=True)
    assert page.index("Company name") < page.index("Postal address") < page.index('name="email"')


def test_the_first_run_refuses_an_empty_company_name_at_the_field(client, app):
    response = _setup(client, company_address="1 Main Street")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter your company&#39;s name: it goes on every document and email." in html
    assert "1 Main Street" in html  # kept for the correction
    assert client.get("/").location.endswith("/setup")  # no account was made


def test_the_first_run_names_the_company_and_the_sample_data_keeps_that_name(client, app):
    _setup(client, company_name="Ruiz & Daughters", company_address="Calle Mayor 1\r\nMadrid",
           sample_data="y")
    with app.app_context():
        company = get_company()
        assert (company.name, company.address) == ("Ruiz & Daughters", "Calle Mayor 1\nMadrid")
        assert company.bank_name  # the sample filled what the office left empty
    invoice = first_document(app, "invoice")
    assert compose(_signed_in_boss(app), invoice.id)["subject"].endswith("from Ruiz & Daughters")


def _signed_in_boss(app) -> Htmx:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"csrf_token": csrf_from(page), "email": "boss@example.com",
                                "password": PASSWORD})
    return Htmx(client, "/")


def _unname_company(app) -> None:
    with app.app_context():
        get_company().name = ""
        db.session.commit()


def _message_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Message))


def test_a_colleague_cannot_email_while_the_company_has_no_name(app, sam):
    _unname_company(app)
    invoice = first_document(app, "invoice")
    dialog = compose(sam, invoice.id)["_html"]
    assert UNNAMED in dialog and "Ask an administrator to enter it on the Company page." in dialog
    assert "Open Company" not in dialog  # a colleague cannot open it
    html = send(sam, invoice.id)
    assert UNNAMED in html and 'role="alert"' in html
    assert _message_count(app) == 0 and sam.smtp.messages == []


def test_an_administrator_is_led_to_the_company_page(app, office, admin_client, admin_id,
                                                    plain_smtp):
    hx = Htmx(admin_client, f"/users/{admin_id}/email/general")
    hx.post(f"/users/{admin_id}/email/general", {"display_name": "Boss",
                                                 "address": "admin@example.com"})
    hx.post(f"/users/{admin_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(plain_smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})
    _unname_company(app)
    invoice = first_document(app, "invoice")
    html = send(hx, invoice.id)
    assert "Enter it on the Company page, then email again." in html
    assert 'href="/company/">Open Company</a>' in html
    assert _message_count(app) == 0 and plain_smtp.messages == []
    with app.app_context():
        get_company().name = "Northwind Studio LLC"
        db.session.commit()
    assert "Sent." in send(hx, invoice.id)

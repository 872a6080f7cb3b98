"""A page reads the company (and the office mail server) at most once, whether it was saved
or not, and a save in the same request is seen by what the request shows next."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from tests.support.queries import selects_by_table
from webpanel.company import services
from webpanel.company.models import Company, OfficeMail
from webpanel.documents.models import Document
from webpanel.extensions import db


def first_invoice(app) -> int:
    with app.app_context():
        return db.session.scalars(select(Document.id).where(Document.kind == "invoice")
                                  .order_by(Document.id)).first()


def pages(document_id: int, user_id: int) -> list[str]:
    return ["/", f"/documents/{document_id}", f"/documents/{document_id}/email",
            "/documents/invoices/", "/documents/proposals/", "/reminders/", "/company/",
            f"/users/{user_id}/email/smtp", "/documents/email-selected"]


@pytest.mark.parametrize("saved", [True, False], ids=["company saved", "no company yet"])
def test_each_page_reads_the_company_and_the_office_mail_server_once(
        office, admin_client, admin_id, saved):
    invoice = first_invoice(office)
    if not saved:
        with office.app_context():
            db.session.execute(delete(Company))
            db.session.commit()
    for url in pages(invoice, admin_id):
        counts = selects_by_table(office, admin_client, url)
        assert counts["company"] <= 1 and counts["office_mail"] <= 1, (url, counts)
        if url.startswith("/documents") or url == "/":
            assert counts["company"] == 1, (url, counts)


def test_a_save_is_seen_by_the_rest_of_the_request(app):
    with app.test_request_context():
        assert services.get_company().name == "" and services.office_mail().smtp_server == ""
        services.name_company("Acme Supplies", "1 High Street")
        assert services.get_company().name == "Acme Supplies"  # the row being saved
        db.session.commit()
        assert services.current_company().name == "Acme Supplies"
        mail = services.office_mail()
        mail.smtp_server = "smtp.example.com"
        db.session.add(mail)
        assert services.office_mail().smtp_server == "smtp.example.com"
        db.session.rollback()
        assert services.office_mail().smtp_server == ""  # the save that failed is not shown
        assert services.get_company().name == "Acme Supplies"
    with app.app_context():
        assert db.session.get(Company, 1).name == "Acme Supplies"
        assert db.session.get(OfficeMail, 1) is None


def test_a_change_made_elsewhere_is_seen_by_the_next_request(office, admin_client):
    with office.app_context():
        db.session.get(Company, 1).name = "Renamed Ltd"
        db.session.commit()
    assert "Renamed Ltd" in admin_client.get("/company/").get_data(as_text=True)

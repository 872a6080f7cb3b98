"""Sent mail shows each row's Sent folder copy and bounces with one query per list, not one
per row: a page of 25 messages costs the same two look-ups as a page of one. So do a document's
email history (its messages, their copies and bounces) and a documents list (each document's
email status)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete, event, select

from tests.support.queries import selects_by_table
from tests.support.sent_mail import add_messages
from webpanel.bounces.models import BounceReport
from webpanel.documents.models import Document
from webpanel.extensions import db


def selects_from(app, client, url: str, table: str, joined: bool = False) -> tuple[int, str]:
    """The SELECTs of `url` that read `table` first (`joined`: that read it at all)."""
    seen: list[str] = []
    wanted = table if joined else f"FROM {table}"

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT") and wanted in statement:
            seen.append(statement)

    engine = app.extensions["webpanel.engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page.status_code == 200
    return len(seen), page.get_data(as_text=True)


@pytest.mark.parametrize("rows", [1, 25])
def test_a_page_of_sent_mail_looks_up_copies_and_bounces_once(app, user_client, user_id, rows):
    add_messages(app, user_id, rows)
    joined, _ = selects_from(app, user_client, "/sent", "sent_copies", joined=True)
    alone, _ = selects_from(app, user_client, "/sent", "sent_copies")
    assert (joined, alone) == (1, 0)  # the copies are read with the messages (a join)
    looked_up = selects_by_table(app, user_client, "/sent")["bounce_reports"]
    assert looked_up == 1  # one look-up for the page's bounced rows


def test_a_page_where_nothing_bounced_looks_up_no_bounces(app, user_client, user_id):
    """Whether each row bounced is read with the rows; the reports only when one did."""
    add_messages(app, user_id, 25)
    with app.app_context():
        db.session.execute(delete(BounceReport))
        db.session.commit()
    assert selects_by_table(app, user_client, "/sent")["bounce_reports"] == 0
    html = user_client.get("/sent").get_data(as_text=True)
    assert "data-bounce" not in html and html.count('href="/sent/') >= 25


@pytest.mark.parametrize("rows", [1, 25])
def test_a_message_preview_reads_what_it_shows_in_few_queries(app, user_client, user_id, rows):
    """The preview opened by its own URL: the message with its bytes, copy and whether it
    bounced in one query, the list beside it in one more, and the bounces in one look-up."""
    ids = add_messages(app, user_id, max(rows, 2))
    shown = ids[0]  # its copy failed; ids[1] bounced
    counts = selects_by_table(app, user_client, f"/sent/{shown}")
    assert (counts["messages"], counts["bounce_reports"]) == (2, 1), counts
    assert counts["message_bodies"] == counts["sent_copies"] == 0, counts
    html = user_client.get(f"/sent/{shown}").get_data(as_text=True)
    card = html[html.index('class="card message-preview"'):]
    assert 'data-copy-state="failed"' in card and "Retry copy" in card
    assert 'data-bounce="failed"' in html[:html.index('class="card message-preview"')]


def test_a_bounced_message_s_preview_shows_its_delivery_reports(app, user_client, user_id):
    bounced = add_messages(app, user_id, 3)[1]
    for headers in ({}, {"HX-Request": "true"}):  # the whole page, and the preview alone
        counts = selects_by_table(app, user_client, f"/sent/{bounced}", headers)
        assert counts["bounce_reports"] == 1, counts
        html = user_client.get(f"/sent/{bounced}", headers=headers).get_data(as_text=True)
        card = html[html.index('class="card message-preview"'):]
        assert "Delivery reports" in card and "550 5.1.1 user unknown" in card


def test_each_row_still_shows_its_own_copy_and_bounce(app, user_client, user_id):
    ids = add_messages(app, user_id, 4)
    _, html = selects_from(app, user_client, "/sent", "sent_copies")
    rows = {}
    for match in re.finditer(r'<tr>(.*?)</tr>', html, re.S):
        found = re.search(r'href="/sent/(\d+)"', match.group(1))
        if found:
            rows[int(found.group(1))] = match.group(1)
    assert 'data-copy-state="failed"' in rows[ids[0]] and "Mailbox is full" in rows[ids[0]]
    assert "data-copy-state" not in rows[ids[1]] and 'data-bounce="failed"' in rows[ids[1]]
    assert 'data-copy-state="copied"' in rows[ids[2]] and "(Sent)" in rows[ids[2]]
    assert "data-copy-state" not in rows[ids[3]] and "data-bounce" not in rows[ids[3]]


def invoices(app) -> list[tuple[int, str]]:
    """The sample invoices' ids and labels, oldest first."""
    with app.app_context():
        return [(d.id, d.label) for d in db.session.scalars(
            select(Document).where(Document.kind == "invoice").order_by(Document.id))]


@pytest.mark.parametrize("rows", [1, 25])
@pytest.mark.parametrize("table", ["messages", "sent_copies", "bounce_reports"])
def test_a_documents_email_history_looks_up_messages_copies_and_bounces_once(
        office, user_client, user_id, rows, table):
    invoice = invoices(office)[0]
    add_messages(office, user_id, rows, [invoice])
    queries, html = selects_from(office, user_client, f"/documents/{invoice[0]}", table)
    assert queries == 1
    assert html.count('href="/sent/') == rows and "Bounced" in html


@pytest.mark.parametrize("rows", [1, 25])
def test_a_documents_list_looks_up_the_email_statuses_once(office, user_client, user_id, rows):
    found = invoices(office)
    add_messages(office, user_id, rows, found)
    queries, html = selects_from(office, user_client, "/documents/invoices/", "messages")
    assert queries == 1
    assert ">Sent<" in html


def test_the_home_page_looks_up_statuses_once_and_retries_with_scheduled_messages_once(
        office, user_client, user_id):
    add_messages(office, user_id, 25, invoices(office))
    queries, html = selects_from(office, user_client, "/", "messages")
    assert queries == 2  # the recent documents' statuses; the messages to retry and the
    # scheduled ones together
    assert ">Sent<" in html


def test_the_home_page_reads_the_recent_documents_customers_with_them(office, user_client):
    queries, html = selects_from(office, user_client, "/", "contacts")
    assert queries == 0  # joined to the documents' query, not one per recent document (the
    # sample has documents for 7 contacts)
    assert "Acme Dental Practice" in html and "Zoë Müller &amp; Søn" in html


def test_the_recent_documents_are_read_from_their_index(office):
    from webpanel.home.services import recent_documents

    seen: list[tuple[str, object]] = []
    engine = office.extensions["webpanel.engine"]

    def keep(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, parameters))

    with office.app_context():
        event.listen(engine, "before_cursor_execute", keep)
        try:
            recent_documents()
        finally:
            event.remove(engine, "before_cursor_execute", keep)
        [(newest, parameters)] = [(s, p) for s, p in seen
                                  if "ORDER BY documents.updated_at DESC" in s]
        connection = db.session.connection()
        if office.config["DATABASE_URL"].startswith("sqlite"):
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {newest}", parameters))
        else:  # on a table this small PostgreSQL would rather sort; make a scan cost the most
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(row[0] for row in connection.exec_driver_sql(
                f"EXPLAIN {newest}", parameters))
        assert "ix_documents_updated_at_id" in plan and "TEMP B-TREE" not in plan, plan
        assert "Sort" not in plan, plan

"""The documents and contacts lists page with keyset cursors (?after=<id of the last row shown>,
?before=<id of the first row shown>) and a count that stops at "More than 1,000": every row is
seen once in order, whichever way a person walks, and a page costs the same however far in."""

from __future__ import annotations

import datetime
import html
import random
import re

import pytest
from sqlalchemy import event, insert

from tests.conftest import Htmx
from tests.support.documents import add_contact, pager_links, text_of
from webpanel import maintenance
from webpanel.contacts.models import Contact
from webpanel.documents.models import Document, format_number
from webpanel.extensions import db

NUMBER = re.compile(r'<td data-label="Number"><a href="[^"]+">([^<]+)</a>')
CONTACT_ID = re.compile(r'<td data-label="Name"><a href="/customers/(\d+)/edit">')
STATUS = re.compile(r'<p id="results-status"[^>]*>(.*?)</p>', re.S)
INVOICES = "/documents/invoices/"


def add_invoices(app, count: int, contact_id: int, first: int = 1) -> None:
    """`count` invoices numbered from `first`, written in one statement."""
    with app.app_context():
        db.session.execute(insert(Document), [
            {"kind": "invoice", "seq": seq, "number": format_number("invoice", seq),
             "date": datetime.date(2025, 1, 1), "contact_id": contact_id}
            for seq in range(first, first + count)])
        db.session.commit()


def walk(hx: Htmx, url: str, rel: str, rows: re.Pattern) -> list[list[str]]:
    """Each page's rows, from `url` following the `rel` link (as htmx asks) until there is none."""
    pages = []
    while url:
        answer = hx.get(url)
        assert answer.status_code == 200
        page = answer.get_data(as_text=True)
        pages.append(rows.findall(page))
        url = pager_links(page).get(rel)
    return pages


def numbers(*seqs: int) -> list[str]:
    return [format_number("invoice", seq) for seq in seqs]


def test_next_and_previous_page_visit_every_invoice_once_in_order(app, user_client):
    add_invoices(app, 60, add_contact(app, "Acme Dental"))
    hx = Htmx(user_client, INVOICES)
    forward = walk(hx, INVOICES, "next", NUMBER)
    assert [len(rows) for rows in forward] == [25, 25, 10]
    assert sum(forward, []) == numbers(*range(60, 0, -1))  # newest first, none twice
    last = pager_links(hx.get(INVOICES).get_data(as_text=True))["next"]
    last = pager_links(hx.get(last).get_data(as_text=True))["next"]
    assert "after=" in last and "page=" not in last
    backward = walk(hx, last, "prev", NUMBER)
    assert backward == forward[::-1]
    first = hx.get(INVOICES).get_data(as_text=True)
    assert "prev" not in pager_links(first) and "Previous page" not in text_of(hx.get(INVOICES))


def test_a_search_keeps_its_words_on_every_page(app, user_client):
    acme, blue = add_contact(app, "Acme Dental"), add_contact(app, "Blue Ridge Builders")
    for seq in range(1, 61):
        add_invoices(app, 1, acme if seq % 2 else blue, first=seq)
    hx = Htmx(user_client, INVOICES)
    forward = walk(hx, f"{INVOICES}?q=acme", "next", NUMBER)
    assert [len(rows) for rows in forward] == [25, 5]
    assert sum(forward, []) == numbers(*range(59, 0, -2))
    page = hx.get(f"{INVOICES}?q=acme").get_data(as_text=True)
    assert "q=acme" in pager_links(page)["next"]
    assert STATUS.search(page).group(1) == "30 invoices found for “acme”"
    last = pager_links(page)["next"]
    assert walk(hx, last, "prev", NUMBER) == forward[::-1]
    assert "q=acme" in pager_links(hx.get(last).get_data(as_text=True))["prev"]


def test_customers_that_differ_only_in_case_or_tie_are_paged_by_name_then_id(app, user_client):
    names = ["acme", "Acme", "ACME", "bravo", "Bravo", "Alpha Beta", "alpha beta", "Zulu",
             "zulu", "Acme"] * 6
    random.Random(22).shuffle(names)
    named = {add_contact(app, name): name for name in names}
    expected = [str(i) for i in sorted(named, key=lambda i: (named[i].lower(), i))]
    hx = Htmx(user_client, "/customers/")
    forward = walk(hx, "/customers/", "next", CONTACT_ID)
    assert [len(rows) for rows in forward] == [25, 25, 10]
    assert sum(forward, []) == expected
    last = pager_links(hx.get("/customers/").get_data(as_text=True))["next"]
    last = pager_links(hx.get(last).get_data(as_text=True))["next"]
    assert walk(hx, last, "prev", CONTACT_ID) == forward[::-1]
    searched = walk(hx, "/customers/?q=ACME", "next", CONTACT_ID)
    assert sum(searched, []) == [i for i in expected if named[int(i)].lower() == "acme"]


@pytest.mark.parametrize("query", [
    "after=abc", "after=0", "after=-5", "after=999999", "before=999999", "after=1e3",
    "after=%F0%9F%98%80", "after=99999999999999999999", "before=", "page=2", "page=abc"])
def test_a_garbage_or_unknown_cursor_or_an_old_page_number_shows_the_first_page(
        app, user_client, query):
    add_invoices(app, 30, add_contact(app, "Acme Dental"))
    first = user_client.get(INVOICES).get_data(as_text=True)
    answer = user_client.get(f"{INVOICES}?{query}")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert NUMBER.findall(page) == NUMBER.findall(first) == numbers(*range(30, 5, -1))
    assert "prev" not in pager_links(page) and "next" in pager_links(page)


def test_a_page_past_the_end_shows_the_last_page(app, user_client):
    add_invoices(app, 30, add_contact(app, "Acme Dental"))
    with app.app_context():
        oldest = db.session.query(Document.id).filter_by(seq=1).scalar()
    page = user_client.get(f"{INVOICES}?after={oldest}").get_data(as_text=True)
    assert NUMBER.findall(page) == numbers(*range(25, 0, -1))
    assert "prev" in pager_links(page) and "next" not in pager_links(page)


def test_invoices_added_meanwhile_do_not_shift_the_next_page(app, user_client):
    contact = add_contact(app, "Acme Dental")
    add_invoices(app, 30, contact)
    hx = Htmx(user_client, INVOICES)
    following = pager_links(hx.get(INVOICES).get_data(as_text=True))["next"]
    add_invoices(app, 3, contact, first=31)
    assert NUMBER.findall(hx.get(following).get_data(as_text=True)) == numbers(*range(5, 0, -1))


def test_the_count_stops_at_more_than_1000(app, user_client):
    contact = add_contact(app, "Acme Dental")
    add_invoices(app, 1000, contact)
    page = user_client.get(INVOICES).get_data(as_text=True)
    assert "1,000 invoices" in text_of(user_client.get(INVOICES))
    assert STATUS.search(page).group(1) == "1,000 invoices"
    add_invoices(app, 1, contact, first=1001)
    hx = Htmx(user_client, INVOICES)
    page = hx.get(INVOICES).get_data(as_text=True)
    pager = re.search(r'<nav class="pager".*?</nav>', page, re.S).group(0)
    assert "More than 1,000 invoices" in text_of_html(pager)
    assert STATUS.search(page).group(1) == "More than 1,000 invoices"
    searched = hx.get(f"{INVOICES}?q=inv-").get_data(as_text=True)
    assert STATUS.search(searched).group(1) == "More than 1,000 invoices found for “inv-”"
    assert STATUS.search(hx.get(f"{INVOICES}?q=inv-0999").get_data(as_text=True)).group(1) == (
        "1 invoice found for “inv-0999”")


def test_the_customer_count_says_how_many_in_words(app, user_client):
    with app.app_context():
        db.session.execute(insert(Contact), [{"kind": "customer", "name": f"Customer {i:04d}"}
                                             for i in range(1234)])
        db.session.commit()
    assert "More than 1,000 customers Next page" in text_of(user_client.get("/customers/"))
    assert "Customer 0000" in text_of(user_client.get("/customers/?q=customer 0000"))


def text_of_html(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


# --- the queries behind a page read the index in its order ---------------------------------


def plans_of(app, client, urls: list[str], table: str) -> list[tuple[str, str]]:
    """Every query a list page ran on `table` (pages, counts, cursors), with SQLite's plan."""
    seen: list[tuple[str, tuple]] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SELECT") and f"FROM {table}" in statement:
            seen.append((statement, parameters))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", remember)
        try:
            for url in urls:
                assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", remember)
        with db.engine.connect() as connection:
            return [(statement, " / ".join(row[-1] for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters))) for statement, parameters in seen]


def kind_seq_index(app) -> str:
    """The name SQLite gave the unique index on documents (kind, seq) (a table constraint)."""
    with app.app_context(), db.engine.connect() as connection:
        names = connection.exec_driver_sql("SELECT name FROM pragma_index_list('documents')")
        for (name,) in names.all():
            columns = connection.exec_driver_sql(f"SELECT name FROM pragma_index_info('{name}')")
            if [column for (column,) in columns] == ["kind", "seq"]:
                return name
    raise AssertionError("no index on documents (kind, seq)")


def pages_and_counts(plans: list[tuple[str, str]], order: str) -> tuple[list[str], list[str]]:
    """The plans of the page queries (sorted by `order`) and of the counts."""
    return ([plan for statement, plan in plans if f"ORDER BY {order}" in statement],
            [plan for statement, plan in plans if "count(*)" in statement])


def scans(plan: str, table: str) -> bool:
    """Whether the plan reads the whole table (its search index, `<table>_fts`, is not it)."""
    return re.search(rf"SCAN {table}\b(?!_fts)", plan) is not None


@pytest.mark.sqlite_only("reads SQLite's query plans")
def test_the_documents_list_reads_its_index_and_never_sorts(app, user_client):
    add_invoices(app, 60, add_contact(app, "Acme Dental"))
    hx = Htmx(user_client, INVOICES)
    second = pager_links(hx.get(INVOICES).get_data(as_text=True))["next"]
    third = pager_links(hx.get(second).get_data(as_text=True))["next"]
    back = pager_links(hx.get(third).get_data(as_text=True))["prev"]
    urls = [INVOICES, second, third, back, f"{INVOICES}?q=acme"]
    plans = plans_of(app, user_client, urls, "documents")
    pages, counts = pages_and_counts(plans, "documents.seq")
    assert len(pages) >= len(urls) and len(counts) == len(urls), plans
    index = f"SEARCH documents USING INDEX {kind_seq_index(app)} (kind=?"
    assert all(plan.startswith(index) for plan in pages), pages
    assert any("seq<?" in plan for plan in pages) and any("seq>?" in plan for plan in pages)
    assert all(re.search(r"SEARCH documents USING (COVERING )?INDEX \S+ \(kind=\?\)", plan)
               for plan in counts), counts
    sorted_or_scanned = [plan for _, plan in plans
                         if "TEMP B-TREE FOR ORDER BY" in plan or scans(plan, "documents")]
    assert not sorted_or_scanned  # (a search's UNION of matching ids may use one: it is small)


@pytest.mark.sqlite_only("reads SQLite's query plans")
def test_the_contacts_list_reads_its_index_and_never_sorts(app, user_client):
    for i in range(60):
        add_contact(app, f"Customer {i:02d}")
    hx = Htmx(user_client, "/customers/")
    second = pager_links(hx.get("/customers/").get_data(as_text=True))["next"]
    third = pager_links(hx.get(second).get_data(as_text=True))["next"]
    back = pager_links(hx.get(third).get_data(as_text=True))["prev"]
    urls = ["/customers/", second, third, back, "/customers/?q=cust"]
    plans = plans_of(app, user_client, urls, "contacts")
    pages, counts = pages_and_counts(plans, "lower(contacts.name)")
    assert len(pages) >= len(urls) and len(counts) == len(urls), plans
    index = "SEARCH contacts USING INDEX ix_contacts_kind_lower_name_id (kind=?"
    assert all(plan.startswith(index) for plan in pages), pages
    # the range starts at the cursor, both ways
    assert any("<expr>>?" in plan for plan in pages) and any("<expr><?" in plan for plan in pages)
    assert all("INDEX ix_contacts_kind_lower_name_id (kind=?)" in plan
               for plan in counts), counts
    sorted_or_scanned = [plan for _, plan in plans
                         if "TEMP B-TREE FOR ORDER BY" in plan or scans(plan, "contacts")]
    assert not sorted_or_scanned  # (a search's UNION of matching ids may use one: it is small)


@pytest.mark.sqlite_only("SQLite's statistics (PostgreSQL's autovacuum keeps its own)")
def test_with_the_workers_statistics_a_search_reads_only_the_documents_it_finds(
        app, user_client):
    add_invoices(app, 3000, add_contact(app, "Acme Dental"))  # a few years of invoices
    search = f"{INVOICES}?q=INV-0123"

    def search_plans() -> list[str]:
        plans = pages_and_counts(plans_of(app, user_client, [search], "documents"),
                                 "documents.seq")
        return [plan for found in plans for plan in found]

    before = search_plans()
    assert len(before) == 2, before
    assert all(re.search(r"SEARCH documents USING (COVERING )?INDEX \S+ \(kind=\?\)", plan)
               for plan in before), before  # every invoice, checked against the matches
    with app.app_context():  # the worker's job, at its start and nightly
        assert maintenance.refresh_statistics()
    after = search_plans()
    assert len(after) == 2 and all(  # the page and the count: not a walk through every invoice
        "SEARCH documents USING INTEGER PRIMARY KEY" in plan and "(kind=?)" not in plan
        for plan in after), after
    assert "INV-0123" in Htmx(user_client, INVOICES).get(search).get_data(as_text=True)

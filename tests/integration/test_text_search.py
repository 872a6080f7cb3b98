"""Search finds a piece of text anywhere in a name, number, subject or address, in any case,
with the same results on SQLite (FTS5 trigram tables) and PostgreSQL (pg_trgm GIN indexes), and
answers from those indexes rather than by reading the whole table."""

from __future__ import annotations

import datetime
import logging
import re
import secrets
from collections.abc import Iterator

import psycopg
import pytest
from alembic import command
from sqlalchemy import delete, event, select, text, update

from tests.conftest import Htmx
from tests.support import stacks
from tests.support.documents import add_contact, text_of
from tests.support.postgres import SUPERUSER
from webpanel import create_app, migrate
from webpanel.contacts.models import Contact
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.outbox.models import Message
from webpanel.search import any_of, text_match

stack, cluster, database_url = stacks.stack, stacks.cluster, stacks.database_url

CONTACTS = {  # name: (contact person, email)
    "Acme Müller GmbH": ("Jörg Weiß", "billing@acme.example"),
    "MÜLLER & Söhne": ("", "info@mueller.example"),
    "100% Organic": ("Pat", "pat@organic.example"),
    "under_score Ltd": ("", "us@underscore.example"),
    'Say "Hi" Co': ("", ""),
    "Back\\slash Inc": ("", "bs@backslash.example"),
    "Plain Co": ("Ann Lee", "ann@plain.example"),
}
SEARCHED = (Contact.name, Contact.contact_person, Contact.email)


@pytest.fixture
def contacts(app) -> dict[str, int]:
    """The CONTACTS as customers, each with one invoice; name -> contact id."""
    with app.app_context():
        rows = {name: Contact(kind="customer", name=name, contact_person=person, email=email,
                              address="") for name, (person, email) in CONTACTS.items()}
        db.session.add_all(rows.values())
        db.session.flush()
        for seq, contact in enumerate(rows.values(), start=1):
            db.session.add(Document(kind="invoice", seq=seq, number=f"INV-{seq:04d}",
                                    date=datetime.date(2026, 1, 1), contact_id=contact.id,
                                    subtotal=0, tax=0, total=0))
        db.session.commit()
        return {name: contact.id for name, contact in rows.items()}


def contacts_matching(app, words: str, columns=SEARCHED) -> set[str]:
    """The names of the contacts that `text_match` finds."""
    with app.app_context():
        query = select(Contact.name).where(text_match(Contact, columns, words))
        return set(db.session.scalars(query))


def expected(words: str) -> set[str]:
    """What a person expects: the contacts with `words` in a searched field, in any case."""
    return {name for name, fields in CONTACTS.items()
            if any(words.lower() in field.lower() for field in (name, *fields))}


@pytest.mark.parametrize("words", ["cme", "ACME", "cme Mü", "müller", "MÜLLER", "Müller",
                                   "jörg", "WEIß", "BILLING@", "@acme.EX", "nobody"])
def test_a_piece_of_a_word_in_any_case(app, contacts, words):
    assert contacts_matching(app, words) == expected(words)


def test_umlauts_match_in_either_case(app, contacts):
    both = {"Acme Müller GmbH", "MÜLLER & Söhne"}
    assert contacts_matching(app, "müller") == contacts_matching(app, "MÜLLER") == both


@pytest.mark.parametrize("words", ["co", "CO", "o", "Lt", "%", "_", '"', "\\",
                                   "0%", "r_", '"H'])
def test_one_or_two_characters(app, contacts, words):
    assert contacts_matching(app, words) == expected(words)


@pytest.mark.parametrize("words", ["0% O", "%%%", "r_s", "___", '"Hi"', '"""', 'y "', "k\\s",
                                   "\\\\\\", "{name}: x", "Co*", "NEAR(a b)", "' OR 1=1 --"])
def test_wildcards_quotes_and_query_syntax_are_literal(app, contacts, words):
    assert contacts_matching(app, words) == expected(words)


def test_only_the_chosen_columns_are_searched(app, contacts):
    assert contacts_matching(app, "ann@", [Contact.name]) == set()
    assert contacts_matching(app, "ann@", [Contact.email]) == {"Plain Co"}
    assert contacts_matching(app, "Ann Lee", [Contact.contact_person]) == {"Plain Co"}


def test_a_renamed_contact_is_found_by_its_new_name_only(app, contacts):
    with app.app_context():
        db.session.execute(update(Contact).where(Contact.id == contacts["Plain Co"])
                           .values(name="Renamed Widgets", email="new@widgets.example"))
        db.session.commit()
    assert contacts_matching(app, "widgets") == {"Renamed Widgets"}
    assert contacts_matching(app, "Plain") == contacts_matching(app, "ann@") == set()
    assert contacts_matching(app, "Ann Lee") == {"Renamed Widgets"}  # an unchanged field


def test_a_deleted_contact_is_gone_from_the_results(app, contacts):
    with app.app_context():
        db.session.execute(delete(Document).where(Document.contact_id == contacts["Plain Co"]))
        db.session.execute(delete(Contact).where(Contact.id == contacts["Plain Co"]))
        db.session.commit()
    assert contacts_matching(app, "Plain") == contacts_matching(app, "ann@") == set()
    assert contacts_matching(app, "Co") == expected("Co") - {"Plain Co"}  # by LIKE


@pytest.fixture
def messages(app, user_id) -> dict[str, int]:
    """Three of Sam's sent messages; subject -> id."""
    subjects = {"Invoice INV-0001 for Müller": ("kurt@mueller.example", ""),
                "Proposal P-0002": ("ann@plain.example", "Boss@Plain.Example"),
                "Order 100% done": ("pat@organic.example", "")}
    with app.app_context():
        rows = {subject: Message(user_id=user_id, idempotency_key=f"k{n}", method="smtp",
                                 status="sent", subject=subject, to_addrs=to, cc_addrs=cc)
                for n, (subject, (to, cc)) in enumerate(subjects.items())}
        db.session.add_all(rows.values())
        db.session.commit()
        return {subject: row.id for subject, row in rows.items()}


def sent_mail(hx, words: str) -> str:
    return text_of(hx.get(f"/sent?q={words}"))


@pytest.fixture
def hx(user_client) -> Htmx:
    return Htmx(user_client, "/sent")


def test_sent_mail_searches_subject_to_and_cc(hx, messages):
    assert "INV-0001" in sent_mail(hx, "MÜLLER") and "P-0002" not in sent_mail(hx, "MÜLLER")
    assert "P-0002" in sent_mail(hx, "boss@") and "INV-0001" not in sent_mail(hx, "boss@")
    assert "P-0002" in sent_mail(hx, "P-") and "INV-0001" not in sent_mail(hx, "P-")
    percent = sent_mail(hx, "0%25 d")  # "0% d": the % is a character, not "anything"
    assert "Order 100% done" in percent and "INV-0001" not in percent
    assert "No messages match" in sent_mail(hx, "%25%25")


def test_an_edited_subject_is_found_by_its_new_words_only(app, hx, messages):
    with app.app_context():
        db.session.execute(update(Message).where(Message.id == messages["Proposal P-0002"])
                           .values(subject="Quote Q-0009"))
        db.session.commit()
    assert "Q-0009" in sent_mail(hx, "quote q-")
    assert "No messages match" in sent_mail(hx, "Proposal")


def test_a_deleted_message_is_gone_from_sent_mail(app, hx, messages):
    with app.app_context():
        db.session.execute(delete(Message).where(Message.id == messages["Order 100% done"]))
        db.session.commit()
    assert "No messages match" in sent_mail(hx, "organic")


def test_sent_mail_search_pages_run_newest_first(app, hx, user_id, messages):
    """A word in most messages: each page is the next 25 matches, newest first."""
    with app.app_context():
        db.session.add_all(Message(user_id=user_id, idempotency_key=f"p{n}", method="smtp",
                                   status="sent", subject=f"Invoice INV-{n:04d}",
                                   to_addrs="lee@example.org") for n in range(100, 130))
        db.session.commit()
    first = hx.get("/sent?q=invoice").get_data(as_text=True)
    shown = re.findall(r"INV-(\d{4})", first)
    assert shown[0] == "0129" and "0105" in shown and "0104" not in shown
    assert [n for n in shown if n in ("0129", "0128", "0127")] == ["0129", "0128", "0127"]
    older = first.split("Older messages")[0].rsplit('href="', 1)[1].split('"')[0]
    second = re.findall(r"INV-(\d{4})", hx.get(older.replace("&amp;", "&")).get_data(True))
    assert {"0104", "0100", "0001"} <= set(second) and "0105" not in second


def test_documents_are_found_by_number_or_by_the_contacts_name(app, user_client, contacts):
    hx = Htmx(user_client, "/documents/invoices/")
    by_number = text_of(hx.get("/documents/invoices/?q=nv-0002"))
    assert "MÜLLER & Söhne" in by_number and "Acme" not in by_number
    by_name = text_of(hx.get("/documents/invoices/?q=müller"))
    assert "INV-0001" in by_name and "INV-0002" in by_name and "INV-0003" not in by_name
    with app.app_context():
        db.session.execute(update(Contact).where(Contact.id == contacts["Plain Co"])
                           .values(name="Renamed Widgets"))
        db.session.commit()
    assert "INV-0007" in text_of(hx.get("/documents/invoices/?q=widget"))
    assert "INV-0007" not in text_of(hx.get("/documents/invoices/?q=plain"))


def test_customers_are_found_by_a_piece_of_name_person_or_email(user_client, contacts):
    hx = Htmx(user_client, "/customers/")
    assert "Acme Müller GmbH" in text_of(hx.get("/customers/?q=jörg"))
    found = text_of(hx.get("/customers/?q=%22Hi%22"))
    assert 'Say "Hi" Co' in found and "Plain Co" not in found


# --- the searches answer from the indexes -------------------------------------------------

#: Each page's search and the columns it searches.
SEARCHES = {
    "/sent?q=müller&before=1000": [(Message, Message.subject), (Message, Message.to_addrs),
                       (Message, Message.cc_addrs)],
    "/documents/invoices/?q=müller": [(Document, Document.number), (Contact, Contact.name)],
    "/customers/?q=müller": [(Contact, column) for column in SEARCHED],
}


def searches_run_by(app, client, url: str) -> list[tuple[str, object]]:
    """The statements (and their parameters) a page ran that search text."""
    seen: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, *_args):
        if " MATCH " in statement or " ILIKE " in statement:
            seen.append((statement, parameters))

    engine = app.extensions["webpanel.engine"]
    event.listen(engine, "before_cursor_execute", keep)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert seen
    return seen


def plans(app, statements, prefix: str, setting: str | None = None) -> Iterator[str]:
    """Each statement's query plan as one text."""
    connection = app.extensions["webpanel.engine"].raw_connection()
    try:
        cursor = connection.cursor()
        if setting:
            cursor.execute(setting)
        for statement, parameters in statements:
            cursor.execute(prefix + statement, parameters)
            yield "\n".join(str(row[-1]) for row in cursor.fetchall())
    finally:
        connection.rollback()
        connection.close()


def sqlite_searches_read_the_fts_tables(app, user_client, url):
    for plan in plans(app, searches_run_by(app, user_client, url), "EXPLAIN QUERY PLAN "):
        assert re.search(r"SCAN \w+_fts VIRTUAL TABLE INDEX \d+:M", plan), plan
        for table in ("messages", "documents", "contacts"):
            assert f"SCAN {table}\n" not in f"{plan}\n" and f"SCAN {table} " not in plan, plan
        if url.startswith("/sent"):  # the FTS table, newest first, then each row by its id
            assert plan.startswith("SCAN messages_fts "), plan
            assert "SEARCH messages USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
            assert "TEMP B-TREE" not in plan, plan


def made_indexes(app) -> dict[str, str]:
    """The search tables, triggers (SQLite) or trigram indexes (PostgreSQL), with their SQL."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            return dict(db.session.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE name LIKE '%\\_fts%' ESCAPE '\\' "
                "AND sql IS NOT NULL")).all())
        return dict(db.session.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%\\_trgm'")).all())


def test_the_migration_makes_the_search_indexes(app):
    made = made_indexes(app)
    if app.extensions["webpanel.engine"].dialect.name == "sqlite":
        for table, columns in {"messages": "subject, to_addrs, cc_addrs", "documents": "number",
                               "contacts": "name, contact_person, email"}.items():
            assert f"fts5({columns}, content='{table}', content_rowid='id', " \
                   "tokenize='trigram')" in made[f"{table}_fts"]
            assert {f"{table}_fts_{event}" for event in ("insert", "update", "delete")} <= set(made)
    else:
        assert set(made) == {f"ix_{model.__tablename__}_{column.key}_trgm"
                             for columns in SEARCHES.values() for model, column in columns}
        assert all("USING gin" in sql and "gin_trgm_ops" in sql for sql in made.values())


def postgresql_searches_use_the_trigram_indexes(app, columns) -> None:
    with app.app_context():
        statement = select(columns[0][0].id).where(text_match(
            columns[0][0], [column for _model, column in columns], "müller")).compile(db.engine)
    if len({model for model, _column in columns}) > 1:  # documents: number, or contact's name
        with app.app_context():
            statement = select(Document.id).where(any_of(
                Document, text_match(Document, [Document.number], "müller"),
                Document.contact_id.in_(select(Contact.id).where(
                    text_match(Contact, [Contact.name], "müller"))))).compile(db.engine)
    [plan] = plans(app, [(str(statement), statement.params)], "EXPLAIN ",
                   "SET enable_seqscan = off")
    for model, column in columns:
        assert f"Bitmap Index Scan on ix_{model.__tablename__}_{column.key}_trgm" in plan, plan


@pytest.mark.parametrize("url", SEARCHES)
def test_each_search_answers_from_the_indexes(app, user_client, messages, contacts, url):
    """SQLite: each statement of the page's search reads the FTS table, then rows by id.
    PostgreSQL: the searched columns are served by their trigram indexes with sequential scans
    off (on a small table the planner rightly prefers reading it; at 100,000 rows it picks the
    indexes by itself)."""
    if app.extensions["webpanel.engine"].dialect.name == "postgresql":
        postgresql_searches_use_the_trigram_indexes(app, SEARCHES[url])
    else:
        sqlite_searches_read_the_fts_tables(app, user_client, url)


def test_downgrade_drops_the_search_indexes_and_upgrade_rebuilds_them(app, contacts):
    with app.app_context():
        command.downgrade(migrate.alembic_config(app), "0029")
    assert made_indexes(app) == {}
    with app.app_context():
        migrate.upgrade(app)  # indexes the rows already there
    assert made_indexes(app)
    assert contacts_matching(app, "MÜLLER") == {"Acme Müller GmbH", "MÜLLER & Söhne"}


def test_without_the_right_to_create_pg_trgm_search_still_works(cluster, instance_dir, caplog):
    """A role that may make tables but not extensions: the migration warns and goes on
    without the trigram indexes; searches read the table and find the same rows."""
    role, name = f"r_{secrets.token_hex(4)}", cluster.create_database()
    cluster.execute(f"CREATE ROLE {role} LOGIN")
    with psycopg.connect(host=cluster.host, port=cluster.port, user=SUPERUSER, dbname=name,
                         autocommit=True) as connection:
        connection.execute(f"GRANT CREATE ON SCHEMA public TO {role}")
    app = create_app({"TESTING": True, "DATABASE_URL": f"postgresql+psycopg://{role}@"
                      f"{cluster.host}:{cluster.port}/{name}"})
    try:
        with app.app_context(), caplog.at_level(logging.WARNING, "webpanel.search"):
            migrate.upgrade(app)
        assert "CREATE EXTENSION IF NOT EXISTS pg_trgm failed" in caplog.text
        assert "searches will read whole tables" in caplog.text
        assert made_indexes(app) == {}
        add_contact(app, "Acme Müller GmbH")
        assert contacts_matching(app, "mÜller") == {"Acme Müller GmbH"}
    finally:
        app.extensions["webpanel.engine"].dispose()
        cluster.drop_database(name)
        cluster.execute(f"DROP ROLE {role}")

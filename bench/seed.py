"""Panels filled as an office's tables look after years: 100 rows against 100,000, on SQLite
and on a throwaway PostgreSQL, each filled once and shared by the suites that measure them.

`BENCH_DATABASES` (default "sqlite,postgresql") says which databases the suites run on;
`BENCH_LARGE_ROWS` (default 100,000) the size of the large panel, for a quick try.
"""

from __future__ import annotations

import atexit
import datetime
import os
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from email.policy import SMTP

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, insert, select, text

from bench.harness import make_panel
from webpanel import maintenance
from webpanel.company.services import name_company
from webpanel.contacts.models import Contact
from webpanel.documents.kinds import KINDS
from webpanel.documents.models import Document, DocumentCounter, DocumentLine
from webpanel.extensions import db
from webpanel.outbox.models import Message, MessageBody
from webpanel.settings.models import EmailSettings

SMALL, LARGE = 100, int(os.environ.get("BENCH_LARGE_ROWS", "100000"))
BATCH = 5_000
#: Customers beside `rows` documents: an office has far fewer customers than documents (one
#: per five documents over ten years is generous); the documents go to the first ACTIVE.
CUSTOMERS = {SMALL: SMALL, LARGE: max(SMALL, LARGE // 5)}
ACTIVE = 2_000
VENDORS = 50
#: Of every 20 documents: 17 invoices, one of each other kind.
KIND_CYCLE = ("invoice",) * 17 + ("proposal", "sales_order", "purchase_order")
START = datetime.date(2016, 1, 4)


@dataclass
class Panel:
    """A filled panel: its app, a signed-in client, and ids the measures address."""

    database: str
    rows: int
    app: Flask
    client: FlaskClient
    uid: int
    ids: dict[str, int] = field(default_factory=dict)


_PANELS: dict[tuple[str, int], Panel] = {}
_SERVER: list = []


def databases() -> list[str]:
    """The databases to measure on, from BENCH_DATABASES."""
    chosen = os.environ.get("BENCH_DATABASES", "sqlite,postgresql")
    return [name.strip() for name in chosen.split(",") if name.strip()]


def panel(database: str, rows: int) -> Panel:
    """The panel of `rows` rows on `database`, filled on first use."""
    key = (database, rows)
    if key not in _PANELS:
        config = {"DATABASE_URL": _postgres_url()} if database == "postgresql" else {}
        app, client, uid = make_panel(**config)
        filled = Panel(database, rows, app, client, uid)
        with app.app_context():
            _fill(filled)
            _analyze(database)
            filled.ids = _ids(uid)
        _PANELS[key] = filled
        if len(_PANELS) == 1:
            atexit.register(_clean_up)
    return _PANELS[key]


def _postgres_url() -> str:
    """A new empty database on the bench's PostgreSQL server (started on first use)."""
    if not _SERVER:
        from tests.support.postgres import PostgresServer

        _SERVER.append(PostgresServer().start())
        atexit.register(_stop)
    server = _SERVER[0]
    return server.url(server.create_database())


def _clean_up() -> None:
    """Close the panels' connections and remove their instance folders (SQLite files)."""
    for made in _PANELS.values():
        made.app.extensions["webpanel.engine"].dispose()
        shutil.rmtree(made.app.instance_path, ignore_errors=True)


def _stop() -> None:
    _clean_up()
    _SERVER[0].stop()


def _analyze(database: str) -> None:
    """Statistics as a real install has them: PostgreSQL's autovacuum analyzes tables that grew
    (so ANALYZE); on SQLite the worker refreshes them as it starts and nightly (its job)."""
    if database == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    else:
        maintenance.refresh_statistics()


def _fill(made: Panel) -> None:
    name_company("Bench Office LLC", "1 Main Street\nSpringfield")  # set up, as offices are
    _insert(EmailSettings, [{  # the person who sent the messages has their email set up
        "user_id": made.uid, "display_name": "Bench Person", "address": "bench@example.com",
        "smtp_server": "smtp.example.com", "smtp_port": 587, "smtp_username": "bench@example.com",
        "smtp_check": "ok"}])
    _insert(Contact, [_contact(n, "customer") for n in range(CUSTOMERS[made.rows])])
    _insert(Contact, [_contact(n, "vendor") for n in range(VENDORS)])
    customers = db.session.scalars(select(Contact.id).where(Contact.kind == "customer")
                                   .order_by(Contact.id).limit(ACTIVE)).all()
    vendors = db.session.scalars(select(Contact.id).where(Contact.kind == "vendor")).all()
    seqs = {kind: 0 for kind in KINDS}
    for start in range(0, made.rows, BATCH):
        rows = []
        for n in range(start, min(start + BATCH, made.rows)):
            kind = KIND_CYCLE[n % len(KIND_CYCLE)]
            seqs[kind] += 1
            contacts = vendors if KINDS[kind].contact_kind == "vendor" else customers
            rows.append(_document(n, kind, seqs[kind], contacts[n % len(contacts)]))
        _insert(Document, rows)
    db.session.execute(delete(DocumentCounter))
    _insert(DocumentCounter, [{"kind": kind, "last_number": seq} for kind, seq in seqs.items()])
    ids = db.session.scalars(select(Document.id).order_by(Document.id)).all()
    _insert(DocumentLine, [{"document_id": i, "position": 0, "description": "Consulting, hours",
                            "quantity": Decimal("4"), "unit_price": Decimal("95.00")}
                           for i in ids])
    _fill_messages(made.uid, made.rows)


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[start:start + BATCH])
    db.session.commit()


def _contact(n: int, kind: str) -> dict:
    word = "Customer" if kind == "customer" else "Vendor"
    return {"kind": kind, "name": f"{word} {n:05d} Ltd", "contact_person": f"Person {n:05d}",
            "email": f"{kind}{n:05d}@example.org", "address": f"{n} Main Street\nSpringfield"}


def _document(n: int, kind: str, seq: int, contact_id: int) -> dict:
    day = START + datetime.timedelta(days=n * 3650 // LARGE)
    moment = datetime.datetime.combine(day, datetime.time(9)) + datetime.timedelta(seconds=n)
    return {"kind": kind, "seq": seq, "number": f"{KINDS[kind].prefix}-{seq:04d}", "date": day,
            "contact_id": contact_id, "tax_rate": Decimal("10"), "currency": "USD",
            "payment_terms": "net30" if kind == "invoice" else "",
            "due_date": day + datetime.timedelta(days=30) if kind == "invoice" else None,
            "subtotal": Decimal("380.00"), "tax": Decimal("38.00"), "total": Decimal("418.00"),
            "created_at": moment, "updated_at": moment}


def _mime_template() -> bytes:
    message = EmailMessage()
    message["From"] = "Bench <bench@example.com>"
    message["To"] = "customer@example.org"
    message["Subject"] = "Invoice INV-@@@@@@"
    message.set_content("Dear customer,\n\nPlease find invoice INV-@@@@@@ attached.\n")
    message.add_alternative("<p>Please find invoice INV-@@@@@@ attached.</p>", subtype="html")
    return message.as_bytes(policy=SMTP)


def _fill_messages(uid: int, count: int) -> None:
    """`count` messages of the signed-in person with their bodies, as the panel stores them;
    subjects "Invoice INV-000042" (one match each), recipients shared by 1 in 500."""
    methods, statuses = ("smtp", "gmail", "outlook", "client"), ("sent", "sent", "sent", "failed")
    template = _mime_template()
    for start in range(0, count, BATCH):
        rows = [dict(user_id=uid, idempotency_key=f"bench-{n}", method=methods[n % 4],
                     status=statuses[n % 4], subject=f"Invoice INV-{n:06d}",
                     from_header="Bench <bench@example.com>", envelope_from="bench@example.com",
                     to_addrs=f"customer{n % 500}@example.org", cc_addrs="", bcc_addrs="",
                     document_label=f"Invoice INV-{n:06d}", size=900, attempts=1)
                for n in range(start, min(start + BATCH, count))]
        db.session.execute(insert(Message), rows)
        ids = db.session.execute(select(Message.id, Message.subject).where(
            Message.idempotency_key.in_([r["idempotency_key"] for r in rows]))).all()
        db.session.execute(insert(MessageBody), [
            {"message_id": mid, "mime": template.replace(b"@@@@@@", subject[-6:].encode())}
            for mid, subject in ids])
        db.session.commit()


def _ids(uid: int) -> dict[str, int]:
    """Ids of rows in the middle of each table (for "a later page" and the pages' addresses)."""
    def middle(statement) -> int:
        found = db.session.scalars(statement.order_by(None)).all()
        return sorted(found)[len(found) // 2]

    return {"invoice": middle(select(Document.id).where(Document.kind == "invoice")),
            "customer": middle(select(Contact.id).where(Contact.kind == "customer")),
            "vendor": middle(select(Contact.id).where(Contact.kind == "vendor")),
            "message": middle(select(Message.id).where(Message.user_id == uid))}

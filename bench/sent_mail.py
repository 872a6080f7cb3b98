"""Sent mail stays fast however long the history: 100 messages against 100,000."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

from sqlalchemy import insert, select

from bench.harness import Row, make_panel, median_seconds
from webpanel.extensions import db
from webpanel.outbox.models import Message, MessageBody

SIZES = (100, 100_000)
BATCH = 5_000


def _mime(n: int) -> bytes:
    message = EmailMessage()
    message["From"] = "Bench <bench@example.com>"
    message["To"] = f"customer{n % 500}@example.org"
    message["Subject"] = f"Invoice INV-{n:06d}"
    message.set_content(f"Dear customer,\n\nPlease find invoice INV-{n:06d} attached.\n")
    message.add_alternative(f"<p>Please find invoice INV-{n:06d} attached.</p>", subtype="html")
    return message.as_bytes(policy=SMTP)


def _fill(app, uid: int, count: int) -> None:
    """Insert `count` messages with bodies, in batches, as the panel would have stored them."""
    methods, statuses = ("smtp", "gmail", "outlook", "client"), ("sent", "sent", "sent", "failed")
    with app.app_context():
        for start in range(0, count, BATCH):
            rows = [dict(user_id=uid, idempotency_key=f"bench-{n}", method=methods[n % 4],
                         status=statuses[n % 4], subject=f"Invoice INV-{n:06d}",
                         from_header="Bench <bench@example.com>",
                         envelope_from="bench@example.com",
                         to_addrs=f"customer{n % 500}@example.org", cc_addrs="", bcc_addrs="",
                         document_label=f"Invoice INV-{n:06d}", size=900, attempts=1)
                    for n in range(start, min(start + BATCH, count))]
            db.session.execute(insert(Message), rows)
            ids = db.session.scalars(select(Message.id).where(
                Message.idempotency_key.in_([r["idempotency_key"] for r in rows]))).all()
            db.session.execute(insert(MessageBody), [
                {"message_id": mid, "mime": _mime(mid)} for mid in ids])
            db.session.commit()


def _timings(count: int) -> dict[str, float]:
    app, client, uid = make_panel()
    _fill(app, uid, count)
    with app.app_context():
        newest = db.session.scalar(select(Message.id).order_by(Message.id.desc()).limit(1))
    middle = newest - count // 2

    def first_page():
        assert b"INV-" in client.get("/sent", headers={"HX-Request": "true"}).data

    def later_page():
        assert b"INV-" in client.get(f"/sent?before={middle}", headers={"HX-Request": "true"}).data

    def preview():
        assert b"INV-" in client.get(f"/sent/{middle}", headers={"HX-Request": "true"}).data

    def search():
        assert b"INV-" in client.get("/sent?q=customer42@", headers={"HX-Request": "true"}).data

    return {"first page": median_seconds(first_page), "a later page": median_seconds(later_page),
            "preview": median_seconds(preview), "search by recipient": median_seconds(search)}


def run() -> list[Row]:
    """Median request times at 100 and 100,000 messages, and their ratio (target <= 1.5)."""
    small, large = (_timings(count) for count in SIZES)
    rows = []
    for name, base in small.items():
        ratio = large[name] / base
        target = "informational" if name.startswith("search") else "<= x1.5"
        rows.append(Row(f"Sent mail {name}: 100 vs 100,000 messages",
                        f"{base * 1000:.2f} ms vs {large[name] * 1000:.2f} ms = x{ratio:.2f}",
                        target, ratio <= 1.5 or target == "informational"))
    return rows

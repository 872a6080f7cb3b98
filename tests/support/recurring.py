"""Helpers for the recurring documents tests: the Repeat form, the clock moved to a day, and
the documents and runs a schedule made."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from webpanel import timefmt
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.recurring.models import Run, Schedule

#: The Repeat form's fields as a person fills them for "every month on day 31, emailed".
FORM = {"every": "1", "unit": "month", "day_of_month": "31", "ends": "never",
        "until": "", "times": "", "action": "email", "to": "pat@example.org", "cc": ""}


def repeat(hx, document_id: int, **changes):
    """Post the document's Repeat form with `changes` (no HTMX: a plain page)."""
    return hx.post(f"/documents/{document_id}/repeat", {**FORM, **changes}, htmx=False)


def move_to(test_clock, app, day: date) -> None:
    """Move the clock forward so that today (UTC) is `day`."""
    with app.app_context():
        today = timefmt.today("UTC")
    assert day >= today, "the test clock only moves forward"
    test_clock.move(days=(day - today).days)


def schedules(app) -> list[Schedule]:
    """Every schedule as it is now (detached)."""
    with app.app_context():
        found = list(db.session.scalars(select(Schedule).order_by(Schedule.id)))
        db.session.expunge_all()
        return found


def made(app) -> list[tuple[date, str, str, date | None]]:
    """(run day, outcome, number, due date) of every run's document, oldest first."""
    with app.app_context():
        rows = db.session.execute(select(Run.run_on, Run.outcome, Document.number,
                                         Document.due_date)
                                  .join(Document, Run.document_id == Document.id)
                                  .order_by(Run.id))
        return [tuple(row) for row in rows]


def field_error(html: str, name: str) -> str:
    """The error shown under field `name`, or ""."""
    found = re.search(rf'id="{name}-error">(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else ""


def sign_in_again(hx, email: str = "sam@example.com") -> None:
    """Sign in again after the clock moved past the session's life; refresh the CSRF token."""
    from tests.conftest import csrf_from, sign_in

    assert sign_in(hx.client, email).status_code == 302
    hx.token = csrf_from(hx.client.get("/").get_data(as_text=True))

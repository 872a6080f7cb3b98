"""Sent mail lists: filters, search and keyset pages that stay fast however long the history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Select, select

from webpanel import sending
from webpanel.extensions import db
from webpanel.outbox.models import STATUS_LABELS, Message, SentCopy
from webpanel.outbox.records import next_steps, stale_before
from webpanel.outbox.slots import BOUNCE_OUTCOMES, BOUNCED
from webpanel.search import newest_first

PAGE_SIZE = 25
LIST_COLUMNS = (Message.id, Message.method, Message.status, Message.subject, Message.to_addrs,
                Message.cc_addrs, Message.created_at, Message.updated_at, Message.document_label,
                Message.retry_helps, Message.due_at, Message.attempts, Message.user_id,
                Message.error_step, Message.error_fix_tab)
#: What a search looks in: the subject and the To and Cc addresses.
SEARCHED = (Message.subject, Message.to_addrs, Message.cc_addrs)


@dataclass
class Page:
    """One page of a user's sent mail, and how to get the next one."""

    rows: list = field(default_factory=list)
    method: str = ""
    status: str = ""
    q: str = ""
    before: int | None = None
    next_before: int | None = None
    #: The rows' copies in the Sent folder, by message id (read with the rows).
    copies: dict = field(default_factory=dict)
    #: The rows' bounce outcomes, by message id (one query for the page, and for the message
    #: `load` was also asked about; BOUNCE_OUTCOMES).
    bounces: dict = field(default_factory=dict)
    #: What each failed row offers, first first, by message id (records.next_steps).
    steps: dict = field(default_factory=dict)


def page_from_request(user_id: int, args: Mapping[str, str], method: str | None = None,
                      also: int | None = None) -> Page:
    """Read filters from the query string (unknown values are ignored) and load the page
    (with the bounces of message `also`, a preview shown beside it)."""
    page = Page(method=method or _choice(args.get("method", ""), sending.LABELS),
                status=_choice(args.get("status", ""), STATUS_LABELS),
                q=(args.get("q") or "").strip()[:200], before=_int(args.get("before")))
    return load(user_id, page, also)


def load(user_id: int, page: Page, also: int | None = None) -> Page:
    """Fill `page.rows` (newest first, each with its Sent folder copy and whether it bounced),
    `page.next_before`, `page.copies`, `page.bounces` (also of message `also`) and
    `page.steps`: one query, and one more when a row bounced or `also` is given."""
    bounced = BOUNCED(Message.id)
    columns = (*LIST_COLUMNS, SentCopy) if bounced is None else (
        *LIST_COLUMNS, SentCopy, bounced.label("bounced"))
    query = _filtered(select(*columns).outerjoin(
        SentCopy, SentCopy.message_id == Message.id).where(Message.user_id == user_id), page)
    if page.before:
        query = query.where(Message.id < page.before)
    rows = db.session.execute(query.limit(PAGE_SIZE + 1)).all()
    page.rows, extra = rows[:PAGE_SIZE], rows[PAGE_SIZE:]
    page.next_before = page.rows[-1].id if extra else None
    page.copies = {row.id: row.SentCopy for row in page.rows if row.SentCopy is not None}
    wanted = [row.id for row in page.rows if bounced is None or row.bounced]
    wanted += [also] if also else []
    page.bounces = BOUNCE_OUTCOMES(wanted) if wanted else {}
    page.steps = {row.id: next_steps(row) for row in page.rows}
    return page


def _filtered(query: Select, page: Page) -> Select:
    if page.method:
        query = query.where(Message.method == page.method)
    if page.status == "unknown":
        query = query.where(Message.status == "sending", Message.updated_at < stale_before())
    elif page.status == "sending":
        query = query.where(Message.status == "sending", Message.updated_at >= stale_before())
    elif page.status:
        query = query.where(Message.status == page.status)
    if page.q:  # newest first, read in that order from the search index
        return newest_first(query, Message, SEARCHED, page.q, below=page.before)
    return query.order_by(Message.id.desc())


def _choice(value: str, allowed: Mapping[str, str]) -> str:
    return value if value in allowed else ""


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None

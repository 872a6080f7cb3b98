"""What the home page shows: email readiness, recent documents, messages to retry, messages
scheduled to go, sign-ins to renew. Reads only."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import CompoundSelect, Select, bindparam, literal, select, union_all
from sqlalchemy.orm import joinedload

from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.integrations import providers
from webpanel.oauth import health
from webpanel.oauth.models import OAuthAccount
from webpanel.outbox import records
from webpanel.outbox.listing import LIST_COLUMNS
from webpanel.outbox.models import Message
from webpanel.outbox.records import stale_before

RECENT_DOCUMENTS = 8
TO_RETRY = 10
SCHEDULED = 10
RETRY_CARD, LATER_CARD = 1, 2


@dataclass(frozen=True)
class Reconnect:
    """A Gmail or Outlook sign-in that the provider no longer accepts."""

    tab: str
    name: str
    email: str
    sign_in: str


@dataclass(frozen=True)
class AtRisk:
    """A Gmail or Outlook sign-in that still works but may stop (webpanel.oauth.health)."""

    tab: str
    account: OAuthAccount
    risks: list[health.Risk] = field(default_factory=list)


def recent_documents() -> list[Document]:
    """The office's newest documents (changed most recently first, RECENT_DOCUMENTS of them),
    with their customers."""
    return list(db.session.scalars(_recent_query()))


@cache
def _recent_query() -> Select:
    """`recent_documents`' statement, built once per process (building costs more than running
    it)."""
    return (select(Document).order_by(Document.updated_at.desc(), Document.id.desc())
            .limit(RECENT_DOCUMENTS).options(joinedload(Document.contact)))


def unsent(user_id: int) -> tuple[list, list]:
    """The person's messages that failed, wait for an automatic retry, or whose fate is unknown
    (newest first, up to TO_RETRY), and those scheduled with Send later (the soonest first, up
    to SCHEDULED): one query for both cards."""
    rows = db.session.execute(_unsent_query(), {"user_id": user_id,
                                                "stale": stale_before()}).all()
    to_retry = sorted((r for r in rows if r.card == RETRY_CARD), key=lambda r: -r.id)
    return (to_retry[:TO_RETRY],
            sorted((r for r in rows if r.card == LATER_CARD), key=lambda r: (r.due_at, r.id)))


@cache
def _unsent_query() -> CompoundSelect:
    """`unsent`'s statement, built once (building a union of subqueries costs more than running
    it). Each kind of unsettled message is read newest first from the (user, status, id) index
    on its own, so many old failures cost no sort."""
    mine = select(*LIST_COLUMNS).where(Message.user_id == bindparam("user_id"))
    unsettled = ((Message.status == "failed"),
                 (Message.status == "queued") & (Message.attempts > 0)
                 & Message.due_at.is_not(None),
                 (Message.status == "sending") & (Message.updated_at < bindparam("stale")))
    parts = [mine.add_columns(literal(RETRY_CARD).label("card")).where(condition)
             .order_by(Message.id.desc()).limit(TO_RETRY).subquery()
             for condition in unsettled]
    parts.append(mine.add_columns(literal(LATER_CARD).label("card"))
                 .where(Message.status == "scheduled")
                 .order_by(Message.due_at, Message.id).limit(SCHEDULED).subquery())
    return union_all(*(select(part) for part in parts))


def next_steps(rows: list) -> dict[int, tuple[str, ...]]:
    """Each row's actions, first first ("Open SMTP settings", Retry); a row without Retry
    links to why not."""
    return {row.id: records.next_steps(row) for row in rows}


def sign_ins(user_id: int) -> tuple[list[Reconnect], list[AtRisk]]:
    """The person's Gmail/Outlook sign-ins that need signing in again, and the working ones
    that may stop (a failed renewal, an end date, disuse); one query for both."""
    rows = db.session.scalars(_sign_ins_query(), {"user_id": user_id}).all()
    again = [Reconnect(providers.TABS[row.provider], providers.WORDS[row.provider]["name"],
                       row.email, providers.WORDS[row.provider]["sign_in"])
             for row in rows if row.needs_reconnect]
    found = [AtRisk(providers.TABS[row.provider], row, health.risks(row))
             for row in rows if not row.needs_reconnect]
    return again, [item for item in found if item.risks]


@cache
def _sign_ins_query() -> Select:
    """`sign_ins`' statement, built once per process."""
    return (select(OAuthAccount).where(OAuthAccount.user_id == bindparam("user_id"))
            .order_by(OAuthAccount.provider))

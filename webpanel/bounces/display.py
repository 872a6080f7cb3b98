"""What Sent mail and a document's history say about a message's recipients after bounces:
"Bounced: 550 5.1.1 user unknown" or "Delayed: …" per recipient; the others stay "Sent".

Reads only: a page's view asks for all its messages at once (``outcomes``: one query per
list, not per row), through the outbox's slot (webpanel.bounces.hooks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, exists, select

from webpanel.bounces.models import BounceReport
from webpanel.extensions import db
from webpanel.mail.dsn_report import clean

LABELS = {"failed": "Bounced", "delayed": "Delayed"}
RANK = {"failed": 2, "delayed": 1}  # a failure wins over an earlier delay


@dataclass(frozen=True)
class RecipientLine:
    """One recipient as shown: "Bounced: 550 5.1.1 …", "Delayed: …" or "Sent"."""

    recipient: str
    action: str  # "failed", "delayed" or "" (no report)
    text: str = ""

    @property
    def label(self) -> str:
        return LABELS.get(self.action, "Sent")

    @property
    def words(self) -> str:
        """The label and the server's words, e.g. "Bounced: 550 5.1.1 user unknown"."""
        return f"{self.label}: {self.text}" if self.text else self.label


@dataclass
class Outcome:
    """The reports about one message, worst first per recipient."""

    reported: dict[str, RecipientLine] = field(default_factory=dict)

    @property
    def action(self) -> str:
        """The message's badge: "failed" if any recipient bounced, else "delayed", else ""."""
        return max((line.action for line in self.reported.values()),
                   key=lambda a: RANK.get(a, 0), default="")

    @property
    def label(self) -> str:
        return LABELS.get(self.action, "")

    def lines(self, *address_lists: str) -> list[RecipientLine]:
        """Every recipient of the message (comma-separated lists), each with its report or
        "Sent", then any reported address the message did not name (a forward)."""
        named = [a.strip() for text in address_lists for a in (text or "").split(",")
                 if a.strip()]
        shown = [self.reported.get(_key(a), RecipientLine(a, "")) for a in named]
        seen = {_key(a) for a in named}
        return shown + [line for key, line in self.reported.items() if key not in seen]


def _key(address: str) -> str:
    local, _, domain = address.strip().lower().rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    return f"{local}@{domain}" if local else domain


def reported(message_id: ColumnElement[int]) -> ColumnElement[bool]:
    """True for a message (its id column) with reports: a list reads it with its rows and
    asks `outcomes` only about those (most pages have none)."""
    return exists().where(BounceReport.message_id == message_id)


def outcomes(message_ids: Iterable[int]) -> dict[int, Outcome]:
    """The bounce outcome of each message that has reports (others are absent)."""
    ids = sorted(set(message_ids))
    found: dict[int, Outcome] = {}
    if not ids:
        return found
    rows = db.session.scalars(select(BounceReport).where(BounceReport.message_id.in_(ids))
                              .order_by(BounceReport.reported_at, BounceReport.id))
    for row in rows:
        outcome = found.setdefault(row.message_id, Outcome())
        key, line = _key(row.recipient), _line(row)
        current = outcome.reported.get(key)
        if current is None or RANK[line.action] >= RANK[current.action]:
            outcome.reported[key] = line
    return found


def _line(row: BounceReport) -> RecipientLine:
    return RecipientLine(clean(row.recipient, 254), row.action,
                         clean(row.diagnostic or row.status))

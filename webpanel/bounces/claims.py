"""One reader per inbox: before reading a person's INBOX, a check (a worker's job, or
`flask mail check-bounces`) takes their bounce_scans row with one conditional UPDATE, which
only one caller can win while the claim lasts; it gives the row back in the transaction that
stores what it read. A reader that died leaves a claim that expires after the IMAP visit's
deadline, so the next check reads again.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite

from webpanel.bounces.models import BounceScan
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.transactions import writing

#: A claim outlasts the IMAP visit's deadline (MAIL_TIMEOUT) by this much.
MARGIN = timedelta(minutes=1)


def take(user_id: int) -> str | None:
    """Claim the person's row for one reading (made if missing); the owner id to give it back
    with, or None while another reader holds it."""
    owner, now = secrets.token_hex(16), utcnow()
    until = now + timedelta(seconds=2 * float(current_app.config["MAIL_TIMEOUT"])) + MARGIN
    with writing():
        _make_row(user_id)
        claimed = db.session.execute(
            update(BounceScan)
            .where(BounceScan.user_id == user_id,
                   or_(BounceScan.claimed_until.is_(None), BounceScan.claimed_until < now))
            .values(claim_owner=owner, claimed_until=until)
            .execution_options(synchronize_session=False)).rowcount
    return owner if claimed == 1 else None


def give_back(user_id: int, owner: str) -> None:
    """End the claim if it is still `owner`'s (in the caller's transaction)."""
    db.session.execute(update(BounceScan)
                       .where(BounceScan.user_id == user_id, BounceScan.claim_owner == owner)
                       .values(claim_owner=None, claimed_until=None)
                       .execution_options(synchronize_session=False))


def _make_row(user_id: int) -> None:
    """The person's row, empty (no mailbox yet: the first reading starts from the start)."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(BounceScan).values(user_id=user_id, mailbox="")
                       .on_conflict_do_nothing(index_elements=["user_id"]))

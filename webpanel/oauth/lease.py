"""The refresh lease: one worker at a time renews an account's tokens, without any lock held
during the call to Google or Microsoft.

A worker claims the lease with one conditional UPDATE (it wins only if nobody holds an
unexpired lease and the stored access token is still the one it found stale), commits, calls
the token endpoint outside any transaction, then stores the new access token and the rotated
refresh token together and clears the lease, in one short transaction, only while the lease
is still its own. A worker that died leaves a lease that expires.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.oauth import health
from webpanel.oauth.models import OAuthAccount
from webpanel.transactions import writing

log = logging.getLogger("webpanel.oauth")


def claim(account_id: int, seen_access_enc: str | None, seconds: float) -> str | None:
    """Take the account's lease for `seconds` if it is free and the stored access token is
    still `seen_access_enc`; returns the owner id to store with, or None (someone else
    refreshes, or already did)."""
    owner, now = secrets.token_hex(16), utcnow()
    with writing():
        claimed = db.session.execute(
            update(OAuthAccount)
            .where(OAuthAccount.id == account_id, OAuthAccount.needs_reconnect.is_(False),
                   OAuthAccount.access_token_enc.is_not_distinct_from(seen_access_enc),
                   OAuthAccount.refresh_lease_until.is_(None)
                   | (OAuthAccount.refresh_lease_until < now))
            .values(refresh_lease_owner=owner,
                    refresh_lease_until=now + timedelta(seconds=seconds))
            .execution_options(synchronize_session=False)).rowcount
    return owner if claimed == 1 else None


def holds(account: OAuthAccount, owner: str, now: datetime) -> bool:
    """Whether `owner` still holds the account's lease."""
    return (account.refresh_lease_owner == owner and account.refresh_lease_until is not None
            and account.refresh_lease_until >= now)


def locked_account(account_id: int) -> OAuthAccount | None:
    """The account's row, freshly read and (PostgreSQL) locked until the transaction ends."""
    return db.session.scalar(select(OAuthAccount).where(OAuthAccount.id == account_id)
                             .with_for_update().execution_options(populate_existing=True))


def end(account_id: int, owner: str, needs_reconnect: bool = False, failure: str = "") -> None:
    """Give the lease back after a failed refresh, recording its `failure` (and marking the
    account "reconnect needed" when the grant was refused)."""
    values: dict = {"refresh_lease_owner": None, "refresh_lease_until": None}
    if needs_reconnect:
        values["needs_reconnect"] = True
    if failure:
        values.update(health.failure_values(failure))
    with writing():
        db.session.execute(update(OAuthAccount)
                           .where(OAuthAccount.id == account_id,
                                  OAuthAccount.refresh_lease_owner == owner)
                           .values(**values).execution_options(synchronize_session=False))


def clear(account: OAuthAccount) -> None:
    """Clear the lease on a row being saved (the caller commits)."""
    account.refresh_lease_owner = account.refresh_lease_until = None

"""Sign-in health on the background worker: every hour each Gmail and Outlook sign-in whose
access token lapses before the next round is renewed, one job per account, each holding the
account's refresh lease (webpanel.oauth.lease) with no transaction open during the call. A
renewal that fails is recorded as a send's would be ("the last renewal failed", or "sign in
again" after invalid_grant), so the tab and the home page say so before anybody sends; and a
sign-in kept in use does not end for disuse."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from webpanel import worker
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.mailbase import MailError
from webpanel.oauth.models import OAuthAccount
from webpanel.oauth.tokens import AccountTokens
from webpanel.transactions import release

log = logging.getLogger("webpanel.oauth")

ROUND_JOB = "oauth.check-sign-ins"
RENEW_JOB = "oauth.renew"
#: Between two rounds; a token that lapses before the next round (and a margin) is renewed.
EVERY = timedelta(hours=1)
MARGIN = timedelta(minutes=10)


def init_app(app: Flask) -> None:
    """Give the worker the sign-in jobs: the hourly round, and one account's renewal."""
    worker.define(app, RENEW_JOB, renew)
    worker.define(app, ROUND_JOB, check_all,
                  every=worker.every_minutes(int(EVERY.total_seconds() // 60)))


def check_all() -> int:
    """Queue a renewal for each working sign-in whose access token lapses before the next
    round; how many."""
    ids = list(db.session.scalars(
        select(OAuthAccount.id).where(OAuthAccount.needs_reconnect.is_(False),
                                      OAuthAccount.refresh_token_enc.is_not(None),
                                      _lapses_before(utcnow() + EVERY + MARGIN))
        .order_by(OAuthAccount.id)))
    release()
    for account_id in ids:
        if not worker.enqueue(RENEW_JOB, account_id):
            break  # the queue is unreachable: the next round queues them
    return len(ids)


def _lapses_before(moment):
    return OAuthAccount.expires_at.is_(None) | (OAuthAccount.expires_at < moment)


def renew(account_id: int) -> None:
    """Renew one account's access token if it lapses before the next round (the job; it
    returns nothing, so the queue keeps no result). A failure is already on the account: it
    is only logged here."""
    account = db.session.get(OAuthAccount, account_id)
    if account is None:
        return
    try:
        AccountTokens(account.id, account.provider).renew_ahead(utcnow() + EVERY + MARGIN)
    except MailError as failed:
        log.info("renewing sign-in %s failed: %s", account_id, failed.reason)

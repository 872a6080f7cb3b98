"""Token refresh by a lease: one worker at a time per account renews the tokens, with no
transaction open during the call, and the others use the new token. Real Google stand-in,
real worker processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.conftest import child_env
from tests.support.api_accounts import account, choose, connect
from tests.support.oauth_fixtures import GOOGLE_ID, GOOGLE_SECRET, endpoint_config
from tests.support.office import first_document, send
from tests.support.sam_variants import sam_on_stand_ins  # noqa: F401  (the sam fixture)
from webpanel.crypto import secret_box
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.mailbase import MailError
from webpanel.oauth import lease
from webpanel.oauth.models import OAuthAccount
from webpanel.oauth.tokens import AccountTokens

WORKER = """
import json, sys
from webpanel import create_app
from webpanel.oauth.tokens import AccountTokens
app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    sys.stdin.readline()  # start together
    try:
        print("TOKEN", AccountTokens(int(sys.argv[2]), "google").access_token())
    except Exception as exc:  # reported to the test
        print("FAILED", type(exc).__name__, exc)
"""


@pytest.fixture
def gmail_sam(sam, emulated, google):  # noqa: F811 - sam is the imported fixture
    """Sam signed in with Google and sending through the Gmail API."""
    connect(sam, google, "google")
    choose(sam, "gmail")
    sam.account_id = account(emulated, sam.user_id, "google").id
    return sam


def expire(app, account_id: int) -> None:
    """Make the stored access token stale, as if an hour had passed."""
    with app.app_context():
        db.session.execute(update(OAuthAccount).where(OAuthAccount.id == account_id)
                           .values(expires_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()


def refresh_calls(emulator) -> int:
    return sum(1 for r in emulator.requests if r.grant_type == "refresh_token")


def plain(app, account_id: int) -> tuple[str, str, OAuthAccount]:
    with app.app_context():
        row = db.session.get(OAuthAccount, account_id)
        box = secret_box()
        return box.decrypt(row.access_token_enc), box.decrypt(row.refresh_token_enc), row


def test_n_workers_needing_a_refresh_at_once_make_one_refresh_call(gmail_sam, emulated,
                                                                   google, microsoft,
                                                                   instance_dir):
    expire(emulated, gmail_sam.account_id)
    google.expire_access_tokens()
    google.fail_next("token", "slow", times=10, delay=3.0)  # the others arrive during the call
    config = {**endpoint_config(google, microsoft), "GOOGLE_CLIENT_ID": GOOGLE_ID,
              "GOOGLE_CLIENT_SECRET": GOOGLE_SECRET, "MAIL_TIMEOUT": 10.0}
    _old_access, old_refresh, _ = plain(emulated, gmail_sam.account_id)
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(config),
                                 str(gmail_sam.account_id)], env=child_env(instance_dir),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [worker.communicate("go\n", timeout=120) for worker in workers]
    tokens = {out.split()[-1] for out, _err in results if out.startswith("TOKEN")}
    assert len(tokens) == 1 and all(out.startswith("TOKEN") for out, _ in results), results
    assert refresh_calls(google) == 1
    access, refresh, row = plain(emulated, gmail_sam.account_id)
    assert tokens == {access} and refresh != old_refresh  # rotated, stored once with it
    assert google.tokens_by_refresh[refresh].refresh_revoked is False
    assert not row.needs_reconnect and row.refresh_lease_owner is None


def test_another_worker_holding_the_lease_is_waited_for_and_its_token_used(gmail_sam,
                                                                           emulated, google):
    expire(emulated, gmail_sam.account_id)
    with emulated.app_context():
        stale = db.session.get(OAuthAccount, gmail_sam.account_id).access_token_enc
        owner = lease.claim(gmail_sam.account_id, stale, 60)
    assert owner is not None
    got: list[str] = []
    waiter = threading.Thread(target=lambda: got.append(_token(emulated, gmail_sam)))
    waiter.start()
    with emulated.app_context():  # the holder stores what it got from Google
        row = lease.locked_account(gmail_sam.account_id)
        row.access_token_enc = secret_box().encrypt("from-the-other-worker")
        row.expires_at = utcnow() + timedelta(hours=1)
        lease.clear(row)
        db.session.commit()
    waiter.join(30)
    assert got == ["from-the-other-worker"] and refresh_calls(google) == 0


def test_a_lease_left_by_a_dead_worker_expires(gmail_sam, emulated, google):
    expire(emulated, gmail_sam.account_id)
    with emulated.app_context():
        db.session.execute(update(OAuthAccount).values(
            refresh_lease_owner="a worker that died",
            refresh_lease_until=utcnow() + timedelta(seconds=1)))
        db.session.commit()
    assert "Sent." in send(gmail_sam, first_document(emulated, "invoice").id)
    assert refresh_calls(google) == 1
    assert plain(emulated, gmail_sam.account_id)[2].refresh_lease_owner is None


def test_a_refused_refresh_gives_the_lease_back_and_asks_to_reconnect(gmail_sam, emulated,
                                                                      google):
    expire(emulated, gmail_sam.account_id)
    google.revoke_all_tokens_for("sam@example.com")
    with pytest.raises(MailError, match="no longer accepts"):
        _token(emulated, gmail_sam)
    row = plain(emulated, gmail_sam.account_id)[2]
    assert row.needs_reconnect and row.refresh_lease_owner is None


def test_no_answer_gives_the_lease_back_so_retry_can_refresh(gmail_sam, emulated, google):
    emulated.config["MAIL_TIMEOUT"] = 1.0
    expire(emulated, gmail_sam.account_id)
    google.fail_next("token", "slow", delay=3.0)
    html = send(gmail_sam, first_document(emulated, "invoice").id)
    assert "No answer from" in html and "Retry" in html
    row = plain(emulated, gmail_sam.account_id)[2]
    assert row.refresh_lease_owner is None and row.refresh_lease_until is None


def _token(app, person) -> str:
    with app.app_context():
        return AccountTokens(person.account_id, "google").access_token()

"""Sign-in health on the background worker: the hourly round renews each Gmail and Outlook
access token that lapses before the next round (one job per account, each holding the
account's refresh lease), and a renewal that fails shows on the tab and the home page before
anybody sends, as a send's failed renewal would. The Google and Microsoft stand-ins answer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.support.api_accounts import TABS, account, connect, set_account, tab
from tests.support.documents import text_of
from tests.support.sam_variants import sam_on_stand_ins  # noqa: F401  (the sam fixture)
from webpanel import timefmt
from webpanel.database import utcnow
from webpanel.oauth import jobs, lease

PROVIDERS = ["google", "microsoft"]


def round_of(app) -> int:
    """The worker's hourly round (its jobs run where they are queued in tests)."""
    with app.app_context():
        return jobs.check_all()


@pytest.fixture(params=PROVIDERS)
def signed_in(request, sam, emulated):
    """Sam signed in with the provider; `.emu` is its stand-in, `.provider` its name."""
    emulator = request.getfixturevalue(request.param)
    connect(sam, emulator, request.param)
    sam.emu, sam.provider = emulator, request.param
    return sam


def test_a_token_that_lapses_before_the_next_round_is_renewed(signed_in, emulated):
    sam, provider = signed_in, signed_in.provider
    set_account(emulated, sam.user_id, provider, expires_at=utcnow() + timedelta(hours=3))
    calls = sam.emu.token_requests
    assert round_of(emulated) == 0 and sam.emu.token_requests == calls  # fresh for long
    set_account(emulated, sam.user_id, provider, expires_at=utcnow() + timedelta(minutes=50))
    before = account(emulated, sam.user_id, provider)
    assert round_of(emulated) == 1 and sam.emu.token_requests == calls + 1
    after = account(emulated, sam.user_id, provider)
    assert after.access_token_enc != before.access_token_enc
    assert after.expires_at > utcnow() + timedelta(minutes=55) and after.refreshed_at
    shown = text_of(sam.get(f"/users/{sam.user_id}/email/{TABS[provider]}"))
    assert f"Access last refreshed {timefmt.local(after.refreshed_at, None)}" in shown


def test_a_failed_renewal_shows_before_anybody_sends(signed_in, emulated):
    sam, provider = signed_in, signed_in.provider
    set_account(emulated, sam.user_id, provider, expires_at=utcnow() - timedelta(minutes=1))
    sam.emu.fail_next("token", "500")
    round_of(emulated)
    failed = account(emulated, sam.user_id, provider)
    assert failed.refresh_failed_at and not failed.needs_reconnect
    assert 'data-risk="refresh-failed"' in tab(sam, TABS[provider])
    home = text_of(sam.client.get("/"))
    assert "Sign-ins to look after" in home and "The last renewal failed." in home
    round_of(emulated)  # the next round renews, and the warning goes
    assert account(emulated, sam.user_id, provider).refresh_failed_at is None
    assert "The last renewal failed." not in text_of(sam.client.get("/"))


def test_a_revoked_sign_in_asks_to_sign_in_again_on_the_home_page(signed_in, emulated):
    sam, provider = signed_in, signed_in.provider
    set_account(emulated, sam.user_id, provider, expires_at=utcnow() - timedelta(minutes=1))
    sam.emu.revoke_all_tokens_for("sam@example.com")
    round_of(emulated)
    assert account(emulated, sam.user_id, provider).needs_reconnect
    home = text_of(sam.client.get("/"))
    assert re.search(r"Sign in again .* no longer accepts the panel's sign-in", home)
    calls = sam.emu.token_requests
    assert round_of(emulated) == 0 and sam.emu.token_requests == calls  # never in a loop


def test_an_account_another_worker_is_renewing_is_left_to_it(signed_in, emulated):
    sam, provider = signed_in, signed_in.provider
    set_account(emulated, sam.user_id, provider, expires_at=utcnow() - timedelta(minutes=1))
    stale = account(emulated, sam.user_id, provider)
    with emulated.app_context():  # a send's renewal holds the lease
        assert lease.claim(stale.id, stale.access_token_enc, 30) is not None
    calls = sam.emu.token_requests
    round_of(emulated)
    assert sam.emu.token_requests == calls
    assert account(emulated, sam.user_id, provider).access_token_enc == stale.access_token_enc


def test_without_the_integration_set_up_nothing_is_called(signed_in, emulated):
    sam, provider = signed_in, signed_in.provider
    set_account(emulated, sam.user_id, provider, expires_at=utcnow() - timedelta(minutes=1))
    emulated.config.update(GOOGLE_CLIENT_ID="", MICROSOFT_CLIENT_ID="")
    calls = sam.emu.token_requests
    round_of(emulated)
    assert sam.emu.token_requests == calls
    assert account(emulated, sam.user_id, provider).refresh_failed_at is None

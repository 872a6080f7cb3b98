"""Send Test on the Gmail and Outlook tabs: a real message through the API, the same dialog
and result as the SMTP tab's, plain words when the sign-in no longer works, and none on a
colleague's tab."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import Htmx
from tests.support.api_accounts import account, connect, set_account, stale_access_token, tab
from tests.support.sam_variants import sam_on_stand_ins  # noqa: F401  (the sam fixture)
from webpanel.database import utcnow

TABS = {"google": "gmail", "microsoft": "outlook"}
ENDPOINTS = {"google": "gmail.send", "microsoft": "graph.sendMail"}


def send_test(hx, name: str, to: str = "pat@example.org", subject: str = "API test"):
    return hx.post(f"/users/{hx.user_id}/email/{name}/test",
                   {"test_to": to, "test_subject": subject})


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_send_test_sends_a_real_message_through_the_api(sam, emulated, provider, request):
    emulator = request.getfixturevalue(provider)
    name = TABS[provider]
    connect(sam, emulator, provider)
    page = tab(sam, name)
    assert f'hx-get="/users/{sam.user_id}/email/{name}/test"' in page
    dialog = sam.get(f"/users/{sam.user_id}/email/{name}/test").get_data(as_text=True)
    assert 'id="send-test-dialog"' in dialog and "Send Test" in dialog
    assert f'hx-post="/users/{sam.user_id}/email/{name}/test"' in dialog
    assert "hx-include" not in dialog  # nothing from the SMTP form
    assert re.search(r'name="test_to"[^>]*value="sam@example.com"', dialog)  # oneself
    assert "from the account signed in on this tab" in dialog
    result = send_test(sam, name)
    html = result.get_data(as_text=True)
    assert result.status_code == 200 and "It works: the test message was sent." in html
    assert "The server accepted it for pat@example.org." in html
    [sent] = emulator.sent
    assert sent.endpoint == ENDPOINTS[provider]
    assert sent.message["Subject"] == "API test"
    assert sent.message["To"] == "pat@example.org"
    assert account(emulated, sam.user_id, provider).last_sent_at is not None


def test_a_revoked_sign_in_gives_plain_words_and_sends_nothing(sam, emulated, google):
    connect(sam, google, "google")
    stale_access_token(emulated, sam.user_id, google, "google")
    google.revoke_all_tokens_for("sam@example.com")
    html = send_test(sam, "gmail").get_data(as_text=True)
    assert "Send Test failed" in html
    assert "Google no longer accepts the panel&#39;s sign-in" in html
    assert "press “Sign In With Google” again" in html
    assert google.sent == []
    page = tab(sam, "gmail")
    assert "Reconnect needed" in page and "/email/gmail/test" not in page


def test_send_test_needs_an_address_and_says_so_at_the_field(sam, google):
    connect(sam, google, "google")
    response = send_test(sam, "gmail", to="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="send-test-form"' in html and 'id="test_to-error"' in html
    assert google.sent == []


def test_no_send_test_from_a_colleague_s_account(sam, emulated, google, admin_client):
    connect(sam, google, "google")
    admin = Htmx(admin_client, f"/users/{sam.user_id}/email/gmail")
    page = admin.get(f"/users/{sam.user_id}/email/gmail").get_data(as_text=True)
    assert "sam@example.com" in page and "/email/gmail/test" not in page
    assert admin.get(f"/users/{sam.user_id}/email/gmail/test").status_code == 404
    answer = admin.post(f"/users/{sam.user_id}/email/gmail/test",
                        {"test_to": "pat@example.org", "test_subject": "From the admin"})
    assert answer.status_code == 404 and google.sent == []


def test_send_test_keeps_an_unused_outlook_sign_in_alive(sam, emulated, microsoft):
    connect(sam, microsoft, "microsoft")
    set_account(emulated, sam.user_id, "microsoft",
                authorized_at=utcnow() - timedelta(days=85), refreshed_at=None)
    assert 'data-risk="unused"' in tab(sam, "outlook")
    assert "It works" in send_test(sam, "outlook", to="sam@example.com").get_data(True)
    assert "data-risk" not in tab(sam, "outlook")

"""Gmail and Outlook: sign-in with PKCE and state, API sending, tokens, De-Authorize."""

from __future__ import annotations

import email
import io
import logging
import re
from email import policy
from urllib.parse import parse_qs, urlsplit

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from tests.conftest import Htmx, sign_in
from tests.support.api_accounts import account, choose, connect, tab
from tests.support.office import first_document, messages, send
from tests.support.sam_variants import sam_on_stand_ins  # noqa: F401  (the sam fixture)
from webpanel.extensions import db
from webpanel.oauth.models import OAuthAccount

EMULATOR_LOGGERS = ("authlib.oauth2", "tests.emulators")  # the stand-ins' own server-side logs


@pytest.mark.parametrize("provider", ["google", "microsoft"])
def test_sign_in_uses_pkce_state_and_the_smallest_scopes(sam, emulated, provider, request):
    emulator = request.getfixturevalue(provider)
    response, authorize_url = connect(sam, emulator, provider)
    query = parse_qs(urlsplit(authorize_url).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0]
    scopes = set(query["scope"][0].split())
    if provider == "google":
        assert scopes == {"openid", "email", "https://www.googleapis.com/auth/gmail.send"}
        assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    else:
        assert scopes == {"openid", "email", "offline_access",
                          "https://graph.microsoft.com/Mail.Send",
                          "https://graph.microsoft.com/User.Read"}
    assert response.status_code == 302
    tab = sam.client.get(response.location).get_data(as_text=True)
    assert "Signed in as sam@example.com" in tab and "sam@example.com" in tab
    stored = account(emulated, sam.user_id, provider)
    assert stored.email == "sam@example.com" and stored.refresh_token_enc


@pytest.mark.parametrize("state", ["wrong-state", None])
def test_a_wrong_or_missing_state_saves_nothing(sam, emulated, google, state):
    start = sam.post(f"/users/{sam.user_id}/email/gmail/connect", {}, htmx=False)
    back = urlsplit(google.approve(start.location))
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    if state is None:
        query.pop("state")
    else:
        query["state"] = state
    response = sam.client.get(back.path, query_string=query)
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True).lower()
    assert account(emulated, sam.user_id, "google") is None


def test_a_callback_from_another_browser_saves_nothing(sam, emulated, google, app):
    start = sam.post(f"/users/{sam.user_id}/email/gmail/connect", {}, htmx=False)
    back = urlsplit(google.approve(start.location))
    other = app.test_client()
    sign_in(other, "sam@example.com")
    assert other.get(f"{back.path}?{back.query}").status_code == 400
    assert account(emulated, sam.user_id, "google") is None


def test_denied_consent_saves_nothing(sam, emulated, google):
    start = sam.post(f"/users/{sam.user_id}/email/gmail/connect", {}, htmx=False)
    back = urlsplit(google.deny(start.location))
    response = sam.client.get(f"{back.path}?{back.query}")
    assert response.status_code == 400 and "did not give access" in response.get_data(True)
    assert account(emulated, sam.user_id, "google") is None


def test_send_mail_using_offers_an_api_only_once_signed_in(sam, google):
    response = sam.post(f"/users/{sam.user_id}/email/smtp", {"send_using": "gmail",
                                                             "smtp_security": "tls"})
    assert response.status_code == 422
    assert "Sign in on the Gmail tab first" in response.get_data(as_text=True)
    connect(sam, google, "google")
    smtp_tab = sam.get(f"/users/{sam.user_id}/email/smtp").get_data(as_text=True)
    assert "Gmail API" in smtp_tab and "Outlook API" not in smtp_tab
    choose(sam, "gmail")


@pytest.mark.parametrize(("provider", "method", "endpoint"), [
    ("google", "gmail", "gmail.send"), ("microsoft", "outlook", "graph.sendMail")])
def test_an_invoice_goes_out_through_the_api(sam, emulated, provider, method, endpoint,
                                             request):
    emulator = request.getfixturevalue(provider)
    connect(sam, emulator, provider)
    choose(sam, method)
    invoice = first_document(emulated, "invoice")
    html = send(sam, invoice.id, cc="accounts@example.org", bcc="boss@example.com")
    assert "Sent." in html
    [sent] = emulator.sent
    assert sent.endpoint == endpoint
    message = email.message_from_bytes(sent.raw, policy=policy.default)
    assert message["From"].addresses[0].display_name == "Sam Søren"
    assert message["Bcc"].addresses[0].addr_spec == "boss@example.com"
    [pdf] = list(message.iter_attachments())
    assert pdf.get_content() == sam.client.get(f"/documents/{invoice.id}/pdf").data
    text = PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text()
    assert invoice.number in text
    [record] = messages(emulated)
    assert record.method == method and record.status == "sent"
    tab = sam.get(f"/users/{sam.user_id}/email/{method}").get_data(as_text=True)
    assert f"Invoice {invoice.number}" in tab and f'hx-get="/sent/{record.id}"' in tab
    preview = sam.get(f"/sent/{record.id}").get_data(as_text=True)
    assert f"Invoice-{invoice.number}.pdf" in preview


def test_send_test_through_gmail(sam, google):
    connect(sam, google, "google")
    html = sam.post(f"/users/{sam.user_id}/email/smtp/test", {
        "send_using": "gmail", "smtp_security": "tls", "test_to": "pat@example.org",
        "test_subject": "Gmail test"}).get_data(as_text=True)
    assert "It works" in html and "Gmail accepted" in html
    assert google.sent[0].message["Subject"] == "Gmail test"


def test_an_expired_token_is_refreshed_and_the_rotated_refresh_token_stored(sam, emulated,
                                                                            google):
    connect(sam, google, "google")
    choose(sam, "gmail")
    before = account(emulated, sam.user_id, "google")
    with emulated.app_context():
        db.session.execute(update(OAuthAccount).values(expires_at=before.authorized_at))
        db.session.commit()
    google.expire_access_tokens()
    assert "Sent." in send(sam, first_document(emulated, "invoice").id)
    after = account(emulated, sam.user_id, "google")
    assert after.refresh_token_enc != before.refresh_token_enc
    assert after.access_token_enc != before.access_token_enc and after.refreshed_at
    assert "Access last refreshed" in sam.get(f"/users/{sam.user_id}/email/gmail").get_data(True)


def test_a_401_refreshes_once_and_sends(sam, emulated, google):
    connect(sam, google, "google")
    choose(sam, "gmail")
    google.fail_next("send", "401")
    assert "Sent." in send(sam, first_document(emulated, "invoice").id)
    assert len(google.sent) == 1


def test_invalid_grant_means_reconnect_needed_a_failed_record_and_no_loop(sam, emulated,
                                                                          google):
    connect(sam, google, "google")
    choose(sam, "gmail")
    with emulated.app_context():
        db.session.execute(update(OAuthAccount).values(
            expires_at=account(emulated, sam.user_id, "google").authorized_at))
        db.session.commit()
    google.revoke_all_tokens_for("sam@example.com")
    token_calls = google.token_requests
    html = send(sam, first_document(emulated, "invoice").id)
    assert "Not sent" in html and "no longer accepts the panel&#39;s sign-in" in html
    fix = f'<a class="button primary" href="/users/{sam.user_id}/email/gmail#sign-in">Open ' \
        'Gmail settings</a>'
    assert fix in html and html.index(fix) < html.index(">Retry</button>")  # sign in first
    assert google.token_requests == token_calls + 1
    [record] = messages(emulated)
    assert record.status == "failed" and record.error_step == "sign-in"
    tab = sam.get(f"/users/{sam.user_id}/email/gmail").get_data(as_text=True)
    assert "Reconnect needed" in tab and "Sign In With Google" in tab
    retry = sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)
    assert "Not sent" in retry and google.token_requests == token_calls + 1
    connect(sam, google, "google")
    assert "Sent." in sam.post(f"/sent/{record.id}/retry", {}).get_data(as_text=True)


@pytest.mark.parametrize(("kind", "words"), [("429", "limiting how fast"),
                                             ("500", "had a problem"),
                                             ("403", "not")])
def test_api_errors_give_their_own_clear_failure(sam, emulated, google, kind, words):
    connect(sam, google, "google")
    choose(sam, "gmail")
    google.fail_next("send", kind, times=3, retry_after=60)
    html = send(sam, first_document(emulated, "invoice").id)
    assert "Not sent" in html and words in html
    assert messages(emulated)[0].status == "failed"


def test_de_authorize_gmail_revokes_and_deletes_tokens(sam, emulated, google, instance_dir):
    connect(sam, google, "google")
    html = sam.post(f"/users/{sam.user_id}/email/gmail/deauthorize", {}).get_data(True)
    assert "Google revoked the panel&#39;s access" in html and "Sign In With Google" in html
    assert google.revoked
    assert account(emulated, sam.user_id, "google") is None


def test_de_authorize_gmail_deletes_tokens_even_if_google_fails(sam, emulated, google):
    connect(sam, google, "google")
    google.fail_next("revoke", "500")
    html = sam.post(f"/users/{sam.user_id}/email/gmail/deauthorize", {}).get_data(True)
    assert "could not be reached to revoke" in html
    assert account(emulated, sam.user_id, "google") is None


def test_de_authorize_outlook_deletes_tokens_and_says_where_to_remove_consent(sam, emulated,
                                                                             microsoft):
    connect(sam, microsoft, "microsoft")
    html = sam.post(f"/users/{sam.user_id}/email/outlook/deauthorize", {}).get_data(True)
    assert "myapplications.microsoft.com" in html and "account.live.com/consent/Manage" in html
    assert account(emulated, sam.user_id, "microsoft") is None


def test_from_name_warning_appears_exactly_when_addresses_differ(sam, google):
    connect(sam, google, "google", email_address="sam.personal@example.net")
    assert "will show the bare address" in sam.get(
        f"/users/{sam.user_id}/email/gmail").get_data(as_text=True)
    sam.post(f"/users/{sam.user_id}/email/general", {"display_name": "Sam",
                                                     "address": "sam.personal@example.net"})
    assert "will show the bare address" not in sam.get(
        f"/users/{sam.user_id}/email/gmail").get_data(as_text=True)


def test_no_raw_token_in_pages_logs_or_the_database(sam, emulated, google, microsoft, caplog,
                                                    instance_dir):
    caplog.set_level(logging.DEBUG)
    connect(sam, google, "google")
    connect(sam, microsoft, "microsoft")
    choose(sam, "gmail")
    send(sam, first_document(emulated, "invoice").id)
    tokens = [token for emulator in (google, microsoft)
              for token in [*emulator.tokens_by_access, *emulator.tokens_by_refresh]]
    assert tokens
    pages = "".join(sam.client.get(f"/users/{sam.user_id}/email/{tab}").get_data(True)
                    for tab in ("general", "smtp", "gmail", "outlook"))
    pages += sam.client.get("/sent").get_data(as_text=True)
    raw = b"".join(p.read_bytes() for p in instance_dir.glob("webpanel.db*"))
    panel_log = "\n".join(record.getMessage() for record in caplog.records
                          if not record.name.startswith(EMULATOR_LOGGERS))
    for token in tokens:
        assert token not in pages and token not in panel_log
        assert token.encode() not in raw


def test_tab_says_who_can_set_it_up_until_configured(user_client, user_id):
    html = user_client.get(f"/users/{user_id}/email/gmail",
                           headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "not set up for this panel yet" in html and "administrator" in html


def test_only_the_person_signs_in_for_themselves(emulated, admin_client, user_id):
    hx = Htmx(admin_client, f"/users/{user_id}/email/gmail")
    assert hx.post(f"/users/{user_id}/email/gmail/connect", {}, htmx=False).status_code == 404
    html = admin_client.get(f"/users/{user_id}/email/gmail").get_data(as_text=True)
    assert "Only sam@example.com can sign in" in html


def test_outlook_says_sign_in_again_once_larger_messages_are_allowed(sam, emulated, microsoft):
    emulated.config["MICROSOFT_LARGE_MESSAGES"] = False
    connect(sam, microsoft, "microsoft")
    assert "Mail.ReadWrite" not in account(emulated, sam.user_id, "microsoft").scope
    assert "Your office now allows messages over 4 MB" not in tab(sam, "outlook")
    emulated.config["MICROSOFT_LARGE_MESSAGES"] = True  # an administrator allows them
    html = tab(sam, "outlook")
    assert ("Your office now allows messages over 4 MB. Sign in to Outlook again to use it."
            in html)
    assert re.search(r'<button type="submit" class="primary" id="sign-in" '
                     r'aria-describedby="sign-in-for-more">Sign in to Outlook</button>', html)
    connect(sam, microsoft, "microsoft")  # signed in again: granted what large messages need
    assert "Mail.ReadWrite" in account(emulated, sam.user_id, "microsoft").scope
    html = tab(sam, "outlook")
    assert "Your office now allows" not in html and 'id="sign-in"' not in html

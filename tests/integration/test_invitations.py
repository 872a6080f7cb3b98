"""Invitations: the administrator adds a colleague, the colleague gets an email from the
administrator's own address (through a real local SMTP server) with a link that lets them
choose their password once, within 24 hours; only a hash of the link's token is stored."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from tests.conftest import PASSWORD, Htmx, csrf_from, sign_in
from tests.support.api_accounts import choose as choose_method
from tests.support.api_accounts import connect
from webpanel.auth import invitations
from webpanel.auth.models import Invitation, User
from webpanel.database import utcnow
from webpanel.extensions import db
from webpanel.models import metadata
from webpanel.outbox.models import Message

LEE = "lee@example.com"
LEE_PASSWORD = "lee's very own password"
LINK_RE = re.compile(r"(http://\S+/invitation/\S+)")


def admin_general(admin_client, admin_id: int, **more: str) -> Htmx:
    """The administrator's own General tab saved (Boss Person, admin@example.com)."""
    hx = Htmx(admin_client, f"/users/{admin_id}/email/general")
    hx.post(f"/users/{admin_id}/email/general", {"display_name": "Boss Person",
                                                 "address": "admin@example.com", **more})
    hx.user_id = admin_id
    return hx


def admin_sends_with(admin_client, admin_id: int, smtp, **general: str) -> None:
    """The administrator's own General and SMTP tabs, sending through `smtp`."""
    hx = admin_general(admin_client, admin_id, **general)
    saved = hx.post(f"/users/{admin_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})
    assert "Saved" in saved.get_data(as_text=True)


def invite(admin_client, email: str = LEE, name: str = "Lee Park"):
    hx = Htmx(admin_client, "/users/")
    return hx.post("/users/", {"name": name, "email": email, "how": "link"}, htmx=False)


def flashes(admin_client) -> str:
    return html_lib.unescape(admin_client.get("/users/").get_data(as_text=True))


def link_in(received) -> str:
    """The invitation link in a delivered message's text, as a path for the test client."""
    text = received.parsed().get_body(preferencelist=("plain",)).get_content()
    return urlsplit(LINK_RE.search(text).group(1)).path


def choose(client, path: str, password: str = LEE_PASSWORD, confirm: str | None = None):
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, "password": password,
                                   "confirm": password if confirm is None else confirm})


def user(app, email: str = LEE) -> User:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def test_the_invitation_arrives_and_its_link_sets_the_password_and_signs_in(
        app, admin_client, admin_id, plain_smtp):
    admin_sends_with(admin_client, admin_id, plain_smtp)
    form = admin_client.get("/users/").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="link"|value="link"[^>]*checked', form)
    assert "Email them a link to set their password" in form

    response = invite(admin_client)
    assert response.status_code == 302
    assert f"Added {LEE}. An invitation went to {LEE}" in flashes(admin_client)
    [received] = plain_smtp.messages
    message = received.parsed()
    assert received.mail_from == "admin@example.com" and received.rcpt_tos == [LEE]
    assert str(message["From"]) == "Boss Person <admin@example.com>"
    assert message["Subject"] == "Choose your password for webpanel"
    assert "Invitation sent, waiting" in admin_client.get("/users/").get_data(as_text=True)
    path = link_in(received)

    colleague = app.test_client()
    for _ in range(2):  # a mail scanner's visit uses nothing up
        page = colleague.get(path)
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        assert "Choose your password" in page.get_data(as_text=True) and LEE in page.get_data(True)
    done = choose(colleague, path)
    assert done.status_code == 302 and done.location == "/"
    assert "Hello, Lee Park" in colleague.get("/").get_data(as_text=True)
    assert sign_in(app.test_client(), LEE, LEE_PASSWORD).status_code == 302

    again = app.test_client().get(path)
    assert again.status_code == 410
    assert "This link was already used" in html_lib.unescape(again.get_data(as_text=True))
    assert "Invitation sent, waiting" not in admin_client.get("/users/").get_data(as_text=True)


def test_the_invitation_goes_through_the_administrators_gmail(emulated, admin_client, admin_id,
                                                             google):
    hx = admin_general(admin_client, admin_id)
    connect(hx, google, "google", "admin@example.com")
    choose_method(hx, "gmail")
    assert invite(admin_client).status_code == 302
    [sent] = google.sent
    assert sent.endpoint == "gmail.send" and sent.message["To"] == LEE
    text = sent.message.get_body(preferencelist=("plain",)).get_content()
    path = urlsplit(LINK_RE.search(text).group(1)).path
    assert choose(emulated.test_client(), path).status_code == 302


def test_no_copy_of_the_link_goes_to_the_administrator(app, admin_client, admin_id,
                                                      plain_smtp):
    admin_sends_with(admin_client, admin_id, plain_smtp, auto_bcc_self="y")
    invite(admin_client)
    [received] = plain_smtp.messages
    assert received.rcpt_tos == [LEE]  # Auto BCC Self would hand the admin a working link


def test_the_database_holds_only_a_hash_of_the_link(app, admin_client, admin_id, plain_smtp):
    admin_sends_with(admin_client, admin_id, plain_smtp)
    invite(admin_client)
    token = link_in(plain_smtp.messages[0]).rsplit("/", 1)[1]
    with app.app_context():
        stored = [repr(tuple(row)) for table in metadata.sorted_tables
                  for row in db.session.execute(select(table))]
        row = db.session.scalar(select(Invitation))
    assert not any(token in text for text in stored)  # no table, outbox included
    assert row.token_hash == Invitation.hash_token(token) and len(row.token_hash) == 64
    with app.app_context():
        assert db.session.scalars(select(Message)).all() == []  # no outbox copy of the link


def test_a_used_link_works_once_even_for_a_second_browser(app, admin_client, admin_id,
                                                        plain_smtp):
    admin_sends_with(admin_client, admin_id, plain_smtp)
    invite(admin_client)
    path = link_in(plain_smtp.messages[0])
    first, second = app.test_client(), app.test_client()
    token = csrf_from(second.get(path).get_data(as_text=True))  # both opened the form
    assert choose(first, path).status_code == 302
    late = second.post(path, data={"csrf_token": token, "password": "someone else's pass",
                                   "confirm": "someone else's pass"})
    assert late.status_code == 410 and "already used" in late.get_data(as_text=True)
    assert sign_in(app.test_client(), LEE, LEE_PASSWORD).status_code == 302


def test_an_expired_link_says_so_and_a_new_invitation_replaces_the_old_link(
        app, admin_client, admin_id, plain_smtp, monkeypatch):
    admin_sends_with(admin_client, admin_id, plain_smtp)
    invite(admin_client)
    old = link_in(plain_smtp.messages[0])
    tomorrow = utcnow() + timedelta(hours=24, minutes=1)
    monkeypatch.setattr(invitations, "utcnow", lambda: tomorrow)

    expired = app.test_client().get(old)
    text = html_lib.unescape(expired.get_data(as_text=True))
    assert expired.status_code == 410 and "This link has expired" in text
    assert "Ask your administrator to send a new invitation." in text
    page = admin_client.get("/users/").get_data(as_text=True)
    assert "Invitation expired" in page and f"Send the invitation again<span " \
        f'class="visually-hidden"> to {LEE}' in page

    hx = Htmx(admin_client, "/users/")
    assert hx.post(f"/users/{user(app).id}/invitation", {}, htmx=False).status_code == 302
    assert f"An invitation went to {LEE}" in flashes(admin_client)
    new = link_in(plain_smtp.wait_for_messages(2)[1])
    assert new != old
    replaced = app.test_client().get(old)
    assert replaced.status_code == 410
    assert "A newer invitation replaced this link" in replaced.get_data(as_text=True)
    assert choose(app.test_client(), new).status_code == 302


def test_a_link_that_leads_nowhere_gets_a_plain_page_and_guessing_is_slowed(make_app,
                                                                         make_user):
    app = make_app(LOGIN_FAILURES_PER_ADDRESS=3)
    make_user("admin@example.com", admin=True)
    client = app.test_client()
    for token in ("nonsense", "x" * 5000, "%00%ff"):
        response = client.get(f"/invitation/{token}")
        assert response.status_code == 404
        assert "This link does not work." in html_lib.unescape(response.get_data(as_text=True))
    slowed = client.get("/invitation/another-guess")
    assert slowed.status_code == 429 and "Wait 15 minutes" in slowed.get_data(as_text=True)


def test_the_link_form_needs_its_csrf_token_and_the_password_rules(app, admin_client,
                                                                  admin_id, plain_smtp):
    admin_sends_with(admin_client, admin_id, plain_smtp)
    invite(admin_client)
    path = link_in(plain_smtp.messages[0])
    client = app.test_client()
    client.get(path)
    forged = client.post(path, data={"password": LEE_PASSWORD, "confirm": LEE_PASSWORD})
    assert forged.status_code == 400
    short = choose(client, path, "short")
    assert short.status_code == 422 and "Use at least 10 characters." in short.get_data(True)
    differ = choose(client, path, LEE_PASSWORD, "something else entirely")
    assert "The two passwords differ" in differ.get_data(as_text=True)
    assert choose(client, path).status_code == 302  # the failures used nothing up


def test_without_working_email_the_form_says_so_and_a_password_can_still_be_set(
        app, admin_client):
    page = html_lib.unescape(admin_client.get("/users/").get_data(as_text=True))
    assert "To email them a link, the panel sends from your own email." in page
    assert "Set up sending on the SMTP tab" in page
    assert re.search(r'<input[^>]*disabled[^>]*value="link"', page)
    assert re.search(r'<input checked[^>]*value="password"', page)
    refused = invite(admin_client)
    assert refused.status_code == 422 and user(app) is None
    assert "The panel cannot email them a link" in html_lib.unescape(refused.get_data(True))

    hx = Htmx(admin_client, "/users/")
    added = hx.post("/users/", {"email": LEE, "how": "password", "password": PASSWORD},
                    htmx=False)
    assert added.status_code == 302 and user(app).must_change_password


def test_when_sending_fails_the_colleague_is_still_added_and_can_be_invited_again(
        app, admin_client, admin_id, plain_smtp):
    admin_sends_with(admin_client, admin_id, plain_smtp)
    plain_smtp.stop()
    assert invite(admin_client).status_code == 302
    page = flashes(admin_client)
    assert f"Added {LEE}. The invitation to {LEE} was not sent:" in page
    assert "Invitation not sent" in page and "Send the invitation again" in page
    assert user(app) is not None

    plain_smtp.start()
    hx = Htmx(admin_client, "/users/")
    hx.post(f"/users/{user(app).id}/invitation", {}, htmx=False)
    [received] = plain_smtp.wait_for_messages(1)
    assert "Invitation sent, waiting" in admin_client.get("/users/").get_data(as_text=True)
    assert choose(app.test_client(), link_in(received)).status_code == 302


def test_an_administrator_setting_the_password_ends_the_invitation(app, admin_client, admin_id,
                                                                  plain_smtp):
    admin_sends_with(admin_client, admin_id, plain_smtp)
    invite(admin_client)
    path = link_in(plain_smtp.messages[0])
    hx = Htmx(admin_client, "/users/")
    hx.post(f"/users/{user(app).id}/password", {"password": PASSWORD}, htmx=False)
    assert app.test_client().get(path).status_code == 410
    assert "Send the invitation again" not in admin_client.get("/users/").get_data(True)
    resend = hx.post(f"/users/{user(app).id}/invitation", {}, htmx=False)
    assert resend.status_code == 302 and len(plain_smtp.messages) == 1
    assert "has no invitation waiting" in flashes(admin_client)


def test_a_switched_off_account_cannot_use_its_link(app, admin_client, admin_id, plain_smtp):
    admin_sends_with(admin_client, admin_id, plain_smtp)
    invite(admin_client)
    hx = Htmx(admin_client, "/users/")
    hx.post(f"/users/{user(app).id}/active", {}, htmx=False)
    refused = app.test_client().get(link_in(plain_smtp.messages[0]))
    assert refused.status_code == 403 and "switched off" in refused.get_data(as_text=True)


def test_the_nightly_prune_removes_links_spent_a_month_ago_and_keeps_what_people_see(
        app, make_user):
    from webpanel import maintenance

    ids = {email: make_user(email) for email in ("used@x.example", "new@x.example",
                                                 "waiting@x.example", "recent@x.example")}
    month = utcnow() - invitations.SPENT_KEPT - timedelta(minutes=1)
    with app.app_context():
        def invite_now(email: str) -> tuple[Invitation, str]:
            return invitations.invite(db.session.get(User, ids[email]), None)

        used, used_token = invite_now("used@x.example")
        replaced, _ = invite_now("new@x.example")
        invitations.revoke(db.session.get(User, ids["new@x.example"]))
        newest, _ = invite_now("new@x.example")
        waiting, _ = invite_now("waiting@x.example")  # expired long ago, never used: shown
        recent, _ = invite_now("recent@x.example")
        used.used_at, replaced.revoked_at, recent.used_at = month, month, utcnow()
        waiting.expires_at = month
        db.session.commit()
        kept = {newest.id, waiting.id, recent.id}
        assert maintenance.prune_records().invitations == 2
        db.session.commit()
        assert set(db.session.scalars(select(Invitation.id))) == kept
        assert set(invitations.waiting()) == {ids["new@x.example"], ids["waiting@x.example"]}
    gone = app.test_client().get(f"/invitation/{used_token}")
    assert gone.status_code in (404, 410) and "This link does not work" in gone.get_data(
        as_text=True)

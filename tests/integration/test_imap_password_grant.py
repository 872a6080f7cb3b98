"""An SMTP password reused for IMAP ("the same user name and password as SMTP") serves only the
IMAP endpoint its owner saved (SECURITY.md item 37): an administrator's change of the server,
port, security, certificate check or user name turns the reuse off until the owner saves the
section, the owner's tab and the failed copy say so, and nothing signs in at the new endpoint.
Real servers throughout: Dovecot, a local SMTP server, and a listener that records what it gets.
"""

from __future__ import annotations

import html as html_lib
import re
import socket
import ssl
from types import SimpleNamespace

import pytest
from alembic import command
from sqlalchemy import select, text, update

from tests.conftest import Htmx
from tests.support.sent_mail import copy_of, imap_fields, send_invoice
from tests.support.smtpd import _Listener
from webpanel import migrate
from webpanel.crypto import SecretUnreadable
from webpanel.extensions import db
from webpanel.keys import rotate_all
from webpanel.settings import binding
from webpanel.settings import imap_grant as grant
from webpanel.settings import imap_settings as services
from webpanel.settings.models import ImapSettings

OWNER_SAVED = "since you last saved this section, so your SMTP password is not used for IMAP"
ADMIN_NOTE = "This person's SMTP password is not used at these IMAP settings"
TO_DO = "Check the settings below and press Save Sent folder copy"


class Recorder(_Listener):
    """An IMAP server, TLS from the first byte, that records every line it is sent and refuses
    every sign-in: a port where the colleague's password must never arrive."""

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__()
        self.context, self.lines, self.connections = context, [], 0

    def received(self) -> bytes:
        return b"".join(self.lines)

    def _on_accept(self, conn: socket.socket) -> None:
        self.connections += 1
        conn.settimeout(5)
        try:
            with self.context.wrap_socket(conn, server_side=True) as tls:
                self._talk(tls)
        except OSError:
            conn.close()

    def _talk(self, sock: ssl.SSLSocket) -> None:
        sock.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")
        for line in sock.makefile("rb"):
            self.lines.append(line)
            tag, _, command_ = line.partition(b" ")
            word = command_.split(b" ", 1)[0].strip().upper()
            if word == b"CAPABILITY":
                sock.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n")
            answer = b"NO [AUTHENTICATIONFAILED] refused" if word == b"LOGIN" else b"OK done"
            sock.sendall(tag + b" " + answer + b"\r\n")
            if word == b"LOGOUT":
                return


@pytest.fixture
def recorder(leaf):
    with Recorder(leaf.server_context()) as server:
        yield server


def words(page: str) -> str:
    """The text a person reads, tags removed."""
    return html_lib.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def section_text(hx, user_id: int) -> str:
    page = hx.client.get(f"/users/{user_id}/email/smtp").get_data(as_text=True)
    return words(page.split('id="sent-copy-section"', 1)[1])


def smtp_fields(server, user: str, password: str, **changes) -> dict:
    fields = {"send_using": "smtp", "smtp_server": "localhost", "smtp_port": str(server.port),
              "smtp_security": "ssl" if server.mode == "implicit" else "none",
              "smtp_username": user, "smtp_password": password}
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


def same_as_smtp(dovecot, account, **changes) -> dict:
    """The section with the SMTP sign-in: no IMAP user name, no IMAP password."""
    return imap_fields(dovecot, account, **{"imap_same_as_smtp": "y", "imap_username": "",
                                            "imap_password": "", **changes})


def office_for(app, user_client, user_id, admin_client, smtp_server_factory, dovecot,
               mode: str = "implicit", **smtp_changes) -> SimpleNamespace:
    """Sam sends through a local SMTP server on localhost, whose password is also Sam's
    Dovecot password (one mail host), and saved the section with the SMTP sign-in himself."""
    from webpanel.documents.sample import load_sample_data

    with app.app_context():
        load_sample_data()
    account, other = dovecot.add_account(), dovecot.add_account()
    smtp = smtp_server_factory(mode=mode, users={account.user: dovecot.password,
                                                 other.user: dovecot.password})
    sam = Htmx(user_client, f"/users/{user_id}/email/general")
    sam.user_id = user_id
    sam.post(f"/users/{user_id}/email/general", {"address": "sam@example.com"})
    sam.post(f"/users/{user_id}/email/smtp",
             smtp_fields(smtp, account.user, dovecot.password, **smtp_changes))
    admin = Htmx(admin_client, f"/users/{user_id}/email/smtp")
    admin.user_id = user_id
    return SimpleNamespace(sam=sam, admin=admin, smtp=smtp, account=account, other=other,
                           user_id=user_id)


@pytest.fixture
def office(app, user_client, user_id, admin_client, smtp_server_factory, dovecot, trust_ca):
    office = office_for(app, user_client, user_id, admin_client, smtp_server_factory, dovecot)
    saved = office.sam.post(f"/users/{user_id}/email/imap", same_as_smtp(dovecot, office.account))
    assert saved.status_code == 200 and "Your SMTP password is used" in words(saved.get_data(True))
    return office


def save_section(hx, fields: dict):
    return hx.post(f"/users/{hx.user_id}/email/imap", fields)


def find_folders(hx, fields: dict) -> str:
    return words(hx.post(f"/users/{hx.user_id}/email/imap/folders", fields).get_data(True))


# -- the send path: an administrator's port, and a listener there ------------------------------

def test_an_administrators_port_gets_no_login_and_the_copy_says_what_to_do(
        app, office, dovecot, recorder):
    # a save that keeps the endpoint (another folder) keeps the copies going
    save_section(office.admin, same_as_smtp(dovecot, office.account, imap_folder="Drafts"))
    assert ADMIN_NOTE not in section_text(office.admin, office.user_id)
    assert OWNER_SAVED not in section_text(office.sam, office.user_id)
    admin_view = words(save_section(office.admin, same_as_smtp(
        dovecot, office.account, imap_port=str(recorder.port))).get_data(True))
    assert "Saved" in admin_view and ADMIN_NOTE in admin_view
    tab = section_text(office.sam, office.user_id)
    assert f"An administrator changed the IMAP port {OWNER_SAVED}" in tab and TO_DO in tab

    message, _ = send_invoice(office.sam, app)
    assert message.status == "sent" and office.smtp.wait_for_messages(1)
    assert dovecot.password.encode() not in recorder.received() and recorder.connections == 0
    record = copy_of(app, message.id)
    assert record.state == "failed"
    assert record.reason == ("An administrator changed the IMAP port in your Sent folder copy "
                             "settings, so the panel did not use your SMTP password there.")
    sent = words(office.sam.client.get("/sent").get_data(as_text=True))
    assert "the copy in your Sent folder failed: An administrator changed the IMAP port" in sent
    assert "check the Sent folder copy section and press Save Sent folder copy" in sent

    # Sam puts his port back and saves: his password serves it again, Retry copy files the copy
    save_section(office.sam, same_as_smtp(dovecot, office.account, imap_folder="Drafts"))
    assert "Copy in your Sent folder" in office.sam.post(f"/sent/{message.id}/copy/retry",
                                                         {}).get_data(as_text=True)
    assert len(dovecot.messages(office.account, "Drafts")) == 1 and recorder.connections == 0


def test_a_port_changed_in_the_database_gets_no_login(app, office, dovecot, recorder):
    with app.app_context():  # the grant is sealed: editing the row does not move it
        db.session.execute(update(ImapSettings).values(port=recorder.port))
        db.session.commit()
    message, _ = send_invoice(office.sam, app)
    assert b"LOGIN" not in recorder.received() and recorder.connections == 0
    assert copy_of(app, message.id).state == "failed"


# -- each field of the endpoint ----------------------------------------------------------------

FIELDS = {  # what the administrator changes, how SMTP is set up, what the owner reads
    "host": ({"imap_host": "127.0.0.1"}, {"smtp_server": "127.0.0.1"}, {}, "implicit",
             "An administrator changed the IMAP server"),
    "security": ({"imap_security": "none"}, {}, {"imap_security": "tls"}, "plain",
                 "An administrator changed the IMAP security"),
    "certificate check": ({"imap_allow_self_signed": "y"}, {}, {}, "implicit",
                          "An administrator turned off the IMAP certificate check"),
    "user name": ({}, {"smtp_username": "other"}, {}, "implicit",
                  "Your SMTP user name changed"),
}


@pytest.mark.parametrize("field", FIELDS)
def test_each_field_changed_by_an_administrator_turns_the_reuse_off(
        app, user_client, user_id, admin_client, smtp_server_factory, dovecot, trust_ca, field):
    imap_change, smtp_change, owner_imap, mode, what = FIELDS[field]
    smtp_own = {"allow_self_signed": "y"} if field == "certificate check" else {}
    office = office_for(app, user_client, user_id, admin_client, smtp_server_factory, dovecot,
                        mode=mode, **smtp_own)
    plain = {"imap_port": str(dovecot.port)} if mode == "plain" else {}
    owner = same_as_smtp(dovecot, office.account, **plain, **owner_imap)
    assert save_section(office.sam, owner).status_code == 200
    if smtp_change:  # the administrator types the password, as the SMTP tab asks
        user = office.other.user if "smtp_username" in smtp_change else office.account.user
        office.admin.post(f"/users/{user_id}/email/smtp", smtp_fields(
            office.smtp, user, dovecot.password, **smtp_own,
            **{k: v for k, v in smtp_change.items() if k != "smtp_username"}))
    changed = {**owner, **imap_change}
    assert save_section(office.admin, changed).status_code == 200
    assert f"{what} {OWNER_SAVED}" in section_text(office.sam, user_id)

    message, _ = send_invoice(office.sam, app)
    record = copy_of(app, message.id)
    assert message.status == "sent" and record.state == "failed"
    assert record.reason.startswith(what) and "did not use your SMTP password" in record.reason
    assert dovecot.messages(office.account, "Sent") == []
    assert dovecot.messages(office.other, "Sent") == []

    # Sam saves the section as the administrator left it: his own choice now
    assert save_section(office.sam, changed).status_code == 200
    assert OWNER_SAVED not in section_text(office.sam, user_id)
    office.sam.post(f"/sent/{message.id}/copy/retry", {})
    assert copy_of(app, message.id).state == "copied"


# -- saves by the administrator and by the owner ------------------------------------------------

def test_a_section_set_up_by_an_administrator_waits_for_its_owner(
        app, user_client, user_id, admin_client, smtp_server_factory, dovecot, trust_ca):
    office = office_for(app, user_client, user_id, admin_client, smtp_server_factory, dovecot)
    saved = save_section(office.admin, same_as_smtp(dovecot, office.account))
    assert saved.status_code == 200 and ADMIN_NOTE in words(saved.get_data(True))
    tab = section_text(office.sam, user_id)
    assert "Your SMTP password is used for IMAP only at a server and port you saved yourself" \
        in tab and TO_DO in tab
    message, _ = send_invoice(office.sam, app)
    assert "you have not saved these" in copy_of(app, message.id).reason
    assert dovecot.messages(office.account, "Sent") == []
    save_section(office.sam, same_as_smtp(dovecot, office.account))
    _, mime = send_invoice(office.sam, app)
    assert dovecot.messages(office.account, "Sent") == [mime]


def test_the_owner_typing_the_password_lifts_it_too(app, office, dovecot):
    save_section(office.admin, same_as_smtp(dovecot, office.account, imap_security="tls",
                                            imap_port=str(dovecot.port)))
    assert OWNER_SAVED in section_text(office.sam, office.user_id)
    save_section(office.sam, same_as_smtp(dovecot, office.account, imap_security="tls",
                                          imap_port=str(dovecot.port),
                                          imap_password=dovecot.password))
    assert OWNER_SAVED not in section_text(office.sam, office.user_id)
    _, mime = send_invoice(office.sam, app)
    assert dovecot.messages(office.account, "Sent") == [mime]


# -- Find folders ------------------------------------------------------------------------------

def test_find_folders_by_the_owner_uses_the_form_but_does_not_save_the_grant(
        app, office, dovecot):
    save_section(office.admin, same_as_smtp(dovecot, office.account, imap_security="tls",
                                            imap_port=str(dovecot.port)))
    unsaved = same_as_smtp(dovecot, office.account, imap_security="tls",
                           imap_port=str(dovecot.port))
    assert "Found 3 folders." in find_folders(office.sam, unsaved)
    message, _ = send_invoice(office.sam, app)  # pressing Find folders saved nothing
    assert copy_of(app, message.id).state == "failed"
    assert dovecot.messages(office.account, "Sent") == []


def test_find_folders_by_an_administrator_needs_a_typed_password(
        app, office, dovecot, recorder):
    elsewhere = same_as_smtp(dovecot, office.account, imap_port=str(recorder.port))
    assert "an administrator never uses the password stored" in find_folders(office.admin,
                                                                            elsewhere)
    assert recorder.connections == 0
    save_section(office.admin, elsewhere)
    message, _ = send_invoice(office.sam, app)
    assert b"LOGIN" not in recorder.received() and recorder.connections == 0
    assert copy_of(app, message.id).state == "failed"


# -- the sealed grant --------------------------------------------------------------------------

def test_the_grant_is_sealed_for_its_own_use(app, office):
    with app.app_context():
        row = db.session.get(ImapSettings, office.user_id)
        assert "localhost" not in row.smtp_grant_enc
        with pytest.raises(SecretUnreadable):  # neither an IMAP nor an SMTP password
            binding.unseal(row.smtp_grant_enc, grant.NOWHERE, services.PURPOSE)
        with pytest.raises(SecretUnreadable):
            binding.unseal(row.smtp_grant_enc, grant.NOWHERE)
        row.smtp_grant_enc = binding.seal("", grant.NOWHERE, services.PURPOSE)  # not a grant
        db.session.commit()
        assert services.imap_config_for(office.user_id) is None


def test_key_rotation_re_encrypts_the_grant(app, office, dovecot):
    with app.app_context():
        before = db.session.scalar(select(ImapSettings.smtp_grant_enc))
        assert rotate_all(app) == (2, 0)  # the SMTP password and the grant
        db.session.expire_all()
        after = db.session.scalar(select(ImapSettings.smtp_grant_enc))
        assert after != before and app.extensions["webpanel.secrets"].is_current(after)
    _, mime = send_invoice(office.sam, app)
    assert dovecot.messages(office.account, "Sent") == [mime]


# -- rows saved before grants existed ------------------------------------------------------------

def legacy_row(app, user_id: int, port: int, security: str = "ssl") -> None:
    """The schema before 0018, one same-as-SMTP row, then the upgrade."""
    config = migrate.alembic_config(app)
    with app.app_context():
        db.session.execute(text("DELETE FROM imap_settings"))
        db.session.commit()
        db.session.remove()
        command.downgrade(config, "0017")
        db.session.execute(text(
            "INSERT INTO imap_settings (user_id, enabled, host, port, security, "
            "allow_self_signed, same_as_smtp, username, folder, updated_at) VALUES (:id, :on, "
            "'localhost', :port, :security, :off, :on, '', '', '2026-01-01 00:00:00')"),
            {"id": user_id, "port": port, "security": security, "on": True, "off": False})
        db.session.commit()
        db.session.remove()
        migrate.upgrade(app)


def test_a_row_from_before_grants_on_the_standard_port_keeps_working(app, office):
    legacy_row(app, office.user_id, 993)
    with app.app_context():
        assert db.session.get(ImapSettings, office.user_id).smtp_grant_legacy
        config = services.imap_config_for(office.user_id)
        assert (config.port, config.username) == (993, office.account.user)
    assert OWNER_SAVED not in section_text(office.sam, office.user_id)
    # an administrator's save keeps that endpoint only: another standard port is not allowed
    save_section(office.admin, {**same_as_smtp(SimpleNamespace(tls_port=993), office.account),
                                "imap_folder": "Drafts"})
    with app.app_context():
        assert services.imap_config_for(office.user_id).port == 993
    save_section(office.admin, same_as_smtp(SimpleNamespace(tls_port=143), office.account,
                                            imap_security="tls"))
    with app.app_context():
        assert services.imap_config_for(office.user_id) is None
    assert "An administrator changed the IMAP port and security" in section_text(
        office.sam, office.user_id)


def test_a_row_from_before_grants_on_another_port_waits_for_its_owner(app, office, dovecot):
    legacy_row(app, office.user_id, dovecot.tls_port)
    tab = section_text(office.sam, office.user_id)
    assert "only at a server and port you saved yourself" in tab and TO_DO in tab
    message, _ = send_invoice(office.sam, app)
    assert "you have not saved these" in copy_of(app, message.id).reason
    save_section(office.sam, same_as_smtp(dovecot, office.account))
    office.sam.post(f"/sent/{message.id}/copy/retry", {})
    assert copy_of(app, message.id).state == "copied"


def test_the_bounce_check_says_why_it_waits_for_the_owner(app, office, dovecot, recorder):
    save_section(office.admin, same_as_smtp(dovecot, office.account,
                                            imap_port=str(recorder.port)))
    sent_mail = Htmx(office.sam.client, "/sent")
    said = words(sent_mail.post("/sent/bounces/check", {}).get_data(True))
    assert said.startswith("An administrator changed the IMAP port in your Sent folder copy "
                           "settings, so the panel did not use your SMTP password there.")
    assert "press Save Sent folder copy" in said and recorder.connections == 0

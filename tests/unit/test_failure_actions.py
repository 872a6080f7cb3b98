"""Which settings fix a failure, and what a failed message offers first (records.fix_tab,
records.ordered, records.next_steps): the one decision every page that shows a failure uses."""

from __future__ import annotations

import socket
import ssl
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import Flask

from webpanel.database import utcnow
from webpanel.mail import graph, hints
from webpanel.mail.smtp import SmtpConfig
from webpanel.mailbase import MailError
from webpanel.outbox.records import FIX, RETRY, fix_tab, next_steps, ordered

CONFIG = SmtpConfig("smtp.example.com", 587, "tls", "sam", "secret")


def unverified() -> ssl.SSLCertVerificationError:
    """The error ssl raises for a certificate it does not trust."""
    error = ssl.SSLCertVerificationError(1, "certificate verify failed")
    error.verify_message = "self-signed certificate"
    return error


@pytest.mark.parametrize(("error", "method", "tab"), [
    (hints.sign_in_rejected(CONFIG, 535, "5.7.8 Authentication failed"), "smtp", "smtp"),
    (hints.sender_refused(CONFIG, "sam@example.com", 530, "5.7.0 Authentication required"),
     "smtp", "smtp"),
    (hints.from_exception("connect", CONFIG, socket.gaierror("no such host")), "smtp", "smtp"),
    (hints.from_exception("connect", CONFIG, ConnectionRefusedError()), "smtp", "smtp"),
    (hints.tls_failed("tls", CONFIG, ssl.SSLError(1, "WRONG_VERSION_NUMBER")), "smtp", "smtp"),
    (hints.untrusted_certificate(CONFIG, unverified()), "smtp", "smtp"),
    (hints.not_mail_server("greeting", CONFIG), "smtp", "smtp"),
    (hints.microsoft_passwords_off(CONFIG, 535, "5.7.139 basic authentication is disabled"),
     "smtp", "outlook"),
    (MailError("sign-in", "Google no longer accepts the panel's sign-in.", "Sign in again.",
               retryable=False), "gmail", "gmail"),
    (graph.needs_drafts(MailError("message", "403", "", "403 Forbidden")), "outlook", "outlook"),
])
def test_settings_failures_name_the_tab_that_fixes_them(error, method, tab):
    assert fix_tab(error, method) == tab


@pytest.mark.parametrize("error", [
    hints.sign_in_rejected(CONFIG, 454, "4.7.0 Temporary authentication failure"),
    hints.no_answer("connect", CONFIG),
    hints.greeting_refused(CONFIG, 421, "4.3.2 Busy"),
    hints.recipient_refused(CONFIG, "pat@example.org", 550, "5.1.1 User unknown"),
    hints.message_refused(CONFIG, 552, "5.3.4 Message too big"),
    MailError("sign-in", "The panel is still renewing its access.", "Press Retry in a minute."),
])
def test_failures_that_pass_by_themselves_or_are_not_settings_name_no_tab(error):
    assert fix_tab(error, "smtp") == ""


def test_the_email_client_has_no_tab_of_its_own_to_fix():
    refused = MailError("settings", "Nothing to test.", "Choose another way.", retryable=False)
    assert fix_tab(refused, "client") == "" and fix_tab(refused, "carrier-pigeon") == ""


def test_settings_come_first_unless_the_panel_still_retries_by_itself():
    assert ordered("smtp", retry=True, waiting=False) == (FIX, RETRY)
    assert ordered("smtp", retry=True, waiting=True) == (RETRY, FIX)
    assert ordered("", retry=True, waiting=False) == (RETRY,)
    assert ordered("smtp", retry=False, waiting=False) == (FIX,)
    assert ordered("", retry=False, waiting=False) == ()


def row(**values) -> SimpleNamespace:
    base = {"status": "failed", "updated_at": utcnow(), "retry_helps": True, "attempts": 1,
            "due_at": None, "error_fix_tab": "smtp"}
    return SimpleNamespace(**{**base, **values})


def test_next_steps_of_stored_messages():
    app = Flask(__name__)
    app.config["SENDING_STALE_AFTER"] = 300
    with app.app_context():
        assert next_steps(row()) == (FIX, RETRY)
        assert next_steps(row(retry_helps=False, error_fix_tab="")) == ()
        waiting = row(status="queued", due_at=utcnow() + timedelta(minutes=1))
        assert next_steps(waiting) == (RETRY, FIX)
        # sent after a failure, or sending again: the old failure's tab is not offered
        assert next_steps(row(status="sent")) == ()
        assert next_steps(row(status="queued", attempts=0)) == ()

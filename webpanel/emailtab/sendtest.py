"""Send Test: a real message through the settings now in the form, with a plain-words result."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import has_request_context
from flask_login import current_user

from webpanel import sending, throttle
from webpanel.emailtab.forms import SendTestForm, SmtpForm
from webpanel.extensions import db
from webpanel.integrations import providers
from webpanel.mail import builder
from webpanel.mail.unexpected import unexpected_error
from webpanel.mailbase import MailError, SendResult, Transport
from webpanel.outbox import records
from webpanel.settings import servers, services
from webpanel.settings.models import EmailSettings

log = logging.getLogger("webpanel.sendtest")
DEFAULT_SUBJECT = "Test message from webpanel"
BODY = ("This is a test message sent with the Send Test button of webpanel.\n"
        "If you can read it, your email settings work.")


@dataclass(frozen=True)
class Outcome:
    """What the Send Test dialog shows."""

    to: str
    result: SendResult | None = None
    error: MailError | None = None
    fix: str = ""  # the Email sub-tab whose settings fix the error (records.fix_tab)


def run(settings: EmailSettings, test_form: SendTestForm, method: str,
        smtp_form: SmtpForm | None = None) -> Outcome:
    """Check the limits, build the test message and send it by `method` ("smtp" with the
    values now in `smtp_form`, "gmail" or "outlook"); never raises MailError."""
    to = test_form.test_to.data
    try:
        _check_ready(settings)
        transport = _transport(settings, method, smtp_form)
        outgoing = builder.build(_draft(settings, to, test_form.test_subject.data))
        servers.admit(settings.user_id, transport)
        _count(settings.user_id)
        result = transport.send(outgoing)
        servers.worked(settings.user_id, transport)
        db.session.commit()
    except MailError as error:
        log.info("send test for user %s by %s failed at %s: %s", settings.user_id, method,
                 error.step, error.reason)
        return Outcome(to=to, error=error, fix=records.fix_tab(error, method))
    except Exception:  # a surprise: the dialog says so in plain words, the log has the details
        log.exception("send test for user %s failed unexpectedly", settings.user_id)
        db.session.rollback()
        return Outcome(to=to, error=unexpected_error(
            "message", may_have_left=method != sending.SMTP.name))
    log.info("send test for user %s by %s accepted", settings.user_id, method)
    return Outcome(to=to, result=result)


def _check_ready(settings: EmailSettings) -> None:
    if not settings.address:
        raise MailError("settings", "There is no Email Address to send from yet.",
                        "Enter your Email Address on the General tab and save it, then try again.",
                        retryable=False, fix_tab="general")
    minutes = throttle.used_up("send-test", str(settings.user_id), "SEND_TEST")
    if minutes is not None:
        raise MailError("settings", "Too many tests in a short time.",
                        f"Wait {minutes} minutes, then try again.")  # passes by itself


def _transport(settings: EmailSettings, name: str, smtp_form: SmtpForm | None) -> Transport:
    """SMTP with the values now in the form; the APIs with the signed-in account.

    On someone else's tab (an administrator), only SMTP with a typed password: never the
    person's stored password or their Gmail/Outlook sign-in.
    """
    method, other = sending.METHODS.get(name), _someone_elses(settings)
    if method is None or not method.network:
        raise MailError("settings", "With Email Client, your own email program sends, so there "
                        "is nothing for the panel to test.", f"Choose {_testable()} to test "
                        "sending from the panel.", retryable=False)
    if method.is_api and other:
        raise _not_for_others(method)
    if method.is_api:
        return method.transport(settings)
    return services.smtp_transport(settings, smtp_form, use_stored=not other)


def _someone_elses(settings: EmailSettings) -> bool:
    """Whether the signed-in person is testing another person's settings."""
    return not (has_request_context() and current_user.is_authenticated
                and current_user.id == settings.user_id)


def _testable() -> str:
    """"SMTP Server, Gmail API or Outlook API": the ways of sending Send Test can try."""
    return sending.joined([m.label for m in sending.METHODS.values() if m.network], "or")


def _not_for_others(method: sending.Method) -> MailError:
    name = providers.WORDS[method.provider]["name"]
    return MailError("settings", f"Send Test with {method.label} would send from this "
                     f"person's own {name} account, and only they may do that.",
                     "Ask them to press Send Test on their own Email tab, or choose SMTP Server "
                     "and type the password to test a server.", retryable=False,
                     fix_tab=sending.SMTP.tab)


def _draft(settings: EmailSettings, to: str, subject: str) -> builder.Draft:
    return builder.Draft(
        from_name=settings.display_name,
        from_address=settings.address,
        to=[to],
        subject=subject,
        text=BODY,
        signature=settings.signature,
        bcc=[settings.address] if settings.auto_bcc_self and settings.address != to else [],
    )


def _count(user_id: int) -> None:
    """Count the attempt and end the transaction before any network call."""
    throttle.record("send-test", str(user_id))
    db.session.commit()

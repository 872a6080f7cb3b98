"""Emailing an invitation with the administrator's own sending settings.

The invitation goes out at once, through the administrator's "Send Mail Using" (SMTP Server,
Gmail API or Outlook API), built by the one message builder, so the Users page can say at once
whether it went. It is deliberately not recorded in the outbox, copied to a Sent folder or
Bcc'd to the administrator: each of those would keep a working link (the outbox keeps a
message's exact bytes), and the database must never hold one. The invitation row records when
it went or why it did not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import url_for

from webpanel import sending, throttle
from webpanel.auth.invitations import INVITATION_LIFETIME, record_sent
from webpanel.auth.models import User
from webpanel.extensions import db
from webpanel.mail import builder, international
from webpanel.mailbase import MailError, Transport
from webpanel.settings import readiness, servers
from webpanel.settings import services as settings_services
from webpanel.settings.models import EmailSettings
from webpanel.transactions import release

log = logging.getLogger("webpanel.admin")
BUCKET = "invitation-send"
#: Invitations one administrator may email in SEND_WINDOW seconds.
SEND_LIMIT, SEND_WINDOW = 30, 3600


@dataclass(frozen=True)
class Blocked:
    """Why the administrator's own settings cannot email an invitation, and what fixes it."""

    problem: str
    link: str
    link_text: str


def blocked(admin: User) -> Blocked | None:
    """What stands between the administrator's settings and emailing an invitation, if anything
    (their Email Address, a way of sending that the panel carries, set up)."""
    settings = settings_services.load(admin.id)
    state = readiness.check(settings)
    if not state.ready:
        return Blocked(state.problem, state.link, state.link_text)
    if not sending.get(settings.send_using).network:
        return Blocked("You send with Email Client: your own email program sends, so the panel "
                       "cannot email an invitation for you.", state.link,
                       "Choose SMTP Server, Gmail API or Outlook API on the SMTP tab")
    return None


def link(token: str) -> str:
    """The link in the email: this site's address as the administrator's browser reached it
    (behind TRUSTED_PROXIES, as the proxy says)."""
    return url_for("auth.invitation", token=token, _external=True)


def send(admin: User, user: User, invitation_id: int, token: str) -> MailError | None:
    """Email the invitation from the administrator's own address and settings; records on the
    invitation that it went, or why not. Returns the failure, if any; never raises MailError."""
    settings = settings_services.load(admin.id)
    release()  # the account and its invitation are saved before any network call
    try:
        transport = _send(settings, _draft(settings, admin, user, link(token)))
    except MailError as error:
        log.info("invitation %s not sent by user %s: %s", invitation_id, admin.id, error)
        failure = error
    except Exception:  # a surprise: said in plain words, the details in the log
        log.exception("invitation %s failed unexpectedly", invitation_id)
        db.session.rollback()
        failure = MailError("message", "Something unexpected went wrong in the panel while "
                            "sending the invitation, so it may not have arrived.",
                            "Ask them whether it arrived; a new invitation replaces it either "
                            "way. The panel's log has the details.")
    else:
        failure = None
        log.info("invitation %s sent by user %s", invitation_id, admin.id)
    record_sent(invitation_id, f"{failure.reason} {failure.hint}" if failure else "")
    db.session.commit()
    if failure is None:
        _remember(admin.id, transport)
    return failure


def _remember(admin_id: int, transport: Transport) -> None:
    """Note that the server worked, once the invitation is recorded as sent: failing to note
    it must not turn an invitation that went into one that did not."""
    try:
        servers.worked(admin_id, transport)
        db.session.commit()
    except Exception:
        log.exception("could not note that a mail server worked for user %s", admin_id)
        db.session.rollback()


def _send(settings: EmailSettings, draft: builder.Draft) -> Transport:
    transport = sending.transport_for(settings)
    if not sending.get(settings.send_using).network:
        raise MailError("settings", "You send with Email Client, so the panel cannot email an "
                        "invitation for you.", "Choose SMTP Server, Gmail API or Outlook API on "
                        "your SMTP tab, or set a password for them.", retryable=False)
    outgoing = builder.build(draft)
    international.check_api(settings.send_using, outgoing)
    _count(settings.user_id)
    servers.admit(settings.user_id, transport)  # commits before the network call
    transport.send(outgoing)
    return transport


def _count(admin_id: int) -> None:
    """Count the email, or refuse once the hour's allowance is spent; commits."""
    if throttle.recent(BUCKET, str(admin_id), SEND_WINDOW) >= SEND_LIMIT:
        raise MailError("settings", f"You sent {SEND_LIMIT} invitations in the last hour.",
                        "Wait an hour, then send the invitation again, or set a password for "
                        "them.", retryable=False)
    throttle.record(BUCKET, str(admin_id))
    db.session.commit()


def _draft(settings: EmailSettings, admin: User, user: User, url: str) -> builder.Draft:
    sender = settings.display_name or admin.display_name
    hours = int(INVITATION_LIFETIME.total_seconds() // 3600)
    text = (f"Hello{' ' + user.name if user.name else ''},\n\n"
            f"{sender} made you an account on webpanel, where the office emails its documents.\n\n"
            f"Open this link to choose your password. It works once, within {hours} hours:\n"
            f"{url}\n\n"
            f"You will sign in with this address: {user.email}\n\n"
            f"If the link no longer works, ask {sender} to send a new invitation. If you did not "
            "expect this email, you can ignore it.")
    return builder.Draft(from_name=settings.display_name, from_address=settings.address,
                         to=[user.email], subject="Choose your password for webpanel", text=text,
                         signature=settings.signature, reply_to=settings.reply_to or "")


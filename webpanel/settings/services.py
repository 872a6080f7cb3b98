"""The settings store: load and save a user's Email tab, and turn it into an SMTP config.

The one place that hands out a stored SMTP password (`smtp_config`): only for the server, port,
user name and security it was saved with (see `binding`), and never to an administrator's test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from webpanel import sending
from webpanel.auth.models import User
from webpanel.crypto import SecretUnreadable
from webpanel.extensions import db
from webpanel.integrations import providers
from webpanel.mail.deadline import Upload
from webpanel.mail.gmail import GmailTransport
from webpanel.mail.graph import GraphTransport
from webpanel.mail.smtp import DEFAULT_PORTS, SmtpConfig, SmtpTransport
from webpanel.mailbase import MailError, Transport
from webpanel.oauth import services as oauth_services
from webpanel.oauth.tokens import AccountTokens
from webpanel.settings import binding, smtp_health
from webpanel.settings.binding import Target
from webpanel.settings.models import EmailSettings

if TYPE_CHECKING:
    # The Email tab's General and SMTP forms (webpanel.emailtab.forms): the store reads their
    # fields by name and imports no screen.
    from flask_wtf import FlaskForm

UNREADABLE_PASSWORD = ("The stored password can no longer be read (it was damaged or encrypted "
                       "with a lost key). Enter the password again and save.")
NO_SMTP_SERVER = "Your SMTP server is not set up yet, so the panel cannot send for you."
ADMIN_TYPE_PASSWORD = ("Type the password: a Send Test by an administrator never uses the "
                       "password stored for this person.")


def load(user_id: int) -> EmailSettings:
    """A user's settings, or fresh defaults (not yet saved) if they never saved any: the
    sign-in address as Email Address and the account's name as Email Display Name."""
    settings = db.session.get(EmailSettings, user_id)
    if settings is not None:
        return settings
    user = db.session.get(User, user_id)
    return EmailSettings(user_id=user_id, display_name=user.name if user else "",
                         address=user.email if user else "",
                         auto_bcc_self=False, signature="", reply_to="", smtp_server="",
                         smtp_username="", smtp_security="tls", send_using=sending.SMTP.name,
                         allow_self_signed=False)


#: Form fields that are not columns of EmailSettings: the write-only password (sealed below,
#: never copied as typed), the person's time zone (kept on the user) and the CSRF token.
LEFT_OUT = frozenset({"csrf_token", "smtp_password", "time_zone"})


def populate(settings: EmailSettings, form: FlaskForm) -> None:
    """WTForms' populate_obj for every field but those LEFT_OUT (a field may store its value
    tidied: the Email tab's forms trim names and signatures that way)."""
    for field in form:
        if field.short_name not in LEFT_OUT:
            field.populate_obj(settings, field.short_name)


def save_general(settings: EmailSettings, form: FlaskForm) -> None:
    """Store the General sub-tab."""
    populate(settings, form)
    _commit(settings)


def save_smtp(settings: EmailSettings, form: FlaskForm) -> None:
    """Store the SMTP sub-tab; a blank password keeps the stored one, bound to where it was."""
    before, stored = saved_target(settings), settings.smtp_password_enc
    method = settings.send_using
    populate(settings, form)
    if form.smtp_password.data:
        settings.smtp_password_enc = binding.seal(form.smtp_password.data, Target.of(form.data))
    elif stored:
        settings.smtp_password_enc = _bound(stored, before)
    if form.smtp_password.data or saved_target(settings) != before or \
            settings.send_using != method:
        smtp_health.forget(settings)  # not tried yet with these values
    _commit(settings)


def _bound(token: str, target: Target) -> str:
    """A legacy (bare) stored password, sealed to the settings it was saved with."""
    try:
        legacy = binding.is_legacy(token)
    except SecretUnreadable:
        return token  # stays as it is: the page asks for the password again
    return binding.seal(binding.unseal(token, target)[0], target) if legacy else token


def clear_password(settings: EmailSettings) -> None:
    """Forget the stored SMTP password."""
    settings.smtp_password_enc = None
    smtp_health.forget(settings)
    _commit(settings)


def password_state(settings: EmailSettings) -> str:
    """"none", "stored" or "unreadable": what the page may say about the password."""
    if not settings.smtp_password_enc:
        return "none"
    try:
        binding.unseal(settings.smtp_password_enc, saved_target(settings))
    except SecretUnreadable:
        return "unreadable"
    return "stored"


SMTP_FIELDS = ("smtp_server", "smtp_username", "smtp_port", "smtp_security", "allow_self_signed")


def saved_target(settings: EmailSettings) -> Target:
    """Where the saved settings send: server, port, user name, security, certificate check."""
    return Target.of({name: getattr(settings, name) for name in SMTP_FIELDS})


def password_problem(settings: EmailSettings, form: FlaskForm, typed_only: bool = False
                     ) -> str | None:
    """What to say at the Password field when the form cannot use the stored password, or None.

    `typed_only`: an administrator's Send Test, which never uses the stored password.
    """
    data = form.data
    if data.get("smtp_password") or not (data.get("smtp_username") or "").strip():
        return None
    if not settings.smtp_password_enc:
        return None
    if typed_only:
        return ADMIN_TYPE_PASSWORD
    try:
        _, bound = binding.unseal(settings.smtp_password_enc, saved_target(settings))
    except SecretUnreadable:
        return None  # the page already asks for the password again
    changed = Target.of(data).changes_from(bound)
    return binding.mismatch_message(changed) if changed else None


def smtp_config(settings: EmailSettings, form: FlaskForm | None = None,
                use_stored: bool = True) -> SmtpConfig:
    """The SMTP config from the form's current values (saved or not), else the saved settings.

    A blank password means the stored one, and only for the target it is bound to; with
    `use_stored` False (an administrator's test) a blank password is refused.
    """
    values = form.data if form else {name: getattr(settings, name) for name in SMTP_FIELDS}
    username = (values["smtp_username"] or "").strip()
    password = values.get("smtp_password") or ""
    if not password and username and settings.smtp_password_enc:
        password = _stored_password(settings, values, use_stored)
    security = values["smtp_security"]
    return SmtpConfig(
        host=values["smtp_server"] or "", port=values["smtp_port"] or DEFAULT_PORTS[security],
        security=security, username=username, password=password,
        timeout=current_app.config["MAIL_TIMEOUT"],
        allow_self_signed=bool(values["allow_self_signed"]), upload=upload_allowance(),
    )


def upload_allowance() -> Upload:
    """More time for large messages: MAIL_UPLOAD_RATE, and up to half of WORKER_TIMEOUT in all
    (a send, then its Sent folder copy, still end well inside a worker's time)."""
    cfg = current_app.config
    most = max(float(cfg["WORKER_TIMEOUT"]) / 2 - float(cfg["MAIL_TIMEOUT"]), 0.0)
    return Upload(float(cfg["MAIL_UPLOAD_RATE"]), most)


def _stored_password(settings: EmailSettings, values: dict, use_stored: bool) -> str:
    """The stored password, if `values` go where it is bound; otherwise a MailError."""
    if not use_stored:
        raise MailError("sign-in", ADMIN_TYPE_PASSWORD, "Type the password in the Password "
                        "field, then Send Test.", retryable=False)
    password, bound = binding.unseal(settings.smtp_password_enc or "", saved_target(settings))
    changed = Target.of(values).changes_from(bound)
    if changed:
        raise MailError("sign-in", binding.mismatch_message(changed) + ".",
                        "Open Email settings → SMTP, type the password in the Password field, "
                        "then Send Test or Save.", retryable=False)
    return password


def smtp_transport(settings: EmailSettings, form: FlaskForm | None = None,
                   use_stored: bool = True) -> Transport:
    """SMTP with the saved settings, or with the form's values (Send Test); a MailError when
    there is no server or the stored password cannot be used there."""
    if form is None and not settings.smtp_server:
        raise MailError("settings", NO_SMTP_SERVER, "Open Email settings → SMTP (Use recommended "
                        "settings fills it in for many providers), save, then Retry.",
                        retryable=False)
    try:
        return SmtpTransport(smtp_config(settings, form, use_stored))
    except SecretUnreadable:
        raise MailError("sign-in", UNREADABLE_PASSWORD, "Open Email settings → SMTP, enter "
                        "the password again and save.", retryable=False) from None


def gmail_transport(settings: EmailSettings) -> Transport:
    """The Gmail API with the person's signed-in Google account."""
    tokens = _signed_in(settings.user_id, sending.GMAIL)
    return GmailTransport(tokens, providers.endpoint("GMAIL_API_BASE_URL"),
                          providers.endpoint("GMAIL_UPLOAD_BASE_URL"),
                          current_app.config["MAIL_TIMEOUT"], upload=upload_allowance())


def outlook_transport(settings: EmailSettings) -> Transport:
    """Microsoft Graph with the person's signed-in Microsoft account."""
    tokens = _signed_in(settings.user_id, sending.OUTLOOK)
    return GraphTransport(tokens, providers.endpoint("GRAPH_API_BASE_URL"),
                          current_app.config["MAIL_TIMEOUT"],
                          current_app.config["GRAPH_REQUEST_LIMIT"], upload=upload_allowance())


def _signed_in(user_id: int, method: sending.Method) -> AccountTokens:
    """The tokens of the account signed in on `method`'s tab, or a MailError saying sign in."""
    account = oauth_services.account_for(user_id, method.provider)
    if account is None:
        tab = providers.WORDS[method.provider]["name"]
        raise MailError("sign-in", f"You are not signed in on the {tab} tab.",
                        f"Open Email settings → {tab} and sign in, or choose another way under "
                        "Send Mail Using.", retryable=False)
    return AccountTokens(account.id, method.provider)


def _commit(settings: EmailSettings) -> None:
    db.session.add(settings)
    db.session.commit()

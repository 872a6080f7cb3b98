"""The settings store: load and save a user's Email tab, and turn it into an SMTP config."""

from __future__ import annotations

from flask import current_app

from webpanel.crypto import SecretUnreadable, secret_box
from webpanel.extensions import db
from webpanel.integrations import providers
from webpanel.mail.base import MailError, Transport
from webpanel.mail.gmail import GmailTransport
from webpanel.mail.graph import GraphTransport
from webpanel.mail.smtp import DEFAULT_PORTS, SmtpConfig, SmtpTransport
from webpanel.mail.transports import EmailClientHandoff
from webpanel.oauth import services as oauth_services
from webpanel.oauth.tokens import AccountTokens
from webpanel.settings.forms import GeneralForm, SmtpForm
from webpanel.settings.models import EmailSettings

UNREADABLE_PASSWORD = ("The stored password can no longer be read (it was damaged or encrypted "
                       "with a lost key). Enter the password again and save.")


def load(user_id: int) -> EmailSettings:
    """A user's settings, or fresh defaults (not yet saved) if they never saved any."""
    settings = db.session.get(EmailSettings, user_id)
    return settings or EmailSettings(user_id=user_id, display_name="", address="",
                                     auto_bcc_self=False, signature="", reply_to="", smtp_server="",
                                     smtp_username="", smtp_security="tls", send_using="smtp",
                                     allow_self_signed=False)


def save_general(settings: EmailSettings, form: GeneralForm) -> None:
    """Store the General sub-tab."""
    settings.display_name = (form.display_name.data or "").strip()
    settings.address = form.address.data or ""
    settings.auto_bcc_self = bool(form.auto_bcc_self.data)
    settings.signature = (form.signature.data or "").replace("\r\n", "\n").rstrip()
    settings.reply_to = form.reply_to.data or ""
    _commit(settings)


def save_smtp(settings: EmailSettings, form: SmtpForm) -> None:
    """Store the SMTP sub-tab; a blank password keeps the stored one."""
    settings.send_using = form.send_using.data
    settings.smtp_server = form.smtp_server.data or ""
    settings.smtp_username = (form.smtp_username.data or "").strip()
    settings.smtp_port = form.smtp_port.data
    settings.smtp_security = form.smtp_security.data
    settings.allow_self_signed = bool(form.allow_self_signed.data)
    if form.smtp_password.data:
        settings.smtp_password_enc = secret_box().encrypt(form.smtp_password.data)
    _commit(settings)


def clear_password(settings: EmailSettings) -> None:
    """Forget the stored SMTP password."""
    settings.smtp_password_enc = None
    _commit(settings)


def password_state(settings: EmailSettings) -> str:
    """"none", "stored" or "unreadable": what the page may say about the password."""
    if not settings.smtp_password_enc:
        return "none"
    try:
        secret_box().decrypt(settings.smtp_password_enc)
    except SecretUnreadable:
        return "unreadable"
    return "stored"


SMTP_FIELDS = ("smtp_server", "smtp_username", "smtp_port", "smtp_security", "allow_self_signed")


def smtp_config(settings: EmailSettings, form: SmtpForm | None = None) -> SmtpConfig:
    """The SMTP config from the form's current values (saved or not), else the saved settings.

    A blank password means the stored one.
    """
    values = form.data if form else {name: getattr(settings, name) for name in SMTP_FIELDS}
    username = (values["smtp_username"] or "").strip()
    password = values.get("smtp_password") or ""
    if not password and username and settings.smtp_password_enc:
        password = secret_box().decrypt(settings.smtp_password_enc)
    security = values["smtp_security"]
    return SmtpConfig(
        host=values["smtp_server"] or "", port=values["smtp_port"] or DEFAULT_PORTS[security],
        security=security, username=username, password=password,
        timeout=current_app.config["MAIL_TIMEOUT"],
        allow_self_signed=bool(values["allow_self_signed"]),
    )


def transport_for(settings: EmailSettings, method: str | None = None) -> Transport:
    """The transport for `method` (default: the person's "Send Mail Using")."""
    method = method or settings.send_using
    if method == "client":
        return EmailClientHandoff()
    if method in ("gmail", "outlook"):
        return api_transport(settings.user_id, method)
    try:
        return SmtpTransport(smtp_config(settings))
    except SecretUnreadable:
        raise MailError("sign-in", UNREADABLE_PASSWORD, "Open Email settings → SMTP, enter "
                        "the password again and save.", retryable=False) from None


def api_transport(user_id: int, method: str) -> Transport:
    """The Gmail API or Microsoft Graph transport for the person's signed-in account."""
    provider = providers.PROVIDERS[method]
    account = oauth_services.account_for(user_id, provider)
    if account is None:
        tab = providers.WORDS[provider]["name"]
        raise MailError("sign-in", f"You are not signed in on the {tab} tab.",
                        f"Open Email settings → {tab} and sign in, or choose another way under "
                        "Send Mail Using.", retryable=False)
    tokens = AccountTokens(account.id, provider)
    timeout = current_app.config["MAIL_TIMEOUT"]
    if method == "gmail":
        return GmailTransport(tokens, providers.endpoint("GMAIL_API_BASE_URL"),
                              providers.endpoint("GMAIL_UPLOAD_BASE_URL"), timeout)
    return GraphTransport(tokens, providers.endpoint("GRAPH_API_BASE_URL"), timeout,
                          current_app.config["GRAPH_REQUEST_LIMIT"])


def _commit(settings: EmailSettings) -> None:
    db.session.add(settings)
    db.session.commit()

"""Plain-language failures for SMTP: what happened at which step, and what to try."""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from typing import TYPE_CHECKING

from webpanel.mail.deadline import UPLOAD_HINT
from webpanel.mail.replies import NotMailServer
from webpanel.mailbase import MailError

if TYPE_CHECKING:
    from webpanel.mail.smtp import SmtpConfig

STEP_LABELS = {
    "settings": "Checking the settings",
    "connect": "Connecting to the server",
    "tls": "Securing the connection (TLS)",
    "greeting": "Server greeting",
    "sign-in": "Signing in",
    "sender": "Sender address",
    "recipient": "Recipient address",
    "message": "Sending the message",
}
MAX_REPLY = 300
#: Greeting codes a mail server may answer with when it will not talk (RFC 5321 3.1, 4.2).
GREETING_REFUSALS = (421, 554)
ENHANCED_STATUS = re.compile(r"[245]\.[0-9]{1,3}\.[0-9]{1,3}(?=\s|$)")
GMAIL_MARKERS = ("5.7.9", "application-specific password", "badcredentials", "support.google.com")
MICROSOFT_MARKERS = ("5.7.139", "smtpclientauthentication", "basic authentication is disabled",
                     "5.7.57", "5.7.3 authentication unsuccessful")
#: Microsoft's replies when it no longer takes passwords at all (not a wrong password):
#: Outlook.com since 16 Sep 2024 (5.7.30), Microsoft 365 with SMTP AUTH off (5.7.139).
PASSWORDS_OFF_MARKERS = ("5.7.30", "basic authentication is not supported", "5.7.139",
                         "basic authentication is disabled", "smtpclientauthentication is "
                         "disabled")
PASSWORDS_OFF = "Microsoft no longer accepts passwords here: use the Outlook tab."
#: The Email sub-tab that fixes a wrong server name, port or security (webpanel.outbox.records
#: gives the method's own tab to refusals that cannot pass by themselves).
SMTP_TAB = "smtp"


def where(config: SmtpConfig) -> str:
    """The server and port in words."""
    return f"{config.host} port {config.port}"


def clean_reply(config: SmtpConfig, code: int | None, text: str) -> str:
    """A server reply safe to show: no secrets, one line, bounded length."""
    for secret in (config.password,):
        if secret:
            text = text.replace(secret, "********")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())[:MAX_REPLY]
    return f"{code} {text}".strip() if code and code > 0 else text


def from_exception(step: str, config: SmtpConfig, exc: BaseException) -> MailError:
    """Turn a socket, TLS or smtplib exception into a MailError for the step it happened in."""
    if isinstance(exc, socket.gaierror):
        return host_not_found(config)
    if isinstance(exc, ConnectionRefusedError):
        return connection_refused(config)
    if _is_timeout(exc):
        return no_answer(step, config)
    if isinstance(exc, ssl.SSLError):
        return tls_failed(step, config, exc)
    if isinstance(exc, NotMailServer):
        return not_mail_server(step, config)
    if isinstance(exc, smtplib.SMTPConnectError):
        return greeting_refused(config, exc.smtp_code, _text(exc.smtp_error))
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return not_mail_server(step, config) if step == "greeting" else disconnected(step, config)
    if isinstance(exc, smtplib.SMTPResponseException):
        return refused_at(step, config, exc.smtp_code, _text(exc.smtp_error))
    return MailError(step, f"The connection to {where(config)} failed.",
                     "Check the SMTP Server and Port, then try again.")


def host_not_found(config: SmtpConfig) -> MailError:
    return MailError("connect", f"The server name “{config.host}” could not be found.",
                     "Check the spelling of the SMTP Server (for example smtp.office365.com).",
                     fix_tab=SMTP_TAB)


def connection_refused(config: SmtpConfig) -> MailError:
    return MailError("connect", f"Nothing accepted the connection at {where(config)}.",
                     "Check the Port: most providers use 587 with TLS or 465 with SSL.",
                     fix_tab=SMTP_TAB)


def no_answer(step: str, config: SmtpConfig) -> MailError:
    unit = "second" if config.timeout == 1 else "seconds"
    hint = ("Check the SMTP Server and Port. A firewall may be blocking outgoing mail, or the "
            "server may be down: try again later or ask your provider.")
    if step == "message":
        hint = ("The message did not finish going out. " + UPLOAD_HINT + " Otherwise "
                "the server may be busy: try again later or ask your provider.")
    return MailError(step, f"No answer from {where(config)} within {config.timeout:g} {unit}.",
                     hint)


def tls_failed(step: str, config: SmtpConfig, exc: ssl.SSLError) -> MailError:
    reason = str(getattr(exc, "reason", "") or "").upper()
    if config.security == "ssl" and ("WRONG_VERSION" in reason or "RECORD" in reason):
        return MailError("tls", f"{where(config)} does not speak SSL from the start.",
                         "This port expects TLS (STARTTLS): choose TLS, "
                         "or use port 465 if your provider offers SSL.", fix_tab=SMTP_TAB)
    return MailError("tls", f"The secure connection to {where(config)} could not be set up.",
                     "Check Security and Port with your provider: SSL usually goes with 465, "
                     "TLS with 587.", fix_tab=SMTP_TAB)


def untrusted_certificate(config: SmtpConfig, exc: ssl.SSLCertVerificationError) -> MailError:
    detail = exc.verify_message or "certificate verification failed"
    return MailError("tls", f"The server's certificate is not trusted ({detail}).",
                     "Check that the SMTP Server name is exactly the one your provider gives. "
                     "If this is your office's own server with a self-signed certificate, tick "
                     "“Allow self-signed certificate”.", retryable=False)


def not_mail_server(step: str, config: SmtpConfig) -> MailError:
    """Something answered that is not a mail server: say so, and never echo what it sent."""
    return MailError(step, f"{where(config)} did not answer like a mail server.",
                     "Check the SMTP Server and Port with your provider: most use 587 with TLS "
                     "or 465 with SSL.", fix_tab=SMTP_TAB)


def greeting_refused(config: SmtpConfig, code: int, text: str) -> MailError:
    """A greeting other than 220: a mail server's refusal (its code only), else not SMTP."""
    if code not in GREETING_REFUSALS:
        return not_mail_server("greeting", config)
    status = ENHANCED_STATUS.match(text.strip())
    return MailError("greeting", f"{where(config)} refused the connection.",
                     "The server may be busy or may not accept mail from this network: "
                     "try again later or ask your provider.",
                     f"{code} {status.group(0)}" if status else str(code))


def disconnected(step: str, config: SmtpConfig) -> MailError:
    return MailError(step, f"{where(config)} closed the connection unexpectedly.",
                     "Check Security and Port (SSL with 465, TLS with 587), then try again.",
                     fix_tab=SMTP_TAB)


def no_starttls(config: SmtpConfig) -> MailError:
    return MailError("tls", f"{where(config)} does not offer TLS (STARTTLS).",
                     "Choose SSL with port 465 if your provider offers it. Choose NONE only for a "
                     "server inside your own network: your password would travel unencrypted.",
                     retryable=False)


def no_auth_offered(config: SmtpConfig, starttls_offered: bool) -> MailError:
    if starttls_offered and config.security == "none":
        return starttls_required(config, "")
    return MailError("sign-in", f"{where(config)} does not offer sign-in on this connection.",
                     "If this server needs no sign-in, leave User Name and Password empty. "
                     "Otherwise check Security and Port with your provider.", retryable=False)


def starttls_required(config: SmtpConfig, reply: str) -> MailError:
    return MailError("tls", f"{where(config)} requires an encrypted connection (STARTTLS).",
                     "Choose TLS (usually port 587).", reply or None, retryable=False)


def microsoft_passwords_off(config: SmtpConfig, code: int, text: str) -> MailError | None:
    """Microsoft's "passwords are off" replies, which are not a wrong password."""
    lowered = text.lower()
    if not any(marker in lowered for marker in PASSWORDS_OFF_MARKERS):
        return None
    return MailError("sign-in", PASSWORDS_OFF, "Open Email settings → Outlook and press “Sign "
                     "in to Outlook”, then choose Outlook API under Send Mail Using. (For "
                     "Microsoft 365, an administrator can instead enable SMTP AUTH for your "
                     "mailbox, until Microsoft removes it.)", clean_reply(config, code, text),
                     retryable=False, fix_tab="outlook")


def sign_in_rejected(config: SmtpConfig, code: int, text: str) -> MailError:
    passwords_off = microsoft_passwords_off(config, code, text)
    if passwords_off is not None:
        return passwords_off
    if 400 <= code < 500:  # RFC 4954's 454: a temporary failure, not a wrong password
        return MailError("sign-in", f"{where(config)} could not check the sign-in just now.",
                         "This usually passes by itself: press Retry in a few minutes.",
                         clean_reply(config, code, text))
    lowered = text.lower()
    hint = "Check the User Name and Password. Some providers need an app password for SMTP."
    if any(marker in lowered for marker in GMAIL_MARKERS):
        hint = ("Gmail refuses your normal password over SMTP. Create an app password in your "
                "Google Account (Security → App passwords) and enter it here, "
                "or use the Gmail tab.")
    elif any(marker in lowered for marker in MICROSOFT_MARKERS):
        hint = ("Microsoft has turned off password sign-in (SMTP AUTH) for this account. "
                "Use the Outlook tab instead, or ask your Microsoft 365 administrator.")
    return MailError("sign-in", f"{where(config)} rejected the user name or password.", hint,
                     clean_reply(config, code, text), retryable=False)


def sender_refused(config: SmtpConfig, sender: str, code: int, text: str) -> MailError:
    if code == 530 and "starttls" in text.lower():
        return starttls_required(config, clean_reply(config, code, text))
    if code == 530:
        return MailError("sign-in", f"{where(config)} requires sign-in before sending.",
                         "Enter your User Name and Password.", clean_reply(config, code, text),
                         retryable=False)
    return MailError("sender", f"The server refused the sender address {sender}.",
                     "Use the Email Address of the account you sign in with, or ask your "
                     "provider whether it may send as this address.",
                     clean_reply(config, code, text), retryable=False)


def recipient_refused(config: SmtpConfig, recipient: str, code: int, text: str) -> MailError:
    return MailError("recipient", f"The server refused the recipient {recipient}.",
                     "Check the spelling of the address.", clean_reply(config, code, text),
                     retryable=code >= 400 and code < 500)


def message_refused(config: SmtpConfig, code: int, text: str) -> MailError:
    return MailError("message", "The server refused the message.",
                     "The server's reply (under Details) says why; it may be too large or look "
                     "like spam to the server.", clean_reply(config, code, text))


def too_large_for_server(config: SmtpConfig, size: int, limit: int) -> MailError:
    return MailError("message", f"The message is {size:,} bytes; {where(config)} accepts at most "
                     f"{limit:,}.", "Remove or shrink an attachment.", retryable=False)


def refused_at(step: str, config: SmtpConfig, code: int, text: str) -> MailError:
    passwords_off = microsoft_passwords_off(config, code, text)
    if passwords_off is not None:
        return passwords_off
    if code == 530 and "starttls" in text.lower():
        return starttls_required(config, clean_reply(config, code, text))
    return MailError(step, "The server refused the request.",
                     "The server's reply (under Details) says why.",
                     clean_reply(config, code, text))


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError) or "timed out" in str(exc)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)

"""SMTP transport: sends step by step so a failure names the step, the reply and what to try."""

from __future__ import annotations

import hmac
import logging
import os
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TypeVar

from webpanel.mail import deadline, dsn, hints
from webpanel.mail.deadline import NO_UPLOAD, Budget, Deadline, OverBudget, Upload
from webpanel.mail.international import any_needs_smtputf8, check_carried
from webpanel.mail.replies import StrictReplies
from webpanel.mail.unexpected import unexpected_error
from webpanel.mailbase import MailError, Outgoing, SendResult

DEFAULT_PORTS = {"ssl": 465, "tls": 587, "none": 25}
#: All the bytes one conversation may read. Replies are short: a greeting, EHLO's dozen lines,
#: one line per command and recipient; smtplib bounds a line, not how many lines come.
REPLY_BYTES = 256 * 1024
R = TypeVar("R")
log = logging.getLogger("webpanel.mail.smtp")


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to reach one SMTP server."""

    host: str
    port: int
    security: str  # "ssl" (implicit TLS), "tls" (STARTTLS) or "none"
    username: str = ""
    password: str = ""
    timeout: float = 10.0
    allow_self_signed: bool = False
    upload: Upload = NO_UPLOAD  # more time while DATA goes out, by the message's size


def tls_context(allow_self_signed: bool) -> ssl.SSLContext:
    """The system trust store (SSL_CERT_FILE adds a CA); self-signed only on explicit opt-in.

    Reading the trust store costs tens of milliseconds, so a context is kept per process and
    made again only when the CA file in use (SSL_CERT_FILE or OpenSSL's default) changes.
    """
    paths = ssl.get_default_verify_paths()
    cafile = os.environ.get(paths.openssl_cafile_env) or paths.openssl_cafile
    return _kept_context(allow_self_signed, cafile, _changed_at(cafile))


def _changed_at(path: str | None) -> float:
    try:
        return os.stat(path).st_mtime if path else 0.0
    except OSError:
        return 0.0


@lru_cache(maxsize=8)
def _kept_context(allow_self_signed: bool, cafile: str | None, changed: float) -> ssl.SSLContext:
    """A new context for these trust settings (SSLContext is safe to share between threads)."""
    context = ssl.create_default_context()
    if allow_self_signed:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class _Utf8(str):
    """A SASL response that goes as UTF-8 (RFC 4616): smtplib would encode it as ASCII and fail
    on a user name or password with accents."""

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return str.encode(self, "utf-8", errors)


class _Client(StrictReplies, smtplib.SMTP):
    """smtplib.SMTP that remembers which step it is in while connecting; replies read strictly.

    The whole conversation has one deadline, ``config.timeout`` from connect to the last byte
    (and ``config.upload``'s allowance once DATA begins), however slowly the server drips its
    lines: every read and write gets only the time left. It reads at most REPLY_BYTES, however
    fast the server sends them.
    """

    def __init__(self, config: SmtpConfig, context: ssl.SSLContext) -> None:
        self.step = "connect"
        self._config = config
        self._context = context
        self._deadline = Deadline(config.timeout)
        self._budget = Budget(REPLY_BYTES)
        super().__init__(timeout=config.timeout)
        self._host = config.host  # smtplib's STARTTLS checks the certificate against this name

    @property
    def config(self) -> SmtpConfig:
        """The settings, with the time this conversation has been given so far."""
        return replace(self._config, timeout=self._deadline.seconds)

    def allow_upload(self, size: int) -> None:
        """Give the message's ``size`` bytes their upload allowance."""
        self._deadline.extend(self._config.upload.seconds(size))

    def auth_plain(self, challenge=None) -> str:
        return _Utf8(super().auth_plain(challenge))

    def auth_login(self, challenge=None) -> str:
        return _Utf8(super().auth_login(challenge))

    def auth_cram_md5(self, challenge=None) -> str | None:
        if challenge is None:
            return None
        digest = hmac.HMAC(self.password.encode("utf-8"), challenge, "md5").hexdigest()
        return _Utf8(f"{self.user} {digest}")

    def _get_socket(self, host, port, timeout):
        self.step = "connect"
        self._deadline, self._budget = Deadline(self._config.timeout), Budget(REPLY_BYTES)
        sock = deadline.connect((host, port), self._deadline)
        if self._config.security == "ssl":
            self.step = "tls"
            sock = self._context.wrap_socket(sock, server_hostname=host)
        self.step = "greeting"
        return sock

    def getreply(self):
        if self.file is None and self.sock is not None:  # after connect, and after STARTTLS
            self.file = deadline.reader(self.sock, self._deadline, self._budget)
        return super().getreply()

    def send(self, s):
        if self.sock is not None:
            self._deadline.arm(self.sock)
        try:
            super().send(s)
        except smtplib.SMTPServerDisconnected as exc:
            if isinstance(exc.__context__, TimeoutError):  # the server stopped reading
                raise TimeoutError("timed out") from None
            raise


class SmtpTransport:
    """Delivers messages through one SMTP server."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def send(self, outgoing: Outgoing) -> SendResult:
        """Connect, secure, sign in, then MAIL/RCPT/DATA; raise MailError naming the step."""
        return self._converse(lambda client: self._deliver(client, outgoing))

    def check_sign_in(self) -> None:
        """Connect, secure and sign in, then QUIT, sending nothing (no MAIL FROM): whether
        these settings work, within the same total deadline; raise MailError naming the step."""
        self._converse(lambda client: None)

    def _converse(self, work: Callable[[_Client], R]) -> R:
        """Open the conversation, do `work`, say goodbye; every failure a MailError."""
        client = _Client(self.config, tls_context(self.config.allow_self_signed))
        try:
            self._open(client)
            result = work(client)
        except ssl.SSLCertVerificationError as exc:
            client.close()
            raise hints.untrusted_certificate(self.config, exc) from None
        except OverBudget as exc:
            client.close()
            raise too_much(client.step, client.config, exc) from None
        except (ssl.SSLError, OSError, smtplib.SMTPException) as exc:
            client.close()
            raise hints.from_exception(client.step, client.config, exc) from None
        except Exception:  # a MailError, or a surprise the caller reports: close either way
            client.close()
            raise
        _quit(client)
        return result

    def _open(self, client: _Client) -> None:
        code, reply = client.connect(self.config.host, self.config.port)
        client.step = "greeting"
        if code != 220:
            raise hints.greeting_refused(self.config, code, _text(reply))
        code, reply = client.ehlo()
        if code != 250:
            code, reply = client.helo()
        if code != 250:  # neither EHLO nor HELO: whatever greeted us does not speak SMTP
            raise hints.greeting_refused(self.config, code, _text(reply))
        if self.config.security == "tls":
            self._starttls(client)
        if self.config.username:
            self._login(client)

    def _starttls(self, client: _Client) -> None:
        client.step = "tls"
        if not client.has_extn("starttls"):
            raise hints.no_starttls(self.config)
        code, reply = client.starttls(context=client._context)
        client.ehlo()

    def _login(self, client: _Client) -> None:
        client.step = "sign-in"
        if not client.has_extn("auth"):
            raise hints.no_auth_offered(self.config, client.has_extn("starttls"))
        try:
            client.login(self.config.username, self.config.password)
        except smtplib.SMTPAuthenticationError as exc:
            reply = _text(exc.smtp_error)
            raise hints.sign_in_rejected(self.config, exc.smtp_code, reply) from None

    def _deliver(self, client: _Client, outgoing: Outgoing) -> SendResult:
        """MAIL, RCPT, DATA; an unexpected error (not the server's, not the network's) becomes
        a plain MailError that says whether the message may have gone."""
        try:
            self._envelope(client, outgoing)
        except (MailError, OSError, smtplib.SMTPException, OverBudget):
            raise
        except Exception as exc:
            log.exception("unexpected error at step %s before DATA", client.step)
            raise unexpected_error(client.step, may_have_left=False) from exc
        client.step = "message"
        client.allow_upload(len(outgoing.data))
        try:
            code, reply = client.data(outgoing.data)
        except (OSError, smtplib.SMTPException, OverBudget):
            raise
        except Exception as exc:
            log.exception("unexpected error during DATA")
            raise unexpected_error("message", may_have_left=True) from exc
        if code != 250:
            raise hints.message_refused(self.config, code, _text(reply))
        return SendResult(reply=f"{code} {_text(reply)}")

    def _envelope(self, client: _Client, outgoing: Outgoing) -> None:
        """Size, then MAIL FROM (with SMTPUTF8 / BODY=8BITMIME where needed) and RCPT TO."""
        client.step = "message"
        _check_size(client, outgoing.data, self.config)
        client.step = "sender"
        mail_options, rcpt_options = dsn.request(client.esmtp_features, outgoing.data)
        mail_options += _mail_options(client, outgoing, self.config)
        code, reply = client.mail(outgoing.sender, mail_options)
        if code != 250:
            raise hints.sender_refused(self.config, outgoing.sender, code, _text(reply))
        client.step = "recipient"
        for recipient in outgoing.recipients:
            code, reply = client.rcpt(recipient, rcpt_options)
            if code not in (250, 251):
                raise hints.recipient_refused(self.config, recipient, code, _text(reply))


def too_much(step: str, config: SmtpConfig, exc: OverBudget) -> MailError:
    """A server that kept talking past REPLY_BYTES: not a mail server, whatever it said."""
    hint = "Check the SMTP Server and Port with your provider."
    if step == "message":
        hint = f"The message may still have gone: look in your Sent folder. {hint}"
    return MailError(step, f"The SMTP server at {hints.where(config)} sent {exc.words}; it does "
                     "not behave like a mail server.", hint, retryable=False)


def _mail_options(client: _Client, outgoing: Outgoing, config: SmtpConfig) -> list[str]:
    """SMTPUTF8 for an address with accents before the @ (refused before MAIL FROM where the
    server does not offer it), and BODY=8BITMIME for 8-bit data where the server offers it.

    The panel builds every body 7-bit clean, so 8-bit data is only UTF-8 headers (SMTPUTF8)
    or a message recorded by an earlier version, which a server without 8BITMIME never gets.
    """
    international = any_needs_smtputf8([outgoing.sender, *outgoing.recipients])
    if international and not client.has_extn("smtputf8"):
        check_carried(outgoing, f"your mail server {config.host}", recipients_ok=False,
                      why=" (it does not offer SMTPUTF8)")
    options = ["SMTPUTF8"] if international else []
    if outgoing.data.isascii():
        return options
    if client.has_extn("8bitmime"):
        return [*options, "BODY=8BITMIME"]
    if international:
        return options
    raise MailError("message", "This message was recorded with 8-bit text by an earlier "
                    f"version of the panel, and {config.host} does not accept 8-bit messages "
                    "(it does not offer 8BITMIME).", "Send the document again from its page: "
                    "the new message will suit any server.", retryable=False)


def _check_size(client: _Client, data: bytes, config: SmtpConfig) -> None:
    limit = client.esmtp_features.get("size", "").strip()
    if limit.isascii() and limit.isdigit() and int(limit) and len(data) > int(limit):
        raise hints.too_large_for_server(config, len(data), int(limit))


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _quit(client: _Client) -> None:
    """Say goodbye politely after a delivery or a check; the message (if any) is already
    accepted either way."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError, OverBudget):
        client.close()

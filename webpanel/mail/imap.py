"""IMAP for what happens after the send: the person's folders (read by ``imap_folders``), and
a copy of the exact bytes in their Sent folder, made once (the folder is searched by Message-ID
before appending).

Standard library ``imaplib``; every connection has a total deadline as well as a per-step
timeout, and a byte budget (imaplib reads whatever size a server announces): CHATTER_BYTES for
the whole visit, PIECE_BYTES for one literal (a folder name), LINE_BYTES for one line, and one
message of ``max_message`` bytes for each command that fetches one. Every failure, a malformed
answer included, is an ``ImapError`` (a MailError) that names the step in plain words.
"""

from __future__ import annotations

import email.parser
import email.policy
import imaplib
import logging
import re
import socket
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from webpanel import sending
from webpanel.mail import deadline
from webpanel.mail.deadline import MB, NO_UPLOAD, Budget, Deadline, OverBudget, Upload
from webpanel.mail.imap_fetch import BadAnswer
from webpanel.mail.imap_folders import Folder, decode_utf7, find_sent, parse_list, quote
from webpanel.mail.smtp import tls_context
from webpanel.mailbase import MailError

DEFAULT_PORTS = {"ssl": 993, "tls": 143, "none": 143}
#: SMTP servers whose provider files a copy in Sent by itself: a second copy would be a duplicate.
KEEPS_OWN_COPY = {"smtp.gmail.com": "Gmail", "smtp.googlemail.com": "Gmail",
                  "smtp.office365.com": "Microsoft", "smtp-mail.outlook.com": "Microsoft"}
SAFE_ID = re.compile(r"<[!-~]+>")
#: Fetch items that bring a message (or part of one) back, as opposed to its size or flags.
BODY_ITEM = re.compile(r"(?:BODY|BINARY)(?:\.PEEK)?\[|RFC822(?!\.SIZE)", re.IGNORECASE)
PARTIAL = re.compile(r"\]<[0-9]{1,10}\.([0-9]{1,10})>")  # BODY[...]<start.count>
#: What a visit may read besides the messages it fetches: greeting, capabilities, the folder
#: list (a thousand folders come to about 60 KB), search results.
CHATTER_BYTES = MB
#: One literal in an answer that is not a fetched message: a folder name is a few hundred bytes.
PIECE_BYTES = 8 * 1024
#: One line: a search that finds 70,000 messages fits.
LINE_BYTES = 512 * 1024
#: One fetched message: the largest the panel sends (MAIL_MAX_BYTES, 20 MB) and 1 MB for what a
#: server adds to it.
MESSAGE_BYTES = 21 * MB
#: What parsing a malformed answer raises, in imaplib or in the code that reads its answers.
NOT_UNDERSTOOD = (ValueError, LookupError, TypeError, AttributeError)
NOT_IMAP_HINT = ("Check the IMAP server and port with your provider (IMAP uses 993 with SSL, "
                 "143 with TLS).")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImapConfig:
    """Where and how to reach one IMAP server, and how long the whole visit may take."""

    host: str
    port: int
    security: str  # "ssl" (implicit TLS), "tls" (STARTTLS) or "none"
    username: str
    password: str
    timeout: float = 10.0  # each step
    deadline: float = 30.0  # the whole connection, first byte to logout
    allow_self_signed: bool = False
    upload: Upload = NO_UPLOAD  # more time while a copy goes up, by its size
    max_message: int = MESSAGE_BYTES  # the largest message one FETCH may bring


class ImapError(MailError):
    """An IMAP step that failed: which step, what happened, what to try."""


@dataclass(frozen=True)
class CopyResult:
    """Where the copy is, and whether this call added it (False: it was there already)."""

    folder: str
    appended: bool


def fetch_allowance(items: Iterable[str], largest: int) -> tuple[int, int]:
    """(largest piece, all pieces) that a FETCH of ``items`` may bring: nothing for sizes and
    flags; else one message of ``largest`` bytes in all, each piece no larger than the count
    asked for when every body item is partial (``BODY.PEEK[]<0.2097152>``)."""
    words = " ".join(map(str, items))
    bodies = len(BODY_ITEM.findall(words))
    if not bodies:
        return 0, 0
    counts = [int(count) for count in PARTIAL.findall(words)]
    return (min(largest, max(counts)) if len(counts) == bodies else largest), largest


def message_id(data: bytes) -> str:
    """The message's Message-ID, or raise: without it a copy could not be found again."""
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(data)
    value = " ".join(str(headers.get("Message-ID") or "").split())
    if not SAFE_ID.fullmatch(value):
        raise ImapError("copy", "The message has no usable Message-ID, so a copy could not be "
                        "told apart from another.", "Send the message again from the panel.",
                        retryable=False)
    return value


class _Client(imaplib.IMAP4):
    """imaplib.IMAP4 with TLS from the first byte on demand, and a total deadline: every read
    and write waits at most the step timeout and never past the deadline, however slowly the
    server drips its lines; and a byte budget, however fast it sends them."""

    def __init__(self, config: ImapConfig, context: ssl.SSLContext | None) -> None:
        self.step, self._config, self._context = "connect", config, context
        self._deadline = Deadline(config.deadline, step=config.timeout)
        self._budget = Budget(CHATTER_BYTES)
        self._piece = self._message_left = 0  # what the FETCH under way may bring
        super().__init__(config.host, config.port, timeout=config.timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = deadline.connect((self.host, self.port), self._deadline)
        if self._config.security == "ssl":
            self.step = "tls"
            sock = self._context.wrap_socket(sock, server_hostname=self.host)
        self.step = "greeting"
        return sock

    def open(self, host: str = "", port: int = imaplib.IMAP4_PORT,
             timeout: float | None = None) -> None:
        super().open(host, port, timeout)
        self._keep_deadline()  # before the greeting is read

    def _get_capabilities(self) -> None:
        self._keep_deadline()  # after STARTTLS, imaplib opened a plain file on the TLS socket
        super()._get_capabilities()

    def allow_upload(self, size: int) -> None:
        """Give a message of ``size`` bytes its upload allowance."""
        self._deadline.extend(self._config.upload.seconds(size))

    def send(self, data: bytes) -> None:
        self._deadline.arm(self.sock)
        super().send(data)

    def read(self, size: int) -> bytes:
        """A literal of the size the server announced, refused before any memory is set aside
        when it is over its budget: a piece of what a FETCH asked for, else PIECE_BYTES."""
        if self._message_left:
            if size > self._piece:
                raise self._budget.refuse(self._piece, piece=True)
            if size > self._message_left:
                raise self._budget.refuse(self._config.max_message)
            self._message_left -= size
            self._budget.allow(size)
        else:
            self._budget.announce(size, PIECE_BYTES)
        return super().read(size)

    def readline(self) -> bytes:
        """One line of at most LINE_BYTES (imaplib's own limit is a million)."""
        line = self.file.readline(LINE_BYTES + 1)
        if len(line) > LINE_BYTES:
            raise self._budget.refuse(LINE_BYTES, piece=True)
        return line

    def uid(self, command: str, *args: str) -> tuple[str, list]:
        """imaplib's UID command; a FETCH that asks for messages may read one message's worth."""
        with self._fetching(args if command.upper() == "FETCH" else ()):
            return super().uid(command, *args)

    def fetch(self, message_set: str, message_parts: str) -> tuple[str, list]:
        """imaplib's FETCH, with the allowance of ``uid``'s."""
        with self._fetching([message_parts]):
            return super().fetch(message_set, message_parts)

    @contextmanager
    def _fetching(self, items: Iterable[str]) -> Iterator[None]:
        """The allowance of a FETCH of ``items`` while it runs (none for other commands)."""
        self._piece, self._message_left = fetch_allowance(items, self._config.max_message)
        try:
            yield
        finally:
            self._piece = self._message_left = 0

    def _keep_deadline(self) -> None:
        """Read through the deadline and the budget (imaplib opened a plain file on a new
        socket)."""
        if getattr(self, "_reading", None) is not self.sock:
            self.file.close()
            self.file = deadline.reader(self.sock, self._deadline, self._budget)
            self._reading = self.sock


@contextmanager
def session(config: ImapConfig) -> Iterator[_Client]:
    """A signed-in connection; every failure inside becomes an ImapError for its step. Work
    done inside (here or by a caller, like the bounce scan) parses the server's answers, so a
    ValueError, LookupError, TypeError or AttributeError there means a malformed answer."""
    client: _Client | None = None
    step = "connect"
    try:
        client = _Client(config, _context_for(config))
        if config.security == "tls":
            client.step = step = "tls"
            if "STARTTLS" not in client.capabilities:
                raise ImapError("tls", f"{_where(config)} does not offer STARTTLS.",
                                "Choose SSL (usually port 993) for the IMAP server.",
                                retryable=False)
            client.starttls(ssl_context=client._context)
        client.step = step = "sign-in"
        _login(client, config)
        client.step = step = "folder"
        yield client
    except ImapError:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise ImapError("tls", f"The IMAP server's certificate is not trusted "
                        f"({exc.verify_message}).", "Check the IMAP server name.",
                        retryable=False) from None
    except OverBudget as exc:
        raise _too_much(client.step if client else step, config, exc) from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise _failure(client.step if client else step, config, exc) from None
    except NOT_UNDERSTOOD as exc:
        log.warning("IMAP answer not understood at %s", _where(config), exc_info=True)
        part = str(exc) if isinstance(exc, BadAnswer) else ""
        raise _not_imap(client.step if client else step, config, part) from None
    finally:
        if client is not None:
            _logout(client)


def _context_for(config: ImapConfig) -> ssl.SSLContext | None:
    """The TLS settings, when the connection is secured (reading the trust store takes time)."""
    return tls_context(config.allow_self_signed) if config.security in ("ssl", "tls") else None


def _login(client: _Client, config: ImapConfig) -> None:
    try:
        client.login(config.username, config.password)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        reply = _clean(str(exc), config)
        raise ImapError("sign-in", f"{_where(config)} rejected the user name or password.",
                        "Check the IMAP user name and password (often the same as for SMTP; "
                        "some providers need an app password).", reply,
                        retryable=False) from None


def _logout(client: _Client) -> None:
    """Say goodbye; the work is done (or failed) either way, so whatever the server answers
    now only closes the connection."""
    try:
        client.logout()
    except (OSError, imaplib.IMAP4.error, OverBudget, *NOT_UNDERSTOOD):
        try:
            client.shutdown()  # closes the file and the socket
        except OSError:
            return


def _failure(step: str, config: ImapConfig, exc: BaseException) -> ImapError:
    where = _where(config)
    if isinstance(exc, socket.gaierror):
        return ImapError("connect", f"The IMAP server name “{config.host}” could not be found.",
                         "Check the spelling of the IMAP server (for example imap.example.com).")
    if isinstance(exc, ConnectionRefusedError):
        return ImapError("connect", f"Nothing accepted the connection at {where}.",
                         "Check the port: IMAP uses 993 with SSL, 143 with TLS.")
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return ImapError(step, f"No answer from {where} in time.",
                         "Check the IMAP server and port, or try again later.")
    if isinstance(exc, ssl.SSLError):
        return ImapError("tls", f"The secure connection to {where} could not be set up.",
                         "Check Security and port: SSL usually goes with 993, TLS with 143.")
    if isinstance(exc, imaplib.IMAP4.abort | EOFError | ConnectionError):
        return ImapError(step, f"{where} closed the connection unexpectedly.",
                         "Check Security and port, then try again.")
    return ImapError(step, f"{where} refused the request.", "Read the reply below.",
                     _clean(str(exc), config))


def _too_much(step: str, config: ImapConfig, exc: OverBudget) -> ImapError:
    return ImapError(step, f"The IMAP server at {_where(config)} sent {exc.words}; it does not "
                     "behave like a mail server.", NOT_IMAP_HINT, retryable=False)


def _not_imap(step: str, config: ImapConfig, part: str = "") -> ImapError:
    """The one message for a malformed answer; ``part`` names what was wrong when known."""
    where = f" ({part})" if part else ""
    return ImapError(step, f"The IMAP server at {_where(config)} sent an answer that is not "
                     f"IMAP{where}; it does not behave like a mail server.", NOT_IMAP_HINT)


def _where(config: ImapConfig) -> str:
    return f"{config.host} port {config.port}"


def _clean(text: str, config: ImapConfig) -> str:
    if config.password:
        text = text.replace(config.password, "********")
    return " ".join(text.split())[:300]


def _ok(answer: tuple[str, list], step: str, reason: str, config: ImapConfig) -> list:
    status, data = answer
    if status != "OK":
        reply = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
        raise ImapError(step, reason, "Read the server's reply below.", _clean(reply, config))
    return data


def list_folders(config: ImapConfig) -> list[Folder]:
    """Every selectable folder on the server, as LIST gives them."""
    with session(config) as client:
        return _folders(client, config)


def _folders(client: _Client, config: ImapConfig) -> list[Folder]:
    data = _ok(client.list(), "folder", "The server did not list its folders.", config)
    return parse_list(data)


def copy_to_sent(config: ImapConfig, data: bytes, folder: str | None = None) -> CopyResult:
    """Append the exact bytes to ``folder`` (default: the Sent folder), unless a message with
    the same Message-ID is already there; seen, dated now."""
    wanted = message_id(data)
    with session(config) as client:
        if folder is None:
            found = find_sent(_folders(client, config))
            if found is None:
                raise ImapError("folder", "No Sent folder was found on the IMAP server.",
                                "Choose the folder for copies in the IMAP settings.",
                                retryable=False)
            folder = found.name
        if _has(client, config, folder, wanted):
            return CopyResult(folder, appended=False)
        client.step = "copy"
        client.allow_upload(len(data))
        _ok(client.append(quote(folder), r"(\Seen)", imaplib.Time2Internaldate(time.time()),
                          data), "copy", "The server refused the copy.", config)
        return CopyResult(folder, appended=True)


def _has(client: _Client, config: ImapConfig, folder: str, wanted: str) -> bool:
    _ok(client.select(quote(folder), readonly=True), "folder",
        f"The folder “{decode_utf7(folder)}” could not be opened.", config)
    data = _ok(client.uid("SEARCH", "HEADER", "Message-ID", quote(wanted)), "folder",
               "The server could not search the folder.", config)
    return bool(data and isinstance(data[0], bytes) and data[0].split())


def provider_copy(method: str, smtp_host: str = "") -> str | None:
    """Why no copy is needed, when the provider already keeps one in Sent (else None)."""
    known = sending.METHODS.get(method)
    provider = known.keeps_sent_copy if known else ""
    if not provider and known and known.imap_copy:
        provider = KEEPS_OWN_COPY.get(smtp_host.strip().lower().rstrip("."), "")
    if not provider:
        return None
    return f"{provider} already keeps a copy of each message in your Sent folder."


def copy_failed_text(error: MailError) -> str:
    """What a person reads when the message went out but its copy did not."""
    return f"Sent; the copy in your Sent folder failed: {error.reason}"

"""Real SMTP servers (and deliberately broken listeners) on 127.0.0.1 for tests.

``SmtpServer`` wraps aiosmtpd's threaded ``Controller``; every connection gets its own
``_Protocol`` whose behaviour is read live from the ``SmtpServer`` attributes, so a test can
flip e.g. ``server.drop_during_data`` between two deliveries.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import errno
import itertools
import logging
import os
import socket
import ssl
import threading
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import TracebackType
from typing import Any, Literal, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = [
    "DEFAULT_USERS",
    "NotSmtpServer",
    "Received",
    "SilentServer",
    "SmtpServer",
    "closed_port",
    "free_port",
]

Mode = Literal["plain", "starttls", "implicit"]
HOST = "127.0.0.1"
DEFAULT_USERS: dict[str, str] = {"user": "secret"}


class _QuietLoginDataWarning(logging.Filter):
    """aiosmtpd itself sets the deprecated ``Session.login_data`` and logs a warning each time."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_QuietLoginDataWarning())


#: "20000-25999": the ports this test run hands out, so that two runs side by side (make test
#: runs SQLite and PostgreSQL at once) never give the same port to two servers. Unset: any port.
PORTS_ENV = "WEBPANEL_TEST_PORTS"
_handed_out = itertools.count()
#: Ports kept bound but not listening, so that nothing else can take them (closed_port).
_held: deque[socket.socket] = deque(maxlen=64)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago: the next free one of this run's range
    (PORTS_ENV), else one the system picks (bind to 0, read, close)."""
    spec = os.environ.get(PORTS_ENV, "")
    if not spec:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((HOST, 0))
            return sock.getsockname()[1]
    low, high = (int(part) for part in spec.split("-"))
    ports = range(low, high + 1)
    for _ in ports:
        port = ports[next(_handed_out) % len(ports)]
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port left in {spec}")


def closed_port() -> int:
    """A port on 127.0.0.1 where connecting is refused: it stays bound without listening (for
    the next 64 calls), so no other server, in this run or another, can start on it meanwhile."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    _held.append(sock)
    return sock.getsockname()[1]


@dataclass(frozen=True)
class Received:
    """One message accepted by an ``SmtpServer``: the envelope, the raw data, the session."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    auth_user: str | None
    tls: bool
    mail_options: list[str] = field(default_factory=list)
    dsn_mail: list[str] = field(default_factory=list)  # RET=, ENVID= as sent (case kept)
    dsn_rcpt: dict[str, list[str]] = field(default_factory=dict)  # NOTIFY=, ORCPT= per address
    received_at: float = field(default_factory=time.time)  # when the data was in (Unix time)

    def parsed(self) -> EmailMessage:
        """The data parsed with the modern email policy."""
        return email.message_from_bytes(self.data, policy=email.policy.default)


def _reply(code: int, text: str) -> str:
    """An SMTP reply; a multi-line ``text`` becomes a multi-line reply."""
    lines = text.splitlines() or [""]
    return "\r\n".join(
        f"{code}{'-' if i < len(lines) - 1 else ' '}{line}" for i, line in enumerate(lines)
    )


class _Handler:
    """aiosmtpd hooks; policy comes live from the owning ``SmtpServer``.

    No attribute may start with ``auth_``: aiosmtpd would take it for an AUTH mechanism.
    """

    def __init__(self, owner: SmtpServer) -> None:
        self._owner = owner

    def check_login(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        """The aiosmtpd authenticator: a bad login must be ``handled=False`` to get a 535."""
        users = self._owner.users or {}
        if isinstance(data, LoginPassword):
            login, password = data.login.decode(), data.password.decode()
            if login in users and users[login] == password:
                return AuthResult(success=True, auth_data=data)
        text = self._owner.auth_failure_reply
        message = _reply(self._owner.auth_failure_code, text) if text else None
        return AuthResult(success=False, handled=False, message=message)

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses
    ) -> list[str]:
        session.host_name = hostname
        if self._owner.dsn:
            responses.insert(-1, "250-DSN")
        if not self._owner.eightbitmime:
            responses = [r for r in responses if r[4:].upper() != "8BITMIME"]
        if self._owner.users is None:
            return [r for r in responses if not r[4:].upper().startswith("AUTH")]
        return responses

    async def handle_AUTH(self, server: SMTP, session: Session, envelope: Envelope, args):
        if self._owner.users is None:
            return "502 5.5.1 AUTH not supported"
        return MISSING

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options
    ) -> str:
        owner = self._owner
        if owner.users is not None and owner.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        if _listed(address, owner.refuse_senders):
            return f"553 5.7.1 <{address}>: Sender address rejected"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options
    ) -> str:
        if _listed(address, self._owner.refuse_recipients):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        transport = server.transport
        auth = session.auth_data
        self._owner._record(
            Received(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                data=bytes(envelope.original_content or b""),
                auth_user=auth.login.decode() if isinstance(auth, LoginPassword) else None,
                tls=transport is not None and transport.get_extra_info("ssl_object") is not None,
                mail_options=list(envelope.mail_options),
                dsn_mail=list(getattr(envelope, "dsn_mail", [])),
                dsn_rcpt=dict(getattr(envelope, "dsn_rcpt", {})),
            )
        )
        if self._owner.hold_replies:  # the message is in; the 250 waits for release_replies()
            await asyncio.get_running_loop().run_in_executor(None, self._owner._released.wait)
        return "250 2.0.0 OK: queued"


def _listed(address: str, addresses: Iterable[str]) -> bool:
    return address.lower() in {a.lower() for a in addresses}


class _Protocol(SMTP):
    """One SMTP connection; can crash in the middle of DATA on request."""

    def __init__(self, owner: SmtpServer, **kwargs: Any) -> None:
        super().__init__(owner._handler, **kwargs)
        self._owner = owner

    async def auth_CRAM__MD5(self, _: SMTP, args: list[str]) -> AuthResult:
        """Offered only with ``bad_auth_challenge``: a 334 challenge that is not base64."""
        await self.challenge_auth(b"not base64!", encode_to_b64=False)
        return AuthResult(success=False, handled=False)

    async def smtp_MAIL(self, arg: str) -> None:
        self._owner.mail_commands.append(arg or "")  # as the client sent it, options too
        self._dsn_mail = _take_dsn(self, arg, ("RET", "ENVID"))
        await super().smtp_MAIL(_without_dsn(self, arg, ("RET", "ENVID")))
        if self.envelope is not None and self.envelope.mail_from:
            self.envelope.dsn_mail = self._dsn_mail
            self.envelope.dsn_rcpt = {}

    async def smtp_RCPT(self, arg: str) -> None:
        params = _take_dsn(self, arg, ("NOTIFY", "ORCPT"))
        before = len(self.envelope.rcpt_tos) if self.envelope else 0
        await super().smtp_RCPT(_without_dsn(self, arg, ("NOTIFY", "ORCPT")))
        envelope = self.envelope
        if params and envelope is not None and len(envelope.rcpt_tos) > before:
            envelope.dsn_rcpt = {**getattr(envelope, "dsn_rcpt", {}),
                                 envelope.rcpt_tos[-1]: params}

    async def smtp_DATA(self, arg: str) -> None:
        envelope = self.envelope
        if not (self._owner.drop_during_data and envelope and envelope.rcpt_tos and not arg):
            await super().smtp_DATA(arg)
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        await self._reader.read(64)  # part of the message has arrived: now "crash"
        if self.transport is not None:
            self.transport.abort()


def _take_dsn(protocol: _Protocol, arg: str | None, names: tuple[str, ...]) -> list[str]:
    """The DSN parameters (RFC 3461) of a MAIL/RCPT argument, as sent, when DSN is offered."""
    if not protocol._owner.dsn or not arg:
        return []
    return [p for p in arg.split()[1:] if p.split("=", 1)[0].upper() in names]


def _without_dsn(protocol: _Protocol, arg: str | None, names: tuple[str, ...]) -> str | None:
    """The argument without its DSN parameters (aiosmtpd itself refuses them)."""
    taken = _take_dsn(protocol, arg, names)
    if not taken or arg is None:
        return arg
    return " ".join(p for p in arg.split() if p not in taken)


class _Controller(Controller):
    """Serves on a socket bound beforehand, so a taken port fails at once, not after 5 s."""

    def __init__(
        self, owner: SmtpServer, sock: socket.socket, ssl_context: ssl.SSLContext | None
    ) -> None:
        super().__init__(owner._handler, hostname=HOST, port=owner.port, ssl_context=ssl_context)
        self._owner = owner
        self._sock = sock

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)

    def factory(self) -> SMTP:
        return self._owner._new_protocol()


class SmtpServer:
    """A real SMTP server on 127.0.0.1 recording what it accepts in ``messages``.

    ``mode``: "plain" (no TLS), "starttls" (STARTTLS offered, and by default required),
    or "implicit" (TLS from the first byte, port 465 style). ``users=None`` offers no AUTH;
    otherwise AUTH PLAIN/LOGIN are offered (in starttls mode only after STARTTLS) and,
    with ``require_auth``, MAIL before a login gets 530. ``smtputf8=False`` and
    ``eightbitmime=False`` leave those extensions out of EHLO; ``bad_auth_challenge`` offers
    CRAM-MD5 with a challenge that is not base64. With ``hold_replies`` a message's data is
    recorded as it arrives but the final 250 waits until ``release_replies()`` (or ``stop()``):
    a client stopped at that moment has handed the message over and heard nothing. The port
    is chosen at construction,
    so a test can configure a client before ``start()`` and restart after ``stop()``.
    """

    host = HOST

    def __init__(
        self,
        *,
        mode: Mode = "plain",
        tls_context: ssl.SSLContext | None = None,
        users: dict[str, str] | None = DEFAULT_USERS,
        require_starttls: bool | None = None,
        require_auth: bool = True,
        auth_failure_reply: str | None = None,
        auth_failure_code: int = 535,
        refuse_senders: Iterable[str] = (),
        refuse_recipients: Iterable[str] = (),
        data_size_limit: int | None = None,
        drop_during_data: bool = False,
        dsn: bool = False,
        smtputf8: bool = True,
        eightbitmime: bool = True,
        bad_auth_challenge: bool = False,
        hold_replies: bool = False,
        port: int | None = None,
        server_hostname: str = "localhost",
    ) -> None:
        if mode not in ("plain", "starttls", "implicit"):
            raise ValueError(f"unknown mode {mode!r}")
        if (mode == "plain") != (tls_context is None):
            raise ValueError(
                f"mode {mode!r} {'takes no' if mode == 'plain' else 'needs a'} tls_context"
            )
        self.mode: Mode = mode
        self.tls_context = tls_context
        self.users = dict(users) if users is not None else None
        self.require_starttls = mode == "starttls" and require_starttls is not False
        self.require_auth = require_auth
        self.auth_failure_reply = auth_failure_reply
        self.auth_failure_code = auth_failure_code
        self.refuse_senders: set[str] = set(refuse_senders)
        self.refuse_recipients: set[str] = set(refuse_recipients)
        self.data_size_limit = data_size_limit
        self.drop_during_data = drop_during_data
        self.dsn = dsn  # offer DSN (RFC 3461) and record its parameters
        self.smtputf8 = smtputf8  # offer SMTPUTF8 (RFC 6531); without it, non-ASCII gets 500
        self.eightbitmime = eightbitmime  # offer 8BITMIME (RFC 6152)
        self.bad_auth_challenge = bad_auth_challenge  # offer CRAM-MD5 with a broken challenge
        self.hold_replies = hold_replies  # hold each final 250 until release_replies()
        self._released = threading.Event()
        self.mail_commands: list[str] = []  # every MAIL argument received, even refused ones
        self.server_hostname = server_hostname
        self._auto_port = port is None
        self.port = free_port() if port is None else port
        self._handler = _Handler(self)
        self._messages: list[Received] = []
        self._cond = threading.Condition()
        self._controller: _Controller | None = None
        self._live: weakref.WeakSet[_Protocol] = weakref.WeakSet()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<SmtpServer {self.mode} {self.host}:{self.port} {state}>"

    # -- lifecycle -----------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> Self:
        """Listen on ``self.port`` (a fresh port is picked if an automatic one got taken)."""
        if self._controller is None:
            sock = self._bind()
            context = self.tls_context if self.mode == "implicit" else None
            controller = _Controller(self, sock, context)
            try:
                controller.start()
            except BaseException:
                sock.close()
                _discard(controller)
                raise
            self._controller = controller
        return self

    def _bind(self) -> socket.socket:
        for _attempt in range(5):
            try:
                return _listen(self.port)
            except OSError as error:
                if error.errno != errno.EADDRINUSE or not self._auto_port:
                    raise
                self.port = free_port()
        raise OSError(errno.EADDRINUSE, "no free port found for the SMTP server")

    def release_replies(self) -> None:
        """Answer the held messages (and every later one) at once."""
        self._released.set()

    def stop(self) -> None:
        """Drop every open connection, stop the loop and join its thread. Idempotent."""
        self.release_replies()  # no handler may wait past the server
        controller, self._controller = self._controller, None
        if controller is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._drop_connections(), controller.loop).result(5)
        finally:
            controller.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- messages ------------------------------------------------------------

    @property
    def messages(self) -> list[Received]:
        """A snapshot of the messages accepted so far (oldest first)."""
        with self._cond:
            return list(self._messages)

    def clear_messages(self) -> None:
        with self._cond:
            self._messages.clear()

    def wait_for_messages(self, n: int, timeout: float = 5) -> list[Received]:
        """Block until at least ``n`` messages arrived; ``TimeoutError`` otherwise."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._messages) >= n, timeout):
                raise TimeoutError(f"expected {n} message(s), got {len(self._messages)}")
            return list(self._messages)

    # -- internals (called on the server's event loop thread) ----------------

    def _record(self, message: Received) -> None:
        with self._cond:
            self._messages.append(message)
            self._cond.notify_all()

    def _new_protocol(self) -> _Protocol:
        protocol = _Protocol(
            self,
            hostname=self.server_hostname,
            data_size_limit=self.data_size_limit,
            enable_SMTPUTF8=self.smtputf8,
            tls_context=self.tls_context if self.mode == "starttls" else None,
            require_starttls=self.require_starttls,
            auth_require_tls=self.mode == "starttls",
            authenticator=self._handler.check_login,
            auth_exclude_mechanism=[] if self.bad_auth_challenge else ["CRAM-MD5"],
        )
        self._live.add(protocol)
        return protocol

    async def _drop_connections(self) -> None:
        tasks = []
        for protocol in list(self._live):
            if protocol.transport is not None:
                protocol.transport.abort()
            if protocol._handler_coroutine is not None:
                tasks.append(protocol._handler_coroutine)
        await asyncio.sleep(0)  # let connection_lost() run
        pending = [task for task in tasks if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=2)


def _listen(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:port.

    ``IPPROTO_TCP`` explicitly: asyncio only sets TCP_NODELAY on sockets whose ``proto`` says
    TCP, and without it every multi-line reply (EHLO) waits ~40 ms for a delayed ACK.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(32)
    except BaseException:
        sock.close()
        raise
    return sock


def _discard(controller: Controller) -> None:
    """Clean up after a controller whose start() failed."""
    thread = controller._thread
    if thread is not None and thread.is_alive():
        controller.stop()  # its loop still runs: stop it and join the thread
    elif not controller.loop.is_closed():
        controller.loop.close()


class _Listener:
    """A bare TCP listener on 127.0.0.1 served by one daemon thread."""

    host = HOST

    def __init__(self) -> None:
        self.port = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._conns: list[socket.socket] = []

    def start(self) -> Self:
        if self._sock is not None:
            return self
        self._stopping.clear()
        self._sock = socket.create_server((self.host, 0), backlog=32)
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(
            target=self._serve, args=(self._sock,), name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, join the thread, close every socket. Idempotent."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        sock.close()
        for conn in self._conns:
            conn.close()
        self._conns.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _serve(self, sock: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._on_accept(conn)

    def _on_accept(self, conn: socket.socket) -> None:
        raise NotImplementedError


class SilentServer(_Listener):
    """Accepts connections and never sends a byte; sockets stay open until ``stop()``."""

    def _on_accept(self, conn: socket.socket) -> None:
        self._conns.append(conn)


class NotSmtpServer(_Listener):
    """Answers every connection with a non-SMTP banner, then closes it."""

    def __init__(self, banner: bytes = b"HTTP/1.1 400 Bad Request\r\n\r\n") -> None:
        super().__init__()
        self.banner = banner

    def _on_accept(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.sendall(self.banner)
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass

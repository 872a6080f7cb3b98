"""Total deadlines for outside calls: an SMTP or IMAP conversation, or one HTTP request to
Google or Microsoft, gets MAIL_TIMEOUT from connect to its last byte, plus an ``Upload``
allowance for the message it carries (a 20 MB message takes longer than a Send Test).

A socket timeout bounds one read, so a server that drips a byte or a line just inside it
could hold a worker for minutes. Here every read and write first sets the socket's timeout
to the time left, and fails with ``socket.timeout`` ("timed out") once it is gone. TLS
handshakes are bounded as a whole by the socket timeout (CPython counts it as one deadline).

Bytes are budgeted too: a fast server could otherwise fill a worker's memory well within the
time. A ``Budget`` counts every byte read from the socket and raises ``OverBudget`` once a
conversation has read more than it may; each protocol turns that into its own plain MailError.
"""

from __future__ import annotations

import http.client
import io
import socket
import time
from contextvars import ContextVar
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ReadTimeoutError

LAST_MOMENT = 0.001  # the timeout a socket keeps once the time is gone: the next wait fails
MB = 1024 * 1024
#: What one HTTP answer may hold beyond twice its request's body (a Graph draft echoes the
#: message it was given); Google's and Microsoft's answers to the panel are a few hundred bytes.
ANSWER_BYTES = MB


@dataclass(frozen=True)
class Upload:
    """More time while a message goes out: its size over ``rate`` (bytes per second), at most
    ``most`` seconds; so a slow upload link can send a large message, and a server that stops
    reading still holds nothing for long."""

    rate: float = 0.0  # 0: no more time
    most: float = 0.0

    def seconds(self, size: int) -> float:
        """The extra seconds for ``size`` bytes."""
        return min(size / self.rate, self.most) if self.rate > 0 and size > 0 else 0.0


NO_UPLOAD = Upload()
#: What to do when a message ran out of time on its way out.
UPLOAD_HINT = ("A large message needs a fast enough upload: remove or shrink an attachment, or "
               "ask your administrator to allow more time (WEBPANEL_MAIL_UPLOAD_RATE).")


class Deadline:
    """A moment ``seconds`` from now; ``step`` (optional) also caps each single wait."""

    def __init__(self, seconds: float, step: float | None = None) -> None:
        self.seconds = seconds
        self.step = step
        self.ends = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds the next wait may take, or raise ``socket.timeout`` when none are left."""
        remaining = self.ends - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out")
        return min(remaining, self.step) if self.step else remaining

    def extend(self, seconds: float) -> None:
        """Move the moment ``seconds`` later, and let one wait (the upload's) take as long."""
        self.seconds += seconds
        self.ends += seconds
        if self.step:
            self.step += seconds

    def arm(self, sock: socket.socket) -> None:
        """Give the socket's next operation only the time left (or raise when none is)."""
        sock.settimeout(self.left())

    def rearm(self, sock: socket.socket) -> None:
        """After an operation: whatever blocks next (a TLS handshake) waits no longer."""
        remaining = max(self.ends - time.monotonic(), LAST_MOMENT)
        sock.settimeout(min(remaining, self.step) if self.step else remaining)


class OverBudget(Exception):
    """The other side sent more than the conversation may read (``limit`` bytes). Not an
    OSError, so no library on the way (imaplib, smtplib, urllib3) mistakes it for a network
    failure and retries or rewords it."""

    def __init__(self, limit: int, piece: bool = False) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit, self.piece = limit, piece

    @property
    def words(self) -> str:
        """ "more than 8 KB in one piece" / "more than 1 MB", for messages."""
        return f"more than {size_words(self.limit)}" + (" in one piece" * self.piece)


def size_words(count: int) -> str:
    """A byte count as people read it: 8 KB, 1 MB, 21 MB."""
    if count >= MB:
        return f"{round(count / MB, 1):g} MB"
    return f"{max(count // 1024, 1)} KB"


class Budget:
    """How many bytes a conversation may read: ``limit``, raised by ``allow`` for a piece the
    conversation asked for (a message it fetches), so that piece never eats into the rest."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used = limit, 0

    def spend(self, count: int) -> None:
        """Count bytes read; raise OverBudget once past the limit."""
        self.used += count
        self.check()

    def check(self) -> None:
        """Raise OverBudget if the limit is already passed (nothing more may be read)."""
        if self.used > self.limit:
            raise OverBudget(self.limit)

    def left(self) -> int:
        """Bytes that may still be read."""
        return max(self.limit - self.used, 0)

    def refuse(self, limit: int, piece: bool = False) -> OverBudget:
        """The error for a piece over ``limit``; nothing more may be read after it (a goodbye
        to such a server reads no more of what it is still sending)."""
        self.used = max(self.used, self.limit + 1)
        return OverBudget(limit, piece)

    def allow(self, count: int) -> None:
        """Let ``count`` more bytes be read: a piece that has an allowance of its own."""
        self.limit += count

    def announce(self, size: int, piece_limit: int) -> None:
        """Before reading a piece the other side announced (an IMAP literal): refuse it whole,
        before any memory is set aside for it, when it is over ``piece_limit`` or over what is
        left."""
        if size > piece_limit:
            raise self.refuse(piece_limit, piece=True)
        if size > self.left():
            raise self.refuse(self.limit)


class _DeadlineReader(io.RawIOBase):
    """A socket's raw reading file (``makefile``), each ``recv`` bounded by the time left and
    counted against the byte budget, if one is given."""

    def __init__(self, raw: io.RawIOBase, sock: socket.socket, deadline: Deadline,
                 budget: Budget | None = None) -> None:
        super().__init__()
        self._raw, self._sock, self._deadline, self._budget = raw, sock, deadline, budget

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:
        if self._budget is not None:
            self._budget.check()
        self._deadline.arm(self._sock)
        count = self._raw.readinto(buffer)
        self._deadline.rearm(self._sock)
        if self._budget is not None and count:
            self._budget.spend(count)
        return count

    def close(self) -> None:
        self._raw.close()  # the socket closes once its owner has closed it too
        super().close()


def reader(sock: socket.socket, deadline: Deadline,
           budget: Budget | None = None) -> io.BufferedReader:
    """``sock.makefile("rb")`` that keeps the deadline (and the byte budget, if given)."""
    raw = _DeadlineReader(sock.makefile("rb", buffering=0), sock, deadline, budget)
    return io.BufferedReader(raw)


def connect(address: tuple[str, int], deadline: Deadline) -> socket.socket:
    """``socket.create_connection`` within the time left; the socket keeps that timeout.
    Each write goes out at once (no Nagle): SMTP and IMAP wait for an answer after each
    command, and imaplib writes an APPEND's message and its line end apart."""
    sock = socket.create_connection(address, deadline.left())
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    deadline.rearm(sock)
    return sock


# -- HTTP (requests / urllib3) ----------------------------------------------------------------

@dataclass(frozen=True)
class _Call:
    """The limits of the HTTP request under way: its deadline and its answer's byte budget."""

    deadline: Deadline
    budget: Budget


_CURRENT: ContextVar[_Call | None] = ContextVar("webpanel_http_deadline", default=None)


class AnswerTooLarge(requests.RequestException):
    """An HTTP answer over its byte budget (declared or as it came); ``limit`` in bytes."""

    def __init__(self, over: OverBudget, **kwargs) -> None:
        super().__init__(str(over), **kwargs)
        self.limit, self.words = over.limit, over.words


class _Response(http.client.HTTPResponse):
    """http.client's response reading through a deadline- and budget-keeping file when set."""

    def __init__(self, sock: socket.socket, *args, **kwargs) -> None:
        super().__init__(sock, *args, **kwargs)
        call = _CURRENT.get()
        if call is not None:  # read the file super() opened, through the deadline
            self.fp = io.BufferedReader(_DeadlineReader(self.fp.detach(), sock, call.deadline,
                                                        call.budget))


class _Bounded:
    """urllib3 connection behaviour: connect, TLS, sending and reading within the deadline."""

    response_class = _Response

    def _new_conn(self) -> socket.socket:
        call = _CURRENT.get()
        if call is not None:
            self.timeout = call.deadline.left()
        sock = super()._new_conn()
        if call is not None:
            call.deadline.rearm(sock)
        return sock

    def send(self, data) -> None:
        call = _CURRENT.get()
        if call is not None and self.sock is not None:
            call.deadline.arm(self.sock)
        super().send(data)


class _Connection(_Bounded, HTTPConnection):
    pass


class _SecureConnection(_Bounded, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _SecurePool(HTTPSConnectionPool):
    ConnectionCls = _SecureConnection


class DeadlineAdapter(HTTPAdapter):
    """A requests adapter that gives each request ``seconds`` from connect to its last byte,
    plus ``upload``'s allowance for its body; once they are gone it raises
    ``requests.ConnectTimeout`` or ``requests.ReadTimeout``.

    Each answer may hold ANSWER_BYTES plus twice the request's body, headers included, counted
    as they arrive and again once decoded (answers are asked for uncompressed, but a server may
    compress anyway); a declared Content-Length over it is refused before the body is read.
    Past it: ``AnswerTooLarge``. The body is read here, so ``stream=True`` gains nothing.
    """

    def __init__(self, seconds: float, upload: Upload = NO_UPLOAD) -> None:
        self.seconds = seconds
        self.upload = upload
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        _bound(self.poolmanager)

    def proxy_manager_for(self, *args, **kwargs):
        return _bound(super().proxy_manager_for(*args, **kwargs))

    def send(self, request, stream=False, timeout=None, **kwargs) -> requests.Response:
        size = len(request.body or b"")
        budget = Budget(ANSWER_BYTES + 2 * size)
        token = _CURRENT.set(_Call(Deadline(self.seconds + self.upload.seconds(size)), budget))
        request.headers["Accept-Encoding"] = "identity"
        try:
            response = super().send(request, stream=stream, timeout=timeout, **kwargs)
            _read_body(response, budget)  # while the deadline and the budget hold
            return response
        except OverBudget as over:
            raise AnswerTooLarge(over, request=request) from None
        except requests.Timeout:
            raise
        except requests.ConnectionError as exc:
            if _timed_out(exc):
                raise requests.ReadTimeout(*exc.args, request=request) from exc
            raise
        finally:
            _CURRENT.reset(token)


def _read_body(response: requests.Response, budget: Budget) -> None:
    """Read the answer's body into ``response.content``, refusing it whole when its declared
    length is over the budget and stopping as soon as the bytes (decoded) pass it."""
    if _declared(response) > budget.limit:
        response.close()
        raise OverBudget(budget.limit)
    chunks, total = [], 0
    for chunk in response.iter_content(64 * 1024):
        total += len(chunk)
        if total > budget.limit:
            response.close()
            raise OverBudget(budget.limit)
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what Response.content would have read, unbounded


def _declared(response: requests.Response) -> int:
    """The Content-Length the answer declares (0 when none or unreadable; huge stays huge)."""
    value = response.headers.get("Content-Length", "").strip()
    if not (value.isascii() and value.isdigit()):
        return 0
    return int(value[:18])  # eighteen digits already mean more than any budget


def _bound(manager):
    manager.pool_classes_by_scheme = {"http": _Pool, "https": _SecurePool}
    return manager


def _timed_out(exc: BaseException) -> bool:
    """Whether a connection error is a read or write that ran out of time."""
    return any(isinstance(item, TimeoutError | ReadTimeoutError) for item in causes(exc))


def causes(exc: BaseException, limit: int = 20) -> list[BaseException]:
    """The exception and what it wraps (requests -> urllib3 -> socket): its cause, context,
    ``reason`` and arguments that are exceptions, each once, at most ``limit``."""
    found: list[BaseException] = []
    todo: list[object] = [exc]
    while todo and len(found) < limit:
        item = todo.pop()
        if not isinstance(item, BaseException) or item in found:
            continue
        found.append(item)
        todo += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
    return found


def session(seconds: float, upload: Upload = NO_UPLOAD) -> requests.Session:
    """A requests session whose every request keeps a total deadline of ``seconds`` (plus
    ``upload``'s allowance for its body)."""
    return bound(requests.Session(), seconds, upload)


def bound(client: requests.Session, seconds: float,
          upload: Upload = NO_UPLOAD) -> requests.Session:
    """Mount the deadline adapter on a session (authlib's OAuth2Session is one)."""
    adapter = DeadlineAdapter(seconds, upload)
    client.mount("https://", adapter)
    client.mount("http://", adapter)
    return client

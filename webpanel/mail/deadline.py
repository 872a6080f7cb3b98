"""Total deadlines for outside calls: an SMTP or IMAP conversation, or one HTTP request to
Google or Microsoft, gets MAIL_TIMEOUT from connect to its last byte, plus an ``Upload``
allowance for the message it carries (a 20 MB message takes longer than a Send Test).

A socket timeout bounds one read, so a server that drips a byte or a line just inside it
could hold a worker for minutes. Here every read and write first sets the socket's timeout
to the time left, and fails with ``socket.timeout`` ("timed out") once it is gone. TLS
handshakes are bounded as a whole by the socket timeout (CPython counts it as one deadline).
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


class _DeadlineReader(io.RawIOBase):
    """A socket's raw reading file (``makefile``), each ``recv`` bounded by the time left."""

    def __init__(self, raw: io.RawIOBase, sock: socket.socket, deadline: Deadline) -> None:
        super().__init__()
        self._raw, self._sock, self._deadline = raw, sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:
        self._deadline.arm(self._sock)
        count = self._raw.readinto(buffer)
        self._deadline.rearm(self._sock)
        return count

    def close(self) -> None:
        self._raw.close()  # the socket closes once its owner has closed it too
        super().close()


def reader(sock: socket.socket, deadline: Deadline) -> io.BufferedReader:
    """``sock.makefile("rb")`` that keeps the deadline."""
    return io.BufferedReader(_DeadlineReader(sock.makefile("rb", buffering=0), sock, deadline))


def connect(address: tuple[str, int], deadline: Deadline) -> socket.socket:
    """``socket.create_connection`` within the time left; the socket keeps that timeout."""
    sock = socket.create_connection(address, deadline.left())
    deadline.rearm(sock)
    return sock


# -- HTTP (requests / urllib3) ----------------------------------------------------------------

_CURRENT: ContextVar[Deadline | None] = ContextVar("webpanel_http_deadline", default=None)


class _Response(http.client.HTTPResponse):
    """http.client's response reading through a deadline-keeping file when one is set."""

    def __init__(self, sock: socket.socket, *args, **kwargs) -> None:
        super().__init__(sock, *args, **kwargs)
        deadline = _CURRENT.get()
        if deadline is not None:  # read the file super() opened, through the deadline
            self.fp = io.BufferedReader(_DeadlineReader(self.fp.detach(), sock, deadline))


class _Bounded:
    """urllib3 connection behaviour: connect, TLS, sending and reading within the deadline."""

    response_class = _Response

    def _new_conn(self) -> socket.socket:
        deadline = _CURRENT.get()
        if deadline is not None:
            self.timeout = deadline.left()
        sock = super()._new_conn()
        if deadline is not None:
            deadline.rearm(sock)
        return sock

    def send(self, data) -> None:
        deadline = _CURRENT.get()
        if deadline is not None and self.sock is not None:
            deadline.arm(self.sock)
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
    ``requests.ConnectTimeout`` or ``requests.ReadTimeout``."""

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
        token = _CURRENT.set(Deadline(self.seconds + self.upload.seconds(size)))
        try:
            response = super().send(request, stream=stream, timeout=timeout, **kwargs)
            if not stream:
                response.content  # noqa: B018 - read the body while the deadline holds
            return response
        except requests.Timeout:
            raise
        except requests.ConnectionError as exc:
            if _timed_out(exc):
                raise requests.ReadTimeout(*exc.args, request=request) from exc
            raise
        finally:
            _CURRENT.reset(token)


def _bound(manager):
    manager.pool_classes_by_scheme = {"http": _Pool, "https": _SecurePool}
    return manager


def _timed_out(exc: BaseException) -> bool:
    """Whether a connection error is a read or write that ran out of time."""
    seen: list[BaseException] = []
    todo: list[object] = [exc]
    while todo and len(seen) < 20:
        item = todo.pop()
        if not isinstance(item, BaseException) or item in seen:
            continue
        if isinstance(item, TimeoutError | ReadTimeoutError):
            return True
        seen.append(item)
        todo += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
    return False


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

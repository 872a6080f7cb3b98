"""Servers that answer, but too slowly to ever finish: the attack a per-read timeout misses.

``DripSmtpServer`` greets with one ``220-`` continuation line every ``interval`` seconds,
forever; ``DripHttpServer`` reads each HTTP request and answers with a complete response one
byte every ``interval`` seconds; ``StallingSmtpServer`` stops reading once DATA begins, and
``SlowSmtpServer`` reads it at a set rate. All listen on 127.0.0.1 and count their connections.
"""

from __future__ import annotations

import socket
import threading
from typing import Self

HOST = "127.0.0.1"
SMTP_LINE = b"220-smtp.example.org still here\r\n"
IMAP_LINE = b"* OK imap.example.org still here\r\n"
TOKEN_BODY = b'{"access_token": "drip", "token_type": "Bearer", "expires_in": 3600}'


class _DripListener:
    """Accepts on a free port; one daemon thread per connection runs ``_serve``."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.port = 0
        self.connections = 0
        self._stopping = threading.Event()
        self._sock: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self) -> Self:
        self._sock = socket.create_server((HOST, 0), backlog=64)
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        """Stop accepting and dripping; close every socket; join the threads."""
        self._stopping.set()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            _close(conn)
        for thread in list(self._threads):
            thread.join(5)
        if self._sock is not None:
            self._sock.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True,
                                  name=type(self).__name__)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._conns.append(conn)
            self._spawn(self._run, conn)

    def _run(self, conn: socket.socket) -> None:
        try:
            self._serve(conn)
        except OSError:
            pass  # the client gave up: that is the point
        finally:
            _close(conn)

    def _drip(self, conn: socket.socket, pieces) -> None:
        """Send each piece, then wait ``interval``; stop when stopped."""
        for piece in pieces:
            conn.sendall(piece)
            if self._stopping.wait(self.interval):
                return

    def _serve(self, conn: socket.socket) -> None:
        raise NotImplementedError


class DripSmtpServer(_DripListener):
    """A greeting that never ends: ``line`` every ``interval`` seconds (by default an SMTP
    ``220-`` continuation; ``IMAP_LINE`` makes an IMAP server that only ever says hello)."""

    def __init__(self, interval: float = 0.5, line: bytes = SMTP_LINE) -> None:
        super().__init__(interval)
        self.line = line

    def _serve(self, conn: socket.socket) -> None:
        self._drip(conn, iter(lambda: self.line, None))


class StallingSmtpServer(_DripListener):
    """Speaks just enough SMTP to take MAIL, RCPT and DATA, then reads nothing more: a big
    message fills the socket buffers and the client's send waits (until ``stop()``)."""

    def __init__(self) -> None:
        super().__init__(interval=0.0)

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        conn.sendall(b"220 stalling.example.org ready\r\n")
        lines = conn.makefile("rb")
        try:
            for line in lines:
                command = line[:4].upper()
                if command in (b"EHLO", b"HELO"):
                    conn.sendall(b"250 stalling.example.org\r\n")
                elif command == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    self._stopping.wait()  # and never read the message
                    return
                else:
                    conn.sendall(b"250 ok\r\n")
        finally:
            lines.close()


class SlowSmtpServer(_DripListener):
    """A whole SMTP server (AUTH PLAIN accepts anyone) that reads a message's DATA at ``rate``
    bytes per second, like a server behind a slow upload link, then answers 250; ``messages``
    holds what it took (dot-unstuffed)."""

    def __init__(self, rate: float) -> None:
        super().__init__(interval=0.0)
        self.rate = rate
        self.messages: list[bytes] = []

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        conn.sendall(b"220 slow.example.org ready\r\n")
        lines = conn.makefile("rb", buffering=0)
        try:
            while line := lines.readline():
                command = line[:4].upper()
                if command == b"EHLO":
                    conn.sendall(b"250-slow.example.org\r\n250-8BITMIME\r\n250 AUTH PLAIN\r\n")
                elif command == b"AUTH":
                    conn.sendall(b"235 accepted\r\n")
                elif command == b"DATA":
                    conn.sendall(b"354 go ahead\r\n")
                    self.messages.append(self._slowly(conn))
                    conn.sendall(b"250 queued\r\n")
                elif command == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"250 ok\r\n")
        finally:
            lines.close()

    def _slowly(self, conn: socket.socket) -> bytes:
        """Read up to the final ``.`` line, ``rate`` bytes per second at most."""
        data, piece = b"", max(1, int(self.rate / 20))
        while not data.endswith(b"\r\n.\r\n"):
            chunk = conn.recv(piece)
            if not chunk:
                break
            data += chunk
            if self._stopping.wait(len(chunk) / self.rate):
                break
        body = data[:-len(b".\r\n")] if data.endswith(b"\r\n.\r\n") else data
        return b"\r\n".join(line[1:] if line.startswith(b".") else line
                             for line in body.split(b"\r\n"))


class DripHttpServer(_DripListener):
    """Reads a request, then sends ``200 OK`` with ``body`` one byte every ``interval``
    (with ``drip_head=False`` the status line and headers come at once, then the body drips)."""

    def __init__(self, interval: float = 0.3, body: bytes = TOKEN_BODY,
                 content_type: str = "application/json", drip_head: bool = True) -> None:
        super().__init__(interval)
        self.body = body
        self.content_type = content_type
        self.drip_head = drip_head

    def response(self) -> bytes:
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: {self.content_type}\r\n"
                f"Content-Length: {len(self.body)}\r\nConnection: close\r\n\r\n")
        return head.encode() + self.body

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        _read_request(conn)
        data = self.response()
        if not self.drip_head:
            head_length = len(data) - len(self.body)
            conn.sendall(data[:head_length])
            data = data[head_length:]
        self._drip(conn, (data[i:i + 1] for i in range(len(data))))


class SlowHttpServer(_DripListener):
    """Reads each request's body at ``rate`` bytes per second (a slow upload link), then
    answers ``200 OK`` with a small JSON body at once; ``bodies`` holds what it read."""

    def __init__(self, rate: float) -> None:
        super().__init__(interval=0.0)
        self.rate = rate
        self.bodies: list[bytes] = []

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        request = _read_request(conn, self.rate, self._stopping)
        self.bodies.append(request.partition(b"\r\n\r\n")[2])
        body = b'{"id": "slow-1"}'
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)


def _read_request(conn: socket.socket, rate: float = 0.0,
                  stopping: threading.Event | None = None) -> bytes:
    """The request's head and its Content-Length body (read at ``rate`` bytes/s when given)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    while len(body) < length:
        chunk = conn.recv(max(1, int(rate / 20)) if rate else 65536)
        if not chunk:
            break
        body += chunk
        if rate and stopping is not None and stopping.wait(len(chunk) / rate):
            break
    return head + b"\r\n\r\n" + body


def _close(conn: socket.socket) -> None:
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    conn.close()

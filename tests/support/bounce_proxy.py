"""An IMAP proxy in front of the real Dovecot, for the bounce flood tests: it records each
command the panel sends and counts the bytes the server sends back, and can be a slow server
(each FETCH answered ``delay`` seconds late) or a broken one (``rewrite`` changes the server's
lines, never the literals inside them, so the answers stay well framed).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from typing import Self

HOST = "127.0.0.1"
LITERAL_END = re.compile(rb"\{(\d+)\+?\}\r\n$")


class ImapProxy:
    """Listens on ``port`` and passes each connection on to 127.0.0.1:``target``."""

    def __init__(self, target: int, delay: float = 0.0,
                 rewrite: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        self.target, self.delay, self.rewrite = target, delay, rewrite
        self.commands: list[bytes] = []
        self.server_bytes = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server((HOST, 0))
        self.port = self._listener.getsockname()[1]

    def start(self) -> Self:
        self._spawn(self._accept)
        return self

    def stop(self) -> None:
        """Close every socket and wait for the threads. Idempotent."""
        _close(self._listener)  # shutdown wakes the thread waiting in accept()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _close(sock)
        for thread in list(self._threads):
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget what was seen so far (before the next check)."""
        with self._lock:
            self.commands, self.server_bytes, self.connections = [], 0, 0

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection((HOST, self.target), timeout=10)
            with self._lock:
                self.connections += 1
                self._sockets += [client, server]
            self._spawn(self._commands, client, server)
            self._spawn(self._answers, server, client)

    def _commands(self, client: socket.socket, server: socket.socket) -> None:
        """Panel to server, line by line: recorded, and each FETCH held ``delay`` seconds."""
        reader = client.makefile("rb")
        try:
            for line in reader:
                with self._lock:
                    self.commands.append(line)
                if self.delay and b" FETCH " in line.upper():
                    time.sleep(self.delay)  # the slow server thinks before it answers
                server.sendall(line)
        except OSError:
            pass
        finally:
            reader.close()
            _close(server)

    def _answers(self, server: socket.socket, client: socket.socket) -> None:
        """Server to panel, line by line (literals passed on untouched), rewritten, counted."""
        reader = server.makefile("rb")
        try:
            for line in reader:
                for pattern, replacement in self.rewrite:
                    body, end = (line[:-2], b"\r\n") if line.endswith(b"\r\n") else (line, b"")
                    line = re.sub(pattern, replacement, body) + end
                literal = LITERAL_END.search(line)
                data = line + (reader.read(int(literal.group(1))) if literal else b"")
                with self._lock:
                    self.server_bytes += len(data)
                client.sendall(data)
        except OSError:
            pass
        finally:
            reader.close()
            _close(client)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()

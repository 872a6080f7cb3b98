"""An IMAP server on 127.0.0.1 that answers each command with the bytes a test scripts, so
tests can send what no real server would: numbers that are not numbers, bytes that are not
UTF-8, literals that lie about their size, wrong tags, lines that never end, an early close.

It greets, then reads command lines (LOGIN, CAPABILITY, LIST, EXAMINE/SELECT, UID SEARCH,
UID FETCH, APPEND with its literal, LOGOUT) and answers each from ``script``, a well-behaved
server's answers by default. An answer is a function of the command's tag and line that gives
the bytes to send, one piece at a time (a generator may go on forever: the server stops when
the client hangs up). After the command named ``close_after`` is answered, it hangs up.
"""

from __future__ import annotations

import itertools
import re
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Self

HOST = "127.0.0.1"
Answer = Callable[[bytes, bytes], Iterable[bytes]]
LITERAL = re.compile(rb"\{(\d+)\}\r\n$")


def ok(untagged: bytes = b"", status: bytes = b"OK done") -> Answer:
    """``untagged`` as it is, then ``<tag> <status>``."""
    return lambda tag, line: [untagged, tag + b" " + status + b"\r\n"]


def raw(data: bytes) -> Answer:
    """Exactly ``data``: no tagged line (with ``close_after``, the client sees the end)."""
    return lambda tag, line: [data]


def endless(head: bytes, piece: bytes) -> Answer:
    """``head``, then ``piece`` again and again until the client hangs up."""
    return lambda tag, line: itertools.chain([head], itertools.repeat(piece))


def fetched(*messages: bytes) -> Answer:
    """A FETCH answered with each of ``messages`` as message 1: its UID, size and bytes (sent
    as they are, never copied: memory tests count this thread too)."""
    pieces = [piece for m in messages for piece in (
        b"* 1 FETCH (UID 1 RFC822.SIZE %d BODY[] {%d}\r\n" % (len(m), len(m)), m, b")\r\n")]
    return lambda tag, line: [*pieces, tag + b" OK done\r\n"]


GREETING = b"* OK hostile.example.org ready\r\n"
DEFAULT: dict[str, Answer] = {
    "CAPABILITY": ok(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"),
    "LOGIN": ok(status=b"OK signed in"),
    "LIST": ok(b'* LIST (\\HasNoChildren) "/" INBOX\r\n'
               b'* LIST (\\HasNoChildren \\Sent) "/" Sent\r\n'),
    "EXAMINE": ok(b"* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n",
                  b"OK [READ-ONLY] done"),
    "SELECT": ok(b"* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n", b"OK [READ-WRITE] done"),
    "UID SEARCH": ok(b"* SEARCH\r\n"),
    "UID FETCH": ok(),
    "APPEND+": raw(b"+ go ahead\r\n"),  # the continuation that asks for the message
    "APPEND": ok(status=b"OK [APPENDUID 7 1] done"),
    "LOGOUT": ok(b"* BYE see you\r\n"),
    "NOOP": ok(),
}


class HostileImapServer:
    """``script`` maps a command ("LIST", "UID FETCH", "APPEND+" for APPEND's continuation)
    to its answer; ``greeting`` is sent first. Both are read when a connection opens, so a
    test may change them between connections. ``commands`` lists every command line seen."""

    def __init__(self) -> None:
        self.greeting: bytes = GREETING
        self.script: dict[str, Answer] = {}
        self.close_after: str | None = None
        self.commands: list[bytes] = []
        self.port = 0
        self._sock: socket.socket | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []

    def start(self) -> Self:
        self._sock = socket.create_server((HOST, 0), backlog=16)
        self.port = self._sock.getsockname()[1]
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        """Stop accepting, hang up on every client, join the threads."""
        self._stopping.set()
        if self._sock is not None:
            _hang_up(self._sock)
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            _hang_up(conn)
        for thread in self._threads:
            thread.join(5)

    def play(self, command: str, answer: Answer, *, close: bool = True,
             others: dict[str, Answer] | None = None) -> Self:
        """Answer ``command`` with ``answer`` ("greeting": greet with it) from the next
        connection on, the ``others`` as given and the rest as a good server would; hang up
        after it when ``close``."""
        self.script = {**(others or {}), command: answer}
        self.greeting = b"".join(answer(b"*", b"")) if command == "greeting" else GREETING
        self.close_after = command if close else None
        return self

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True, name="hostile-imap")
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            conn.settimeout(10)  # a client that neither reads nor hangs up: give up on it
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each piece at once
            with self._lock:
                self._conns.add(conn)
            self._spawn(self._run, conn, self.greeting, {**DEFAULT, **self.script},
                        self.close_after)

    def _run(self, conn: socket.socket, greeting: bytes, script: dict[str, Answer],
             close_after: str | None) -> None:
        try:
            conn.sendall(greeting)
            if close_after == "greeting":
                return
            with conn.makefile("rb") as lines:
                self._converse(conn, lines, script, close_after)
        except OSError:
            pass  # the client hung up, often mid-answer: that is the point
        finally:
            with self._lock:
                self._conns.discard(conn)
            _hang_up(conn)

    def _converse(self, conn: socket.socket, lines, script: dict[str, Answer],
                  close_after: str | None) -> None:
        while line := lines.readline(65536):
            self.commands.append(line)
            tag, command = _parse(line)
            if command == "APPEND" and (literal := LITERAL.search(line)):
                _send(conn, script["APPEND+"](tag, line))
                if close_after == "APPEND+":
                    return
                lines.read(int(literal.group(1)) + 2)  # the message and its CRLF
            _send(conn, script.get(command, ok(status=b"BAD unknown command"))(tag, line))
            if command == close_after or command == "LOGOUT":
                return


def _parse(line: bytes) -> tuple[bytes, str]:
    """(tag, command): "UID FETCH" for a UID command, else the command word, upper case."""
    words = line.split()
    tag = words[0] if words else b"*"
    command = [w.decode("ascii", "replace").upper() for w in words[1:3]]
    if command[:1] == ["UID"]:
        return tag, " ".join(command)
    return tag, command[0] if command else ""


def _send(conn: socket.socket, pieces: Iterable[bytes]) -> None:
    for piece in pieces:
        conn.sendall(piece)


def _hang_up(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()

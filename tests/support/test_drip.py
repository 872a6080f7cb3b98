"""The dripping servers drip: each read gets a little, well inside any per-read timeout, and
the answer never completes (SMTP) or completes only after many reads (HTTP)."""

from __future__ import annotations

import socket

from tests.support.drip import DripHttpServer, DripSmtpServer, StallingSmtpServer


def test_the_smtp_greeting_never_ends():
    with DripSmtpServer(interval=0.05) as server, socket.create_connection(
            ("127.0.0.1", server.port), timeout=5) as sock:
        lines = sock.makefile("rb")
        received = [lines.readline() for _ in range(5)]
        lines.close()
    assert received == [b"220-smtp.example.org still here\r\n"] * 5
    assert server.connections == 1


def test_the_http_answer_comes_one_byte_per_read():
    with DripHttpServer(interval=0.02, body=b'{"ok": 1}') as server, socket.create_connection(
            ("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        pieces = []
        while piece := sock.recv(100):
            pieces.append(piece)
    answer = b"".join(pieces)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b'\r\n\r\n{"ok": 1}')
    assert len(answer) > 60 and len(pieces) >= 10  # bytes trickle in, read after read


def test_the_http_head_can_come_at_once_and_only_the_body_drip():
    with DripHttpServer(interval=0.05, body=b'{"ok": 1}', drip_head=False) as server, \
            socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        first = b""
        while not first.endswith(b"\r\n\r\n"):
            first += sock.recv(1)
        rest = b""
        while piece := sock.recv(100):
            rest += piece
    assert first.startswith(b"HTTP/1.1 200 OK\r\n") and rest == b'{"ok": 1}'


def test_the_stalling_server_takes_data_and_then_reads_nothing():
    with StallingSmtpServer() as server, socket.create_connection(
            ("127.0.0.1", server.port), timeout=5) as sock:
        replies = sock.makefile("rb")
        greeting = replies.readline()
        said = []
        for command in (b"EHLO me", b"MAIL FROM:<a@example.org>", b"DATA"):
            sock.sendall(command + b"\r\n")
            said.append(replies.readline())
        sock.settimeout(0.5)
        sent = 0
        try:
            while sent < 256 * 1024 * 1024:
                sent += sock.send(b"x" * 65536)
        except TimeoutError:
            pass
        replies.close()
    assert greeting.startswith(b"220 ") and [r[:3] for r in said] == [b"250", b"250", b"354"]
    assert sent < 256 * 1024 * 1024  # the buffers filled up: nobody reads

"""Watching the lock model: which network calls and PDF renders the panel made inside a
database transaction (`watch`), and whether another writer could get in at once."""

from __future__ import annotations

import socket
import sqlite3
from dataclasses import dataclass, field

import pytest
from flask import has_app_context
from sqlalchemy import text

from webpanel.documents import pdf as pdf_module
from webpanel.extensions import db


@dataclass
class Watch:
    """Each network call and PDF render the panel made, and those made inside a transaction."""

    outside: list[str] = field(default_factory=list)
    inside: list[str] = field(default_factory=list)

    def note(self, what: str) -> None:
        if has_app_context():  # the panel's own code (a test's client has no app context)
            (self.inside if db.session().in_transaction() else self.outside).append(what)


@pytest.fixture
def watch(no_network_outside_loopback, monkeypatch) -> Watch:
    """Records, for every connect, UDP send and PDF render, whether a transaction is open."""
    seen = Watch()
    real_connect, real_sendto = socket.socket.connect, socket.socket.sendto
    real_render = pdf_module.render_pdf

    def connect_(sock, address):
        seen.note(f"connect {address!r}")
        return real_connect(sock, address)

    def sendto(sock, data, *args):
        seen.note(f"sendto {args[-1]!r}")
        return real_sendto(sock, data, *args)

    def render(doc):
        seen.note(f"PDF render {doc.number}")
        return real_render(doc)

    monkeypatch.setattr(socket.socket, "connect", connect_)
    monkeypatch.setattr(socket.socket, "sendto", sendto)
    monkeypatch.setattr(pdf_module, "render_pdf", render)
    return seen


def assert_no_transaction_is_open(app) -> None:
    """Another writer gets in at once: nobody holds the database while a server is talked to."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        other = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0.5, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # "database is locked" if the panel held the lock
        other.execute("ROLLBACK")
        other.close()
        return
    with app.app_context():
        idle = db.session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'idle in transaction' AND pid <> pg_backend_pid()"))
    assert idle == 0

"""SQLAlchemy 2 engine and session for the app: one scoped session per application context.

The lock model: a transaction that only reads takes no write lock, so readers never wait for
a writer (SQLite's WAL). On SQLite a transaction begins DEFERRED when it is expected to read
only (a GET, HEAD or OPTIONS request, or a view marked with `transactions.reads_only`) and
IMMEDIATE, taking the write lock up front, when it is expected to write (other requests,
`transactions.writing()`, commands and code outside a request). A write inside a transaction
expected to read is logged, so a page that writes on the way is found.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

from webpanel import clock

SQLITE_BUSY_TIMEOUT_MS = 15_000
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
INTENT = "webpanel_transaction_intent"  # on flask.g or a view: READ or WRITE
READ, WRITE = "read", "write"
READING = "webpanel.reading"  # on a connection's info: its transaction is expected to read
WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
log = logging.getLogger("webpanel.database")
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every model, with stable constraint names for migrations."""

    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """The current time in UTC, naive (as every database column stores it)."""
    return clock.utcnow()


class _AppSession(Session):
    """A session bound to the engine of the application in context."""

    def get_bind(self, *args, **kwargs):  # noqa: D401 - SQLAlchemy hook
        return current_app.extensions["webpanel.engine"]


def make_engine(url: str) -> Engine:
    """Create the engine; for SQLite: WAL, a busy timeout, foreign keys, and transactions that
    begin DEFERRED to read or IMMEDIATE to write (see `expects_writes`)."""
    if not url.startswith("sqlite"):
        engine = create_engine(url, pool_pre_ping=True)
        event.listen(engine, "begin", _note_intent)
    else:
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
    event.listen(engine, "before_cursor_execute", _warn_on_write_while_reading)
    return engine


def expects_writes() -> bool:
    """Whether the transaction about to begin is expected to write: as the view or block said
    (`webpanel.transactions`), else by the request's method; outside a request, yes."""
    if not has_app_context():
        return True
    intent = g.get(INTENT)
    if intent is None and has_request_context():
        view = current_app.view_functions.get(request.endpoint or "")
        intent = getattr(view, INTENT, None)  # the view's marking, set by its decorator
        if intent is None:
            return request.method not in READ_METHODS
    return intent != READ


def _note_intent(connection) -> bool:
    writes = expects_writes()
    connection.info[READING] = not writes
    return writes


def _warn_on_write_while_reading(connection, _cursor, statement: str, *_args) -> None:
    if connection.info.get(READING) and statement.lstrip()[:7].upper().startswith(WRITE_VERBS):
        where = f"{request.method} {request.path}" if has_request_context() else "a read"
        log.warning("a write inside a read transaction (%s): %s …; mark the view with "
                    "webpanel.transactions.writes or use transactions.writing()", where,
                    " ".join(statement.split()[:3]))


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" hook issue BEGIN itself
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
        "foreign_keys=ON",
        "synchronous=NORMAL",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_on_begin(connection) -> None:
    # A writer takes the write lock up front: two readers upgrading to writers at once would
    # otherwise fail with "database is locked" without waiting for the busy timeout. A reader
    # takes none, and in WAL mode never waits for a writer.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _note_intent(connection) else "BEGIN")


def create_private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (its -wal and -shm files follow)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


class Database:
    """The app's database: `db.session` is scoped to the current application context."""

    def __init__(self) -> None:
        factory = sessionmaker(class_=_AppSession, expire_on_commit=False)
        self.session = scoped_session(factory, scopefunc=lambda: id(g._get_current_object()))

    def init_app(self, app: Flask) -> None:
        """Create the app's engine and close the session at the end of each context."""
        engine = make_engine(app.config["DATABASE_URL"])
        if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, "",
                                                                                   ":memory:"):
            create_private_file(Path(engine.url.database))
        app.extensions["webpanel.engine"] = engine
        app.teardown_appcontext(self._remove)

    def _remove(self, _exc: BaseException | None) -> None:
        self.session.remove()

    @property
    def engine(self) -> Engine:
        """The engine of the application in context."""
        return current_app.extensions["webpanel.engine"]

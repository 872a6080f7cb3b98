"""SQLAlchemy 2 engine and session for the app: one scoped session per application context."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000
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
    return datetime.now(UTC).replace(tzinfo=None)


class _AppSession(Session):
    """A session bound to the engine of the application in context."""

    def get_bind(self, *args, **kwargs):  # noqa: D401 - SQLAlchemy hook
        return current_app.extensions["webpanel.engine"]


def make_engine(url: str) -> Engine:
    """Create the engine; for SQLite: WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


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
    # Take the write lock up front: two readers upgrading to writers at once would
    # otherwise fail with "database is locked" without waiting for the busy timeout.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


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

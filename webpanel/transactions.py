"""Where a transaction takes the write lock, when the request's method does not say it.

A GET, HEAD or OPTIONS request's transactions read (SQLite: BEGIN DEFERRED, no lock); other
requests' transactions write (BEGIN IMMEDIATE). `writes` marks a GET view that writes,
`reads_only` a POST view that only reads (live previews), and `writing()` runs one block in a
short write transaction of its own, wherever it is called. `release()` ends the open
transaction before slow work: no network call and no PDF render runs inside a transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from flask import g

from webpanel.database import INTENT, READ, WRITE
from webpanel.extensions import db

P = ParamSpec("P")
R = TypeVar("R")


def release() -> None:
    """End the open transaction, if any (committing what is pending), so that nothing holds
    the database during a network call or a PDF render."""
    if db.session().in_transaction():
        db.session.commit()


def _intended(intent: str, view: Callable[P, R]) -> Callable[P, R]:
    setattr(view, INTENT, intent)  # read when the request's first transaction begins
    return view


def writes(view: Callable[P, R]) -> Callable[P, R]:
    """Mark a view whose method reads (GET) but which writes: its transactions take the
    write lock at their start."""
    return _intended(WRITE, view)


def reads_only(view: Callable[P, R]) -> Callable[P, R]:
    """Mark a view whose method writes (POST) but which only reads, like a live preview: its
    transactions take no write lock."""
    return _intended(READ, view)


@contextmanager
def writing() -> Iterator[None]:
    """Run the block in a write transaction of its own, committed at its end (rolled back on
    an error); the transaction open before it ends first."""
    previous = g.get(INTENT)
    release()
    setattr(g, INTENT, WRITE)
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if previous is None:
            g.pop(INTENT, None)
        else:
            setattr(g, INTENT, previous)

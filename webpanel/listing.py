"""Search and keyset pages for list pages, and the way back to a list after a form.

A page starts after (or ends before) the row whose id is in the address, found by its sort key:
the first page and the thousandth cost the same, and rows added meanwhile never shift a page.
The count stops at COUNT_LIMIT + 1 rows, so a long list says "More than 1,000" cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Response, make_response, redirect, request
from sqlalchemy import ColumnElement, Select, func, select, tuple_

from webpanel.extensions import db, htmx
from webpanel.routing import MAX_DIGITS, MAX_ID

PER_PAGE = 25
MAX_QUERY_LENGTH = 100
#: Lists count their rows up to one more than this: past it they say "More than 1,000".
COUNT_LIMIT = 1000


@dataclass(frozen=True)
class Page:
    """One page of a list, whether pages come before and after it, and how many rows match
    (counted up to COUNT_LIMIT + 1)."""

    items: list[Any]
    total: int
    has_prev: bool
    has_next: bool

    @property
    def prev_before(self) -> int | None:
        """The cursor of the previous page (`?before=`): the id of this page's first row."""
        return self.items[0].id if self.has_prev and self.items else None

    @property
    def next_after(self) -> int | None:
        """The cursor of the next page (`?after=`): the id of this page's last row."""
        return self.items[-1].id if self.has_next and self.items else None

    @property
    def counted(self) -> str:
        """How many rows match, in words: "27", "1,000" or "More than 1,000"."""
        if self.total > COUNT_LIMIT:
            return f"More than {COUNT_LIMIT:,}"
        return f"{self.total:,}"


@dataclass(frozen=True)
class Order:
    """A list's sort, one way: key columns unique together within the list (end them with the
    id unless they are unique already), and the id column that a cursor names."""

    keys: tuple[ColumnElement, ...]
    row_id: ColumnElement
    descending: bool = False

    def sorted(self, statement: Select, backwards: bool = False) -> Select:
        """`statement` in this order (or the reverse one)."""
        down = self.descending != backwards
        return statement.order_by(*(key.desc() if down else key.asc() for key in self.keys))

    def beyond(self, values: tuple, backwards: bool = False) -> ColumnElement[bool]:
        """Rows after the key `values` (before them, when `backwards`): a row-value comparison,
        and the first key's own bound, which lets SQLite start the index range there (it uses
        no row value on an expression)."""
        down = self.descending != backwards
        first, row, cursor = self.keys[0], tuple_(*self.keys), tuple_(*values)
        if len(self.keys) == 1:
            return first < values[0] if down else first > values[0]
        return (first <= values[0]) & (row < cursor) if down else \
            (first >= values[0]) & (row > cursor)


def keyset_page(statement: Select, order: Order, after: int | None = None,
                before: int | None = None, per_page: int = PER_PAGE,
                counted: Select | None = None) -> Page:
    """One page of `statement`: the rows after the row with id `after`, or before the row with
    id `before`. The first page when neither is given, the row is gone, or fewer than a page
    come before it; the last page when none come after it. `counted` is the same rows without
    what only the page needs (a join for names), so counting reads an index alone."""
    total = _count(statement if counted is None else counted, order)
    cursor = _key_of(order, after if after is not None else before)
    if cursor is not None and after is not None:
        rows = _rows(statement.where(order.beyond(cursor)), order, per_page)
        if rows:
            return Page(rows[:per_page], total, True, len(rows) > per_page)
        return _last_page(statement, order, per_page, total)
    if cursor is not None:
        rows = _rows(statement.where(order.beyond(cursor, True)), order, per_page, True)
        if len(rows) > per_page:
            return Page(rows[:per_page][::-1], total, True, True)
    rows = _rows(statement, order, per_page)
    return Page(rows[:per_page], total, False, len(rows) > per_page)


def _last_page(statement: Select, order: Order, per_page: int, total: int) -> Page:
    """The end of the list (asked for a page past it)."""
    rows = _rows(statement, order, per_page, backwards=True)
    return Page(rows[:per_page][::-1], total, len(rows) > per_page, False)


def _rows(statement: Select, order: Order, per_page: int, backwards: bool = False) -> list:
    """Up to `per_page` + 1 rows in the order (the extra one says another page exists)."""
    return list(db.session.scalars(order.sorted(statement, backwards).limit(per_page + 1)))


def _key_of(order: Order, row_id: int | None) -> tuple | None:
    """The sort key of the row with this id (one primary-key read), or None."""
    if row_id is None:
        return None
    found = db.session.execute(select(*order.keys).where(order.row_id == row_id)).first()
    return tuple(found) if found is not None else None


def _count(statement: Select, order: Order) -> int:
    """How many rows match, counted up to COUNT_LIMIT + 1."""
    ids = statement.with_only_columns(order.row_id).order_by(None).limit(COUNT_LIMIT + 1)
    return db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0


def cursor_arg(name: str) -> int | None:
    """A row id from `?after=` or `?before=`; nonsense gives None (the first page)."""
    text = request.args.get(name, "", type=str)
    if not (text.isascii() and text.isdigit()) or len(text) > MAX_DIGITS:
        return None
    return int(text) if 1 <= int(text) <= MAX_ID else None


def search_arg() -> str:
    """The search words from `?q=`, trimmed and bounded."""
    return request.args.get("q", "", type=str).strip()[:MAX_QUERY_LENGTH]


def redirect_after_post(url: str) -> Response:
    """Leave a saved form for `url`: a 303 for a plain post, a full page load for htmx."""
    if htmx:
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)

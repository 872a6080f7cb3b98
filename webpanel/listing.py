"""Search and pagination for list pages, and the way back to a list after a form."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from flask import Response, make_response, redirect, request
from sqlalchemy import Select, func, select

from webpanel.extensions import db, htmx

PER_PAGE = 25
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, its number (from 1) and the size of the whole list."""

    items: list[Any]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        """Whether there is a page before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether there is a page after this one."""
        return self.number < self.pages


def paginate(statement: Select, number: int, per_page: int = PER_PAGE) -> Page:
    """Run `statement` for one page; a page number past the end shows the last page."""
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    total = db.session.scalar(counted) or 0
    number = min(max(number, 1), max(1, ceil(total / per_page)))
    rows = db.session.scalars(statement.limit(per_page).offset((number - 1) * per_page))
    return Page(list(rows), number, per_page, total)


def search_arg() -> str:
    """The search words from `?q=`, trimmed and bounded."""
    return request.args.get("q", "", type=str).strip()[:MAX_QUERY_LENGTH]


def page_arg() -> int:
    """The page number from `?page=`; nonsense means the first page."""
    return request.args.get("page", 1, type=int)


def redirect_after_post(url: str) -> Response:
    """Leave a saved form for `url`: a 303 for a plain post, a full page load for htmx."""
    if htmx:
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


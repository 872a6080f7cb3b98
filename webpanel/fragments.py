"""The one fragment helper: a full page for a normal request, only the partial for htmx."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, make_response, render_template

from webpanel.extensions import htmx


def render_htmx(page_template: str, partial: str, status: int = 200,
                page_context: Callable[[], dict] | None = None, **context) -> Response:
    """Render `partial` alone for an htmx request (not boosted), else the page, which includes it.

    `page_context` supplies what only the whole page shows (computed only when it is rendered).
    Both answers share a URL, so the response varies on `HX-Request`.
    """
    fragment = wants_fragment()
    if not fragment and page_context:
        context.update(page_context())
    template = partial if fragment else page_template
    response = make_response(render_template(template, partial=partial, **context), status)
    response.headers["Vary"] = _add_vary(response.headers.get("Vary"), "HX-Request")
    return response


def wants_fragment() -> bool:
    """Whether `render_htmx` answers this request with the partial alone."""
    restoring = htmx.history_restore_request if htmx else False
    return bool(htmx) and not htmx.boosted and not restoring


def render_fragment(partial: str, status: int = 200, **context) -> Response:
    """Render a partial that only ever answers htmx requests (dialogs, results)."""
    response = make_response(render_template(partial, **context), status)
    response.headers["Vary"] = _add_vary(response.headers.get("Vary"), "HX-Request")
    return response


def _add_vary(current: str | None, value: str) -> str:
    if not current:
        return value
    return current if value in current else f"{current}, {value}"

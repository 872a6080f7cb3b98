"""Error pages in plain words, as a full page or as an htmx fragment."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webpanel.extensions import htmx

MESSAGES = {
    400: ("The request was incomplete", "Reload the page and try again."),
    403: ("Not allowed", "Your account cannot open this page. Ask an administrator."),
    404: ("Not found", "This page does not exist, or it is not yours to see."),
    405: ("Not allowed", "Use the buttons on the page rather than typing the address."),
    413: ("Too large", "What you sent is larger than the panel accepts. Make it smaller."),
    429: ("Too many attempts", "Wait a few minutes, then try again."),
    500: ("Something went wrong", "Nothing was lost. Try again; if it keeps happening, tell "
          "your administrator."),
}
CSRF_MESSAGE = ("This form has expired", "Reload the page, then try again. Nothing was saved.")


def init_app(app: Flask) -> None:
    """Register the handlers (a PDF that cannot be made is the documents blueprint's own)."""
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)


def error_response(status: int, title: str, advice: str):
    """Render the error page, or only its message for an htmx request."""
    template = "errors/_message.html" if htmx else "errors/page.html"
    return render_template(template, status=status, title=title, advice=advice), status


def _csrf_error(_error: CSRFError):
    return error_response(400, *CSRF_MESSAGE)


def _http_error(error: HTTPException):
    status = error.code or 500
    title, advice = MESSAGES.get(status, (error.name, error.description or ""))
    response = error.get_response()
    body, code = error_response(status, title, advice)
    response.set_data(body)
    response.content_type = "text/html; charset=utf-8"
    return response

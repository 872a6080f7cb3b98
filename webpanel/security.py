"""Security headers on every response, fragments and downloads included."""

from __future__ import annotations

from flask import Flask, Response, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; frame-src 'self'"
)

#: Chrome shows PDFs through a built-in viewer that a page's `object-src 'none'` and
#: `style-src 'self'` would block; the PDF itself runs no script and loads nothing.
PDF_CSP = ("default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; "
           "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
#: Anything else served as a file: nothing in it may run, load or be framed.
DOWNLOAD_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"


def init_app(app: Flask) -> None:
    """Register the header hook."""
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    """Set CSP, nosniff, Referrer-Policy and friends unless a view set a stricter CSP."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response

"""Security headers on every response, fragments and downloads included; behind trusted
reverse proxies, each person's own address and scheme; Secure cookies over HTTPS."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

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
    """Register the header hook; believe `TRUSTED_PROXIES` proxies; Secure cookies over HTTPS."""
    app.after_request(add_security_headers)
    app.wsgi_app = SecureCookiesOverHttps(app.wsgi_app)  # type: ignore[method-assign]
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore
                                x_host=proxies)


class SecureCookiesOverHttps:
    """WSGI middleware: over HTTPS (as seen after the proxy fix), every cookie is `Secure`."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """Pass the request on; mark the response's cookies Secure when the scheme is https."""
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start(status: str, headers: list[tuple[str, str]], exc_info=None):
            return start_response(status, [secure_cookie(h) for h in headers], exc_info)

        return self.wsgi_app(environ, secure_start)


def secure_cookie(header: tuple[str, str]) -> tuple[str, str]:
    """A Set-Cookie header with the Secure attribute (other headers unchanged)."""
    name, value = header
    if name.lower() != "set-cookie":
        return header
    if any(part.strip().lower() == "secure" for part in value.split(";")[1:]):
        return header
    return name, f"{value}; Secure"


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

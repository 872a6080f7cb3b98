"""Configuration: defaults, the instance folder, generated keys and start-up checks."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

from webpanel import config_checks

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY_FILE = "secret_key"
ENCRYPTION_KEY_FILE = "encryption.key"
MIN_SECRET_KEY_LENGTH = 32
WEAK_SECRET_KEYS = {"dev", "secret", "changeme", "change-me", "development", "test"}


class StartupError(RuntimeError):
    """The panel refuses to start; the message says what to fix (`flask` shows only it)."""


class Defaults:
    """What every install starts from; instance config and environment override it."""

    WEBPANEL_ENV = "production"
    DEBUG = False
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    #: The largest company logo accepted (bytes).
    LOGO_MAX_BYTES = 1024 * 1024
    SESSION_COOKIE_NAME = "webpanel_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_NAME = "webpanel_remember"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True
    MAIL_TIMEOUT = 10.0
    #: The slowest upload to allow for, in bytes per second (125000: 1 Mbit/s): a message gets
    #: its size over this rate beyond MAIL_TIMEOUT, up to half of WORKER_TIMEOUT in all; 0: none.
    MAIL_UPLOAD_RATE = 125_000
    WORKER_TIMEOUT = 60.0
    MAIL_MAX_BYTES = 20 * 1024 * 1024
    GRAPH_REQUEST_LIMIT = 4 * 1024 * 1024  # Microsoft Graph's largest request body
    SENDING_STALE_AFTER = 300
    #: Seconds the SMTP tab's "Look up recommended settings" may wait for DNS, in all.
    MX_LOOKUP_TIMEOUT = 2.0
    SEND_TEST_LIMIT = 10
    SEND_TEST_WINDOW = 600
    #: Mail servers (host and port) that have not worked for a person before: at most this many
    #: different ones per window, over Send Test, sending and Retry together; 0 lifts the limit.
    NEW_MAIL_SERVER_LIMIT = 10
    NEW_MAIL_SERVER_WINDOW = 3600
    #: The mail hosts people may use, e.g. ["smtp.office365.com", "*.example.com"]; empty: any.
    MAIL_ALLOWED_HOSTS: tuple[str, ...] = ()
    LOGIN_FAILURES_PER_ACCOUNT = 5
    LOGIN_FAILURES_PER_ADDRESS = 20
    LOGIN_FAILURE_WINDOW = 900
    #: Reverse proxies in front of the panel whose X-Forwarded-For/-Proto/-Host are believed.
    TRUSTED_PROXIES = 0
    #: A sign-in with "Remember me" ends on the server after this; one without, after the other.
    SIGN_IN_LIFETIME = timedelta(days=14)
    SIGN_IN_LIFETIME_UNREMEMBERED = timedelta(hours=12)
    #: Bounce reports one check may look at per person (the rest wait for the next check).
    BOUNCE_REPORTS_PER_CHECK = 500
    #: Minutes between the background worker's readings of everyone's bounce reports.
    BOUNCE_CHECK_MINUTES = 5
    #: Rendered PDFs unused for this long (seconds) are removed, and the oldest beyond the size.
    PDF_CACHE_MAX_AGE = 30 * 86_400
    PDF_CACHE_MAX_BYTES = 500 * 1024 * 1024
    #: The background queue: unset for SQLite in the instance folder, or redis://host:port/db.
    QUEUE_URL = None
    #: Seconds between the worker's heartbeats; it counts as stopped after three missed.
    WORKER_HEARTBEAT = 10.0
    #: Seconds after a failure that may pass before each automatic retry (the last repeats
    #: up to SEND_ATTEMPTS in all): 1, 5, 15 and 60 minutes, then every hour.
    SEND_RETRY_SECONDS: tuple[int, ...] = (60, 300, 900, 3600)
    SEND_ATTEMPTS = 6


ENVIRONMENT_KEYS = {
    "WEBPANEL_SECRET_KEY": "SECRET_KEY",
    "DATABASE_URL": "DATABASE_URL",
    "WEBPANEL_ENV": "WEBPANEL_ENV",
    "WEBPANEL_MAIL_TIMEOUT": "MAIL_TIMEOUT",
    "WEBPANEL_MAIL_UPLOAD_RATE": "MAIL_UPLOAD_RATE",
    "WEBPANEL_SECURE_COOKIES": "SECURE_COOKIES",
    "WEBPANEL_TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "WEBPANEL_QUEUE_URL": "QUEUE_URL",
    "GOOGLE_CLIENT_ID": "GOOGLE_CLIENT_ID",
    "GOOGLE_CLIENT_SECRET": "GOOGLE_CLIENT_SECRET",
    "MICROSOFT_CLIENT_ID": "MICROSOFT_CLIENT_ID",
    "MICROSOFT_CLIENT_SECRET": "MICROSOFT_CLIENT_SECRET",
    "MICROSOFT_TENANT": "MICROSOFT_TENANT",
}


def instance_path() -> Path:
    """The instance folder: `WEBPANEL_INSTANCE`, or `instance/` beside the code."""
    return Path(os.environ.get("WEBPANEL_INSTANCE") or PROJECT_ROOT / "instance").resolve()


def load(app: Flask, test_config: dict | None) -> None:
    """Fill `app.config`: defaults, instance config, environment, then test overrides."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    sources = {key: f"{key} (in config.py)" for key in config_checks.RULES}
    for env_name, key in ENVIRONMENT_KEYS.items():
        if env_name in os.environ:
            app.config[key] = os.environ[env_name]
            sources[key] = f"{env_name} (environment)"
    if test_config:
        app.config.update(test_config)
        sources.update({key: key for key in test_config})
    app.config.setdefault("DATABASE_URL", f"sqlite:///{Path(app.instance_path) / 'webpanel.db'}")
    try:
        config_checks.refuse_test_only(app.config, test_config)
        config_checks.validate(app.config, sources)
    except config_checks.BadSetting as bad:
        raise StartupError(str(bad)) from None
    app.config["REMEMBER_COOKIE_DURATION"] = app.config["SIGN_IN_LIFETIME"]
    if str(app.config.get("SECURE_COOKIES", "")).lower() in {"1", "true", "yes"}:
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = True
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = read_or_create_key(Path(app.instance_path) / SECRET_KEY_FILE)
    check(app)


def read_or_create_key(path: Path, make=lambda: secrets.token_urlsafe(48)) -> str:
    """Read a key file, creating it (mode 0600) with a fresh random key on first run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(make() + "\n")
    return path.read_text().strip()


def key_file_path(app: Flask, name: str) -> Path:
    """A key file in the instance folder."""
    return Path(app.instance_path) / name


def check(app: Flask) -> None:
    """Refuse a weak start in production: a short or well-known secret key, or DEBUG on."""
    if app.config["WEBPANEL_ENV"] != "production" or app.testing:
        return
    key = str(app.config["SECRET_KEY"])
    if len(key) < MIN_SECRET_KEY_LENGTH or key.lower() in WEAK_SECRET_KEYS:
        raise StartupError(
            f"The secret key is too weak (it needs at least {MIN_SECRET_KEY_LENGTH} random "
            "characters). Remove SECRET_KEY from the instance config and WEBPANEL_SECRET_KEY from "
            "the environment to let the panel generate one, or set a long random value."
        )
    if app.config["DEBUG"]:
        raise StartupError(
            "Debug mode is on in production: it lets anyone who reaches the panel run code. "
            "Turn DEBUG off, or set WEBPANEL_ENV=development on a machine used only for "
            "development."
        )
    if app.config["MAIL_TIMEOUT"] * 3 >= app.config["WORKER_TIMEOUT"]:
        raise StartupError("MAIL_TIMEOUT must be well below WORKER_TIMEOUT (a third at most).")

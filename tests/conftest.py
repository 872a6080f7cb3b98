"""Shared fixtures: a fresh app on its own copy of a migrated SQLite file (or a PostgreSQL
database), clients, users, and a network guard."""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.support.databases import copy_database, migrated_sqlite_file
from tests.support.postgres import TEMPLATE as POSTGRES_TEMPLATE
from tests.support.postgres import PostgresServer
from webpanel import create_app, database, migrate
from webpanel.auth import services as auth_services
from webpanel.config_checks import TEST_PASSWORD_HASH, WORKER_IMMEDIATE
from webpanel.database import make_engine
from webpanel.extensions import db

pytest_plugins = ["tests.support.smtp_fixtures", "tests.support.oauth_fixtures",
                  "tests.support.mail_servers", "tests.support.office", "tests.support.watching",
                  "tests.support.workers", "tests.support.clock"]

#: The password hash of test apps: one round instead of scrypt's 100 ms (production keeps scrypt;
#: see webpanel.config_checks.TEST_PASSWORD_HASH).
CHEAP_HASH = "pbkdf2:sha256:1"

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def _is_local(host) -> bool:
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).strip("[]")).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network_outside_loopback(monkeypatch):
    """Fail any connection to an address outside 127.0.0.1/::1; names other than
    localhost do not resolve (the answer a resolver gives for an unknown host)."""
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo
    real_sendto = socket.socket.sendto

    def guarded_connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            raise AssertionError(f"test tried to reach {address!r} outside loopback")
        return real_connect(sock, address)

    def guarded_sendto(sock, data, *args):  # UDP (DNS) goes by sendto, not connect
        address = args[-1]
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            raise AssertionError(f"test tried to send to {address!r} outside loopback")
        return real_sendto(sock, data, *args)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if not _is_local(host):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "sendto", guarded_sendto)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


@pytest.fixture
def instance_dir(tmp_path, monkeypatch):
    """A fresh instance folder (keys, database) for one test."""
    path = tmp_path / "instance"
    monkeypatch.setenv("WEBPANEL_INSTANCE", str(path))
    return path


def pytest_addoption(parser):
    parser.addoption("--database", choices=("sqlite", "postgresql"), default="sqlite",
                     help="the database each test's app uses: a fresh SQLite file (default), or "
                          "a fresh database on a throwaway PostgreSQL cluster")


def pytest_configure(config):
    config.addinivalue_line("markers", "production_hash: the test's apps hash passwords with "
                            "scrypt, as production does, not the tests' cheap hash")
    config.addinivalue_line("markers", "renders_pdfs: the test is about rendering or caching "
                            "PDFs, so its app keeps its own PDF cache (others share one)")


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, leave out the tests of SQLite's own behaviour (each says why)."""
    if config.getoption("--database") != "postgresql":
        return
    kept = [item for item in items if item.get_closest_marker("sqlite_only") is None]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


@pytest.fixture(scope="session")
def postgres(request) -> Iterator[PostgresServer | None]:
    """The PostgreSQL cluster with a migrated template (only with --database=postgresql)."""
    if request.config.getoption("--database") != "postgresql":
        yield None
        return
    with migrated_postgres() as server:
        yield server


@contextmanager
def migrated_postgres() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster with a migrated template database for `fresh_database`."""
    with PostgresServer() as server:
        server.execute(f'CREATE DATABASE "{POSTGRES_TEMPLATE}"')
        template = create_app({"TESTING": True, "DATABASE_URL": server.url(POSTGRES_TEMPLATE)})
        with template.app_context():
            migrate.upgrade(template)
        template.extensions["webpanel.engine"].dispose()
        yield server


@pytest.fixture
def database_url(postgres, monkeypatch) -> Iterator[str | None]:
    """A fresh database for one test (also in DATABASE_URL, for the commands a test runs);
    None means the app's own SQLite file."""
    if postgres is None:
        yield None
        return
    yield from fresh_database(postgres, monkeypatch)


def fresh_database(postgres: PostgresServer, monkeypatch) -> Iterator[str]:
    """Body of a fixture: a copy of the migrated template in DATABASE_URL, dropped afterwards
    with every engine the test made on it disposed first."""
    name = postgres.create_database(template=POSTGRES_TEMPLATE)
    monkeypatch.setenv("DATABASE_URL", postgres.url(name))
    engines: list[Engine] = []

    def tracked_engine(url: str) -> Engine:
        engines.append(make_engine(url))
        return engines[-1]

    monkeypatch.setattr(database, "make_engine", tracked_engine)
    yield postgres.url(name)
    for engine in engines:  # every app a test made, so no connection outlives its database
        engine.dispose()
    postgres.drop_database(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An SQLite file migrated once for the session; each test's app starts from a copy."""
    return migrated_sqlite_file(tmp_path_factory.mktemp("database-template"))


@pytest.fixture(scope="session")
def shared_pdf_cache(tmp_path_factory) -> Path:
    """One PDF cache folder for the tests that are not about rendering (see `renders_pdfs`)."""
    return tmp_path_factory.mktemp("pdf-cache")


def app_settings(request) -> dict[str, Any]:
    """What every test app gets: TESTING, background jobs run where they are queued (the
    worker's own tests start real `flask worker` processes instead), one attempt per send
    (a failure that may pass ends "failed" at once; the automatic retry's own tests set
    SEND_ATTEMPTS), and the cheap password hash unless the test is marked `production_hash`."""
    settings: dict[str, Any] = {"TESTING": True, WORKER_IMMEDIATE: True, "SEND_ATTEMPTS": 1}
    if not request.node.get_closest_marker("production_hash"):
        settings[TEST_PASSWORD_HASH] = CHEAP_HASH
    return settings


@pytest.fixture
def make_app(request, instance_dir, database_url, sqlite_template, shared_pdf_cache):
    """make_app(**settings): an app on the test's fresh database (a copy of the migrated SQLite
    file by default, or the database in DATABASE_URL, copied from a migrated template), at the
    newest schema; disposed after the test."""
    made = []
    migrated = database_url or f"sqlite:///{instance_dir.resolve() / 'webpanel.db'}"
    if database_url is None:
        copy_database(sqlite_template, instance_dir / "webpanel.db")
    if request.node.get_closest_marker("renders_pdfs") is None:
        instance_dir.mkdir(parents=True, exist_ok=True)
        (instance_dir / "pdf-cache").symlink_to(shared_pdf_cache, target_is_directory=True)

    def make(**settings):
        made.append(create_app({**app_settings(request), **settings}))
        if made[-1].config["DATABASE_URL"] != migrated:  # a database of the test's own
            with made[-1].app_context():
                migrate.upgrade(made[-1])
        return made[-1]

    yield make
    for application in made:
        application.extensions["webpanel.engine"].dispose()


@pytest.fixture
def app(make_app):
    """The app on a fresh database, migrated to the newest schema."""
    return make_app(MAIL_TIMEOUT=2.0)


@pytest.fixture
def client(app):
    """A browser-like test client."""
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Create an account: make_user("a@example.com", admin=True)."""

    def make(email: str, admin: bool = False, password: str = PASSWORD):
        with app.app_context():
            user = auth_services.create_user(email, password, is_admin=admin)
            db.session.commit()
            return user.id

    return make


def child_env(instance_dir) -> dict[str, str]:
    """The environment for a panel command a test runs: its instance folder and database."""
    env = {"WEBPANEL_INSTANCE": str(instance_dir), "PATH": "/usr/bin:/bin"}
    if "DATABASE_URL" in os.environ:
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    return env


def csrf_from(html: str) -> str:
    """The CSRF token in a page."""
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in page"
    return match.group(1) or match.group(2)


def sign_in(client, email: str, password: str = PASSWORD):
    """Sign in through the real form; returns the response."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"csrf_token": token, "email": email,
                                       "password": password})


@pytest.fixture
def admin_id(make_user):
    return make_user("admin@example.com", admin=True)


@pytest.fixture
def user_id(make_user, admin_id):
    return make_user("sam@example.com")


@pytest.fixture
def user_client(app, user_id):
    """A client signed in as an ordinary user (sam@example.com)."""
    client = app.test_client()
    assert sign_in(client, "sam@example.com").status_code == 302
    return client


@pytest.fixture
def admin_client(app, admin_id):
    """A client signed in as the administrator."""
    client = app.test_client()
    assert sign_in(client, "admin@example.com").status_code == 302
    return client


def sam_with_samples(app, client, user_id) -> Htmx:
    """Sam's Htmx helper, with General saved (Sam Søren, sam@example.com) and the sample
    customers, vendors and documents loaded; `.user_id` is Sam's id."""
    from webpanel.documents.sample import load_sample_data

    with app.app_context():
        load_sample_data()
    hx = Htmx(client, f"/users/{user_id}/email/general")
    hx.post(f"/users/{user_id}/email/general", {"display_name": "Sam Søren",
                                                "address": "sam@example.com"})
    hx.user_id = user_id
    return hx


def sam_with_smtp(app, client, user_id, smtp) -> Htmx:
    """`sam_with_samples`, sending through the local SMTP server `smtp` (user / secret, no
    TLS); `.smtp` is that server."""
    hx = sam_with_samples(app, client, user_id)
    hx.post(f"/users/{user_id}/email/smtp", {
        "send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(smtp.port),
        "smtp_security": "none", "smtp_username": "user", "smtp_password": "secret"})
    hx.smtp = smtp
    return hx


class Htmx:
    """Helpers to talk to the panel the way its pages do."""

    def __init__(self, client, page: str):
        self.client = client
        self.token = csrf_from(client.get(page).get_data(as_text=True))

    def post(self, url: str, data: dict, htmx: bool = True):
        headers = {"HX-Request": "true", "X-CSRFToken": self.token} if htmx else {}
        return self.client.post(url, data={"csrf_token": self.token, **data}, headers=headers)

    def get(self, url: str):
        return self.client.get(url, headers={"HX-Request": "true"})

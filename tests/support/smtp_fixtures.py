"""Pytest fixtures for real SMTP servers on 127.0.0.1.

Load with ``pytest_plugins = ["tests.support.smtp_fixtures"]`` in the root conftest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from tests.support.certs import Leaf, TestCA
from tests.support.smtpd import NotSmtpServer, SilentServer, SmtpServer

SmtpServerFactory = Callable[..., SmtpServer]


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    """The CA that tests (and the app under test) trust."""
    return TestCA.create(tmp_path_factory.mktemp("test-ca"))


@pytest.fixture
def trust_ca(monkeypatch: pytest.MonkeyPatch, test_ca: TestCA) -> TestCA:
    """The app under test trusts ``test_ca`` (as a server's own CA would be trusted)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(test_ca.ca_file))
    return test_ca


@pytest.fixture(scope="session")
def untrusted_ca(tmp_path_factory: pytest.TempPathFactory) -> TestCA:
    """A second CA that nobody trusts."""
    return TestCA.create(tmp_path_factory.mktemp("untrusted-ca"), name="untrusted test CA")


@pytest.fixture(scope="session")
def leaf(test_ca: TestCA, tmp_path_factory: pytest.TempPathFactory) -> Leaf:
    """A server certificate for localhost and 127.0.0.1, issued by ``test_ca``."""
    return test_ca.issue(tmp_path_factory.mktemp("leaf"))


@pytest.fixture
def smtp_server_factory(leaf: Leaf) -> Iterator[SmtpServerFactory]:
    """``factory(start=True, **SmtpServer kwargs) -> SmtpServer``; all stopped at teardown.

    TLS modes get ``leaf.server_context()`` unless a ``tls_context`` is given.
    """
    with ExitStack() as stack:

        def factory(*, start: bool = True, **kwargs: Any) -> SmtpServer:
            if kwargs.get("mode", "plain") != "plain":
                kwargs.setdefault("tls_context", leaf.server_context())
            server = SmtpServer(**kwargs)
            stack.callback(server.stop)
            return server.start() if start else server

        yield factory


@pytest.fixture
def plain_smtp(smtp_server_factory: SmtpServerFactory) -> SmtpServer:
    """Started, no TLS, AUTH (user/secret) offered in the clear."""
    return smtp_server_factory(mode="plain")


@pytest.fixture
def starttls_smtp(smtp_server_factory: SmtpServerFactory) -> SmtpServer:
    """Started, STARTTLS required before MAIL/AUTH, AUTH user/secret."""
    return smtp_server_factory(mode="starttls")


@pytest.fixture
def implicit_smtp(smtp_server_factory: SmtpServerFactory) -> SmtpServer:
    """Started, TLS from the first byte (port 465 style), AUTH user/secret."""
    return smtp_server_factory(mode="implicit")


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    """Accepts TCP connections and never answers."""
    with SilentServer() as server:
        yield server


@pytest.fixture
def not_smtp_server() -> Iterator[NotSmtpServer]:
    """Answers with an HTTP error instead of an SMTP greeting."""
    with NotSmtpServer() as server:
        yield server

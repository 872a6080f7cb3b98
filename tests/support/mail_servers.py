"""Pytest fixtures for a real IMAP server (Dovecot) and a local DNS server.

Load with ``pytest_plugins`` in the root conftest, next to the SMTP fixtures.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.support.certs import Leaf
from tests.support.dns import MxServer
from tests.support.dovecot import DOVECOT, Account, DovecotServer


@pytest.fixture(scope="session")
def dovecot(leaf: Leaf) -> Iterator[DovecotServer]:
    """One Dovecot for the session (TLS from the test CA); tests add their own accounts."""
    if shutil.which(DOVECOT) is None:
        pytest.fail("Dovecot is missing: run `make system-test` (it installs dovecot-imapd).")
    with DovecotServer(leaf) as server:
        yield server


@pytest.fixture
def imap_account(dovecot: DovecotServer) -> Account:
    """A fresh account with an empty INBOX, Sent and Drafts."""
    return dovecot.add_account()


@pytest.fixture
def mx_server() -> Iterator[MxServer]:
    """A DNS server on 127.0.0.1 answering MX for the names a test puts in ``records``."""
    with MxServer() as server:
        yield server

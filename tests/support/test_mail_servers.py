"""The test IMAP and DNS servers themselves: what the panel's tests rely on."""

from __future__ import annotations

import imaplib
import os
from pathlib import Path

import dns.resolver
import pytest

from tests.support.certs import TestCA


def _owners(marker: str) -> set[int]:
    """The real user ids of the processes whose command line mentions ``marker``."""
    uids = set()
    for proc in Path("/proc").iterdir():
        try:
            if marker in (proc / "cmdline").read_bytes().decode(errors="replace") \
                    and "runuser" not in (proc / "comm").read_text():
                status = (proc / "status").read_text()
                uids.add(int(status.split("Uid:")[1].split()[0]))
        except (OSError, IndexError):
            continue
    return uids


def test_dovecot_runs_unprivileged_with_its_own_config(dovecot):
    owners = _owners(str(dovecot.dir))
    assert owners and 0 not in owners


def test_dovecot_tls_is_verified_against_the_test_ca(dovecot, imap_account, test_ca: TestCA):
    with imaplib.IMAP4_SSL(dovecot.host, dovecot.tls_port, ssl_context=test_ca.client_context(),
                           timeout=5) as client:
        assert client.login(imap_account.user, imap_account.password)[0] == "OK"
    with imaplib.IMAP4(dovecot.host, dovecot.port, timeout=5) as client:
        client.starttls(ssl_context=test_ca.client_context())
        assert client.login(imap_account.user, imap_account.password)[0] == "OK"


def test_dovecot_flags_sent_and_keeps_exact_bytes(dovecot, imap_account):
    with dovecot.connect(imap_account) as client:
        _, folders = client.list()
    assert any(b"\\Sent" in f and f.endswith(b" Sent") for f in folders)
    data = b"Message-ID: <x1@example.com>\r\nSubject: t\r\n\r\nbody\r\n"
    dovecot.append(imap_account, "Sent", data)
    assert dovecot.messages(imap_account, "Sent") == [data]
    assert dovecot.messages(imap_account, "INBOX") == []


def test_accounts_are_separate(dovecot, imap_account):
    other = dovecot.add_account()
    dovecot.append(other, "INBOX", b"Subject: other\r\n\r\nx\r\n")
    assert dovecot.messages(imap_account, "INBOX") == []
    with pytest.raises(imaplib.IMAP4.error):
        dovecot.connect(type(other)(other.user, "wrong"))


def test_dns_server_answers_mx_and_nxdomain(mx_server):
    mx_server.records["acme-office.example"] = [(0, "acme-office-example.mail.protection."
                                                    "outlook.com")]
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers, resolver.port, resolver.lifetime = [mx_server.host], mx_server.port, 2
    answer = resolver.resolve("acme-office.example", "MX")
    assert [str(r.exchange) for r in answer] == ["acme-office-example.mail.protection.outlook.com."]
    with pytest.raises(dns.resolver.NXDOMAIN):
        resolver.resolve("nobody.example", "MX")
    assert ("acme-office.example", "MX") in mx_server.queries
    assert os.environ.get("RES_OPTIONS") is None  # nothing global was changed

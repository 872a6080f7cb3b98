"""A copy in the Sent folder, against a real Dovecot: once, with identical bytes."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from tests.support.smtpd import closed_port
from webpanel.mail import imap
from webpanel.mail.imap import ImapConfig, ImapError


@pytest.fixture
def config(dovecot, imap_account, trust_ca) -> ImapConfig:
    return ImapConfig("localhost", dovecot.tls_port, "ssl", imap_account.user,
                      imap_account.password, timeout=5)


def invoice(subject: str = "Invoice INV-0007") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Sam <sam@example.com>", "c@example.net", subject
    msg["Message-ID"] = make_msgid(domain="example.com")
    msg.set_content("Please find the invoice attached.\n")
    msg.add_attachment(b"%PDF-1.4 \x00\xff binary", maintype="application", subtype="pdf",
                       filename="INV-0007.pdf")
    return msg.as_bytes(policy=email.policy.SMTP)


def test_copy_appears_once_in_sent_with_identical_bytes(dovecot, imap_account, config):
    data = invoice()
    assert imap.copy_to_sent(config, data) == imap.CopyResult("Sent", appended=True)
    assert dovecot.messages(imap_account, "Sent") == [data]
    assert dovecot.messages(imap_account, "INBOX") == []


def test_a_repeated_copy_adds_nothing(dovecot, imap_account, config):
    data, other = invoice(), invoice("Invoice INV-0008")
    imap.copy_to_sent(config, data)
    again = imap.copy_to_sent(config, data)
    assert again.appended is False
    imap.copy_to_sent(config, other)
    assert dovecot.messages(imap_account, "Sent") == [data, other]


def test_folders_are_listed_and_sent_is_found_by_its_flag(config):
    folders = imap.list_folders(config)
    assert {f.name for f in folders} >= {"INBOX", "Sent", "Drafts"}
    assert imap.find_sent(folders).name == "Sent"


def test_sent_is_found_by_name_when_no_folder_is_flagged():
    folders = imap.parse_list([b'(\\HasNoChildren) "." INBOX',
                               b'(\\HasNoChildren) "." "INBOX.Sent Items"',
                               (b'(\\HasNoChildren) "." {13}', b'Envoy&AOk-s'),
                               b'(\\Noselect \\HasChildren) "." Archive'])
    assert [f.name for f in folders] == ["INBOX", "INBOX.Sent Items", "Envoy&AOk-s"]
    assert imap.find_sent(folders).name == "INBOX.Sent Items"
    assert folders[2].label == "Envoyés"
    assert imap.find_sent(folders[2:]).label == "Envoyés"


def test_a_chosen_folder_is_used(dovecot, imap_account, config):
    data = invoice()
    assert imap.copy_to_sent(config, data, folder="Drafts").folder == "Drafts"
    assert dovecot.messages(imap_account, "Drafts") == [data]
    assert dovecot.messages(imap_account, "Sent") == []


def test_starttls_and_a_wrong_password(dovecot, imap_account, config):
    tls = ImapConfig("localhost", dovecot.port, "tls", imap_account.user, imap_account.password)
    assert imap.copy_to_sent(tls, invoice()).appended
    with pytest.raises(ImapError) as caught:
        imap.copy_to_sent(ImapConfig("localhost", dovecot.port, "tls", imap_account.user,
                                     "wrong-pass"), invoice())
    assert caught.value.step == "sign-in" and "wrong-pass" not in str(caught.value.reply)


def test_an_untrusted_certificate_is_refused(dovecot, imap_account, monkeypatch, untrusted_ca):
    monkeypatch.setenv("SSL_CERT_FILE", str(untrusted_ca.ca_file))
    with pytest.raises(ImapError) as caught:
        imap.copy_to_sent(ImapConfig("localhost", dovecot.tls_port, "ssl", imap_account.user,
                                     imap_account.password), invoice())
    assert caught.value.step == "tls" and "not trusted" in caught.value.reason


@pytest.mark.parametrize(("host", "port_of", "step", "words"), [
    ("127.0.0.1", lambda d: closed_port(), "connect", "Nothing accepted"),
    ("imap.invalid", lambda d: 993, "connect", "could not be found"),
])
def test_connection_failures_are_plain(dovecot, host, port_of, step, words):
    with pytest.raises(ImapError) as caught:
        imap.list_folders(ImapConfig(host, port_of(dovecot), "ssl", "u", "p", timeout=2))
    assert caught.value.step == step and words in caught.value.reason


def test_a_silent_server_fails_within_the_deadline(silent_server):
    with pytest.raises(ImapError) as caught:
        imap.list_folders(ImapConfig("127.0.0.1", silent_server.port, "none", "u", "p",
                                     timeout=0.3, deadline=0.5))
    assert "No answer" in caught.value.reason


def test_a_message_without_message_id_is_not_copied(config):
    with pytest.raises(ImapError) as caught:
        imap.copy_to_sent(config, b"Subject: x\r\n\r\nbody\r\n")
    assert "Message-ID" in caught.value.reason


def test_ssl_chosen_for_a_plain_port_is_a_tls_error(dovecot, imap_account):
    with pytest.raises(ImapError) as caught:
        imap.list_folders(ImapConfig("127.0.0.1", dovecot.port, "ssl", imap_account.user,
                                     imap_account.password, timeout=2))
    assert caught.value.step == "tls" and "secure connection" in caught.value.reason


@pytest.mark.parametrize(("method", "host", "provider"), [
    ("gmail", "", "Gmail"), ("outlook", "", "Microsoft"),
    ("smtp", "smtp.gmail.com", "Gmail"), ("smtp", "SMTP.Office365.com", "Microsoft"),
    ("smtp", "smtp-mail.outlook.com.", "Microsoft"), ("smtp", "mail.acme.example", None),
    ("client", "", None),
])
def test_providers_that_keep_their_own_copy(method, host, provider):
    words = imap.provider_copy(method, host)
    assert (words is None) if provider is None else words.startswith(provider)


def test_a_failed_copy_reads_as_sent(dovecot, imap_account, config):
    wrong = ImapConfig("localhost", dovecot.tls_port, "ssl", imap_account.user, "wrong-pass")
    with pytest.raises(ImapError) as caught:
        imap.copy_to_sent(wrong, invoice())
    text = imap.copy_failed_text(caught.value)
    assert text.startswith("Sent; the copy in your Sent folder failed: ")
    assert "rejected the user name or password" in text

"""Delivery status notifications: asked for over SMTP where offered, and bounce reports read
from a real Dovecot INBOX without touching anything there."""

from __future__ import annotations

import base64
import email.policy
import quopri
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from webpanel.mail import bounces, dsn
from webpanel.mail.imap import ImapConfig
from webpanel.mail.imap_fetch import BadAnswer
from webpanel.mail.smtp import SmtpConfig, SmtpTransport
from webpanel.mailbase import Outgoing

TO, CC = "ann@customer.example", "bob@customer.example"


def message(message_id: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Cc"] = "sam@example.com", TO, CC
    msg["Subject"], msg["Message-ID"] = "Invoice INV-0007", message_id or make_msgid()
    msg.set_content("Please find the invoice attached.\n")
    return msg.as_bytes(policy=email.policy.SMTP)


def report(original: bytes, *, envid: str | None, failed: str = TO,
           report_type: str = "delivery-status") -> bytes:
    """A bounce as Postfix writes it: a text part, the status, the original headers."""
    headers = original.split(b"\r\n\r\n", 1)[0] + b"\r\n"
    status = (b"Reporting-MTA: dns; mx.customer.example\r\n"
              + (f"Original-Envelope-Id: {envid}\r\n".encode() if envid else b"")
              + b"Arrival-Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\n"
              + f"Final-Recipient: rfc822; {failed}\r\nOriginal-Recipient: rfc822;{failed}\r\n"
                "Action: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.customer.example\r\n"
                f"Diagnostic-Code: smtp; 550 5.1.1 <{failed}>: Recipient address rejected: "
                "User unknown\r\n".encode())
    return (b"From: MAILER-DAEMON@mail.example.com (Mail Delivery System)\r\n"
            b"To: sam@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            + f"Message-ID: {make_msgid()}\r\nMIME-Version: 1.0\r\n"
              f'Content-Type: multipart/report; report-type={report_type};\r\n'
              ' boundary="BOUND"\r\n\r\n'.encode()
            + b"--BOUND\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
            + b"--BOUND\r\nContent-Type: message/delivery-status\r\n\r\n" + status
            + b"\r\n--BOUND\r\nContent-Type: text/rfc822-headers\r\n\r\n" + headers
            + b"\r\n--BOUND--\r\n")


def test_smtp_asks_for_failure_and_delay_reports_where_offered(smtp_server_factory):
    server = smtp_server_factory(mode="plain", dsn=True)
    data = message("<inv7+x=y@example.com>")
    config = SmtpConfig(server.host, server.port, "none", "user", "secret")
    SmtpTransport(config).send(Outgoing(data, "sam@example.com", (TO, CC)))
    [got] = server.wait_for_messages(1)
    assert got.dsn_mail == ["RET=HDRS", "ENVID=inv7+2Bx+3Dy@example.com"]
    assert got.dsn_rcpt == {TO: ["NOTIFY=FAILURE,DELAY"], CC: ["NOTIFY=FAILURE,DELAY"]}
    assert got.data == data


def test_no_dsn_parameters_where_the_server_does_not_offer_it(smtp_server_factory):
    server = smtp_server_factory(mode="plain")
    config = SmtpConfig(server.host, server.port, "none", "user", "secret")
    SmtpTransport(config).send(Outgoing(message(), "sam@example.com", (TO,)))
    [got] = server.wait_for_messages(1)
    assert got.mail_options == [] and got.dsn_mail == [] and got.dsn_rcpt == {}


def test_long_message_ids_get_a_short_envid():
    assert len(dsn.envid_for("<" + "a" * 200 + "@example.com>")) <= 100
    assert dsn.envid_for("<abc@example.com>") == "abc@example.com"


@pytest.fixture
def inbox(dovecot, imap_account):
    config = ImapConfig("127.0.0.1", dovecot.port, "none", imap_account.user,
                        imap_account.password, timeout=5)
    return dovecot, imap_account, config


def flags(dovecot, account) -> list[bytes]:
    with dovecot.connect(account) as client:
        client.select("INBOX", readonly=True)
        _, data = client.fetch("1:*", "(FLAGS)")
    return data


def test_a_bounce_marks_the_right_recipient_and_touches_nothing(inbox):
    dovecot, account, config = inbox
    sent, other = message(), message()
    sent_id = email.message_from_bytes(sent)["Message-ID"]
    other_id = email.message_from_bytes(other)["Message-ID"]
    ordinary = b"From: ann@customer.example\r\nSubject: thanks\r\n\r\nGot it.\r\n"
    receipt = report(other, envid=None, report_type="disposition-notification")
    bounce = report(sent, envid=dsn.envid_for(sent_id))
    for data in (ordinary, receipt, bounce):
        dovecot.append(account, "INBOX", data)
    before = flags(dovecot, account)

    scan = bounces.scan_inbox(config)
    known = {dsn.envid_for(sent_id): "INV-0007", dsn.envid_for(other_id): "INV-0008"}
    [(doc, status)] = bounces.match(scan.bounces, known)
    assert doc == "INV-0007" and status.recipient == TO and status.action == "failed"
    assert status.status == "5.1.1"
    assert status.summary == f"550 5.1.1 <{TO}>: Recipient address rejected: User unknown"
    assert dovecot.messages(account, "INBOX") == [ordinary, receipt, bounce]
    assert flags(dovecot, account) == before and b"\\Seen" not in b" ".join(before)

    again = bounces.scan_inbox(config, scan.uidvalidity, scan.last_uid)
    assert again.bounces == () and again.last_uid == scan.last_uid


def test_a_bounce_without_envid_matches_by_message_id(inbox):
    dovecot, account, config = inbox
    sent = message()
    dovecot.append(account, "INBOX", report(sent, envid=None, failed=CC))
    scan = bounces.scan_inbox(config)
    sent_id = email.message_from_bytes(sent)["Message-ID"]
    [(doc, status)] = bounces.match(scan.bounces, {dsn.envid_for(sent_id): "INV-0009"})
    assert doc == "INV-0009" and status.recipient == CC


def test_only_new_reports_after_the_last_visit(inbox):
    dovecot, account, config = inbox
    first, second = message(), message()
    dovecot.append(account, "INBOX", report(first, envid="first"))
    scan = bounces.scan_inbox(config)
    dovecot.append(account, "INBOX", report(second, envid="second"))
    later = bounces.scan_inbox(config, scan.uidvalidity, scan.last_uid)
    assert [b.envid for b in later.bounces] == ["second"]
    fresh = bounces.scan_inbox(config, scan.uidvalidity + 1, scan.last_uid)  # folder recreated
    assert [b.envid for b in fresh.bounces] == ["first", "second"]


def returned_whole(original: bytes, failed: str = TO) -> bytes:
    """A report without ENVID that returns the whole message (message/rfc822), as Exchange
    and Gmail do."""
    plain = report(original, envid=None, failed=failed)
    return (plain.replace(b"Content-Type: text/rfc822-headers\r\n\r\n",
                          b"Content-Type: message/rfc822\r\n\r\n")
            .replace(b"\r\n--BOUND--", b"\r\nPlease find the invoice attached.\r\n--BOUND--"))


def test_a_first_look_finds_the_message_by_envid_or_returned_message_id(inbox):
    dovecot, account, config = inbox
    by_envid, by_id, stranger = message(), message(), message()
    ids = [email.message_from_bytes(m)["Message-ID"] for m in (by_envid, by_id, stranger)]
    for data in (report(by_envid, envid=dsn.envid_for(ids[0])), returned_whole(by_id, CC),
                 returned_whole(stranger)):
        dovecot.append(account, "INBOX", data)
    known = {dsn.envid_for(ids[0]), dsn.envid_for(ids[1])}
    scan = bounces.scan_inbox(config, known=known)
    assert [(b.uid, b.recipients[0].recipient) for b in scan.bounces] == [(1, TO), (2, CC)]
    assert scan.last_uid == 3 and scan.remaining == 0 and scan.looked == 3


def encoded_headers(original: bytes, encoding: str) -> bytes:
    """A report whose returned headers are base64 or quoted-printable, as some servers send."""
    plain = report(original, envid=None, failed=TO)
    head, rest = plain.split(b"Content-Type: text/rfc822-headers\r\n\r\n")
    headers = rest.removesuffix(b"\r\n--BOUND--\r\n")
    body = (base64.encodebytes(headers).replace(b"\n", b"\r\n") if encoding == "base64"
            else quopri.encodestring(headers.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n"))
    return (head + b"Content-Type: text/rfc822-headers\r\nContent-Transfer-Encoding: "
            + encoding.encode() + b"\r\n\r\n" + body + b"\r\n--BOUND--\r\n")


@pytest.mark.parametrize("encoding", ["base64", "quoted-printable"])
def test_a_first_look_reads_returned_headers_the_sender_encoded(inbox, encoding):
    dovecot, account, config = inbox
    sent = message(make_msgid(idstring="x" * 90))  # a long id: quoted-printable folds it
    dovecot.append(account, "INBOX", encoded_headers(sent, encoding))
    sent_id = email.message_from_bytes(sent)["Message-ID"]
    scan = bounces.scan_inbox(config, known={dsn.envid_for(sent_id)})
    [(doc, status)] = bounces.match(scan.bounces, {dsn.envid_for(sent_id): "INV-0011"})
    assert doc == "INV-0011" and status.recipient == TO


ATOMS = st.sampled_from([b"1", b"7", b"UID", b"RFC822.SIZE", b"BODY[2]<0>", b"BODY[3]",
                         b"BODY[HEADER.FIELDS (CONTENT-TYPE)]<0>", b"NIL", b"(", b")", b'"',
                         b'"a\\"b"', b"{3}", b"4294967296", b"-1", b"\xff", b"[", b"]", b" "])
PIECES = st.one_of(st.binary(max_size=20), st.lists(ATOMS, max_size=12).map(b" ".join))
ANSWERS = st.lists(st.one_of(PIECES, st.none(), st.tuples(PIECES, st.binary(max_size=20))),
                   max_size=8)


@settings(max_examples=300, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(ANSWERS)
@example([b"1 " + b"(" * 5_000])  # deeper than any FETCH answer
@example([(b"1 (UID 7 RFC822.SIZE 9 BODY[2]<0> {3}", b"abc"), b")"])
def test_any_fetch_answer_reads_or_is_a_plain_imap_error(answer):
    try:
        found = bounces.looks(answer)
    except BadAnswer as error:  # imap.session words it for people (test_bounce_flood)
        assert str(error)
    else:
        assert all(isinstance(look.keys(), set | None) for look in found.values())

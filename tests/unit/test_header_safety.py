"""Headers that cannot break, 7-bit bodies, a real Date offset, and international addresses
in the one message builder."""

from __future__ import annotations

import email
import time
from datetime import datetime, timedelta
from email import policy
from email.utils import parsedate_to_datetime

import pytest

from webpanel.mail.builder import Attachment, Draft, MessageRejected, build
from webpanel.mail.international import check_api, needs_smtputf8, wire_address
from webpanel.mailbase import MailError, Outgoing
from webpanel.validators import header_problem, parse_address_list

BREAKERS = ["\r", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029",
            "\x00", "\x01", "\x1b", "\x7f", "\x9b", "\t"]
UTF8 = policy.default.clone(utf8=True)


def draft(**changes) -> Draft:
    values = dict(from_name="Zoë Müller", from_address="zoe@example.com", to=["pat@example.org"],
                  subject="Invoice INV-0001", text="Grüße, Pat!\n\nThe total is 1.234,56 €.",
                  signature="Zoë", bcc=["zoe@example.com"])
    values.update(changes)
    return Draft(**values)


def parse(outgoing: Outgoing):
    """Parse as a reader of RFC 6532 mail would (UTF-8 headers read as text)."""
    return email.message_from_string(outgoing.data.decode("utf-8"), policy=UTF8)


# --- control characters ---------------------------------------------------------------------

@pytest.mark.parametrize("character", BREAKERS)
def test_the_validator_refuses_every_control_and_line_separator(character):
    assert header_problem(f"Hello{character}Bcc: x@example.net")
    with pytest.raises(ValueError):
        parse_address_list(f"a@example.org{character}, b@example.org")


@pytest.mark.parametrize("text", ["Zoë Müller", "東京オフィス", "Invoice – 10 €", "שלום", "☕"])
def test_letters_of_any_script_pass(text):
    assert header_problem(text) is None


@pytest.mark.parametrize("character", BREAKERS)
@pytest.mark.parametrize(("field", "value", "form_field"), [
    ("subject", "Hi{}there", "subject"), ("from_name", "Zoë{}Müller", "display_name"),
    ("to", ["pat@example.org{}"], "to"), ("cc", ["a@example.org{}"], "cc"),
    ("bcc", ["b@example.org{}"], "bcc"), ("reply_to", "r@example.org{}", "reply_to"),
])
def test_the_builder_refuses_what_slipped_past_a_form(character, field, value, form_field):
    filled = ([v.format(character) for v in value] if isinstance(value, list)
              else value.format(character))
    with pytest.raises(MessageRejected) as refused:
        build(draft(**{field: filled}))
    error = refused.value
    assert isinstance(error, MailError) and error.form_field == form_field
    assert "cannot go in an email header" in error.reason and not error.retryable


def test_an_attachment_name_with_a_control_character_is_refused():
    with pytest.raises(MessageRejected) as refused:
        build(draft(attachments=[Attachment("a\x0b.pdf", "application/pdf", b"%PDF-1.4")]))
    assert refused.value.form_field == "files"


# --- 7-bit bodies and the Date header -------------------------------------------------------

def test_non_ascii_text_goes_quoted_printable_so_every_byte_is_7_bit():
    outgoing = build(draft(text="Grüße " + "ä" * 300))
    assert outgoing.data.isascii()
    assert all(len(line) <= 998 for line in outgoing.data.split(b"\r\n"))
    message = parse(outgoing)
    for subtype in ("plain", "html"):
        part = message.get_body((subtype,))
        assert part["Content-Transfer-Encoding"] == "quoted-printable"
    assert message.get_body(("plain",)).get_content().startswith("Grüße " + "ä" * 300)
    assert b"8bit" not in outgoing.data.lower()


@pytest.fixture
def berlin(monkeypatch):
    """The machine's clock set to Berlin (UTC+1 in winter)."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_date_header_carries_the_real_offset(berlin):
    header = parse(build(draft()))["Date"]
    sent = parsedate_to_datetime(str(header))
    assert not str(header).endswith("-0000") and sent.utcoffset() in (timedelta(hours=1),
                                                                     timedelta(hours=2))
    assert abs(sent - datetime.now().astimezone()) < timedelta(minutes=5)


# --- international addresses ----------------------------------------------------------------

def test_an_accented_domain_goes_as_idna_and_needs_nothing_special():
    outgoing = build(draft(from_address="zoe@exämple.net", to=["Pat@Bücher.example"],
                           bcc=["boss@exämple.net"]))
    assert outgoing.sender == "zoe@xn--exmple-cua.net"
    assert outgoing.recipients == ("Pat@xn--bcher-kva.example", "boss@xn--exmple-cua.net")
    assert outgoing.data.isascii()
    message = parse(outgoing)
    assert message["To"].addresses[0].addr_spec == "Pat@xn--bcher-kva.example"
    assert message["Message-ID"].endswith("@xn--exmple-cua.net>")
    assert not needs_smtputf8(outgoing.sender)


def test_an_accented_local_part_is_written_as_utf8_headers():
    outgoing = build(draft(to=["josé@example.net"], cc=["ana@exämple.net"]))
    assert outgoing.recipients[:2] == ("josé@example.net", "ana@xn--exmple-cua.net")
    header = outgoing.data.split(b"\r\n\r\n")[0]
    assert "To: josé@example.net".encode() in header and b"=?utf-8?" not in header
    message = parse(outgoing)
    assert message["To"].addresses[0].addr_spec == "josé@example.net"
    assert message["From"].addresses[0].display_name == "Zoë Müller"
    assert message.get_body(("plain",))["Content-Transfer-Encoding"] == "quoted-printable"


def test_wire_address_leaves_ascii_alone_and_refuses_junk():
    assert wire_address("pat@example.org") == "pat@example.org"
    assert wire_address("josé@bücher.example") == "josé@xn--bcher-kva.example"
    with pytest.raises(ValueError):
        wire_address("not an address ü")


@pytest.mark.parametrize(("method", "sender", "to", "step"), [
    ("gmail", "sam@example.com", "josé@example.net", None),
    ("gmail", "josé@example.net", "pat@example.org", "sender"),
    ("outlook", "sam@example.com", "josé@example.net", "recipient"),
    ("outlook", "sam@example.com", "pat@xn--bcher-kva.example", None),
    ("smtp", "josé@example.net", "josé@example.net", None),
])
def test_what_the_apis_accept(method, sender, to, step):
    outgoing = Outgoing(b"x", sender, (to,))
    if step is None:
        check_api(method, outgoing)
        return
    with pytest.raises(MailError) as refused:
        check_api(method, outgoing)
    assert refused.value.step == step and not refused.value.retryable
    assert "without accents" in refused.value.hint

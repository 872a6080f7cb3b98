"""The one message builder: headers, bodies, envelope, and refusing header injection."""

from __future__ import annotations

import email
from email import policy

import pytest

from webpanel.mail.builder import Attachment, Draft, MessageRejected, build


def draft(**changes) -> Draft:
    values = dict(from_name="Zoë Müller", from_address="zoe@example.com", to=["pat@example.org"],
                  subject="Invoice INV-0001", text="Hello Pat,\n\nPlease find it attached.",
                  signature="Zoë\nAcme", bcc=["zoe@example.com"])
    values.update(changes)
    return Draft(**values)


def parse(outgoing):
    return email.message_from_bytes(outgoing.data, policy=policy.default)


def test_from_uses_the_display_name_encoded_for_the_wire():
    outgoing = build(draft())
    raw = outgoing.data
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0]
    sender = parse(outgoing)["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Zoë Müller", "zoe@example.com")


def test_bcc_lives_only_in_the_envelope():
    outgoing = build(draft(cc=["accounts@example.org"]))
    message = parse(outgoing)
    assert message["Bcc"] is None and b"Bcc:" not in outgoing.data
    assert outgoing.recipients == ("pat@example.org", "accounts@example.org", "zoe@example.com")


def test_text_and_html_alternatives_carry_the_signature():
    message = parse(build(draft(text="Total: <b>5</b>")))
    plain = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    assert plain.endswith("-- \nZoë\nAcme\n")
    assert "&lt;b&gt;5&lt;/b&gt;" in html and "Zoë<br>Acme" in html


def test_date_and_message_id():
    message = parse(build(draft()))
    assert message["Date"] and message["Message-ID"].endswith("@example.com>")


def test_attachments_round_trip():
    pdf = b"%PDF-1.4 fake body"
    message = parse(build(draft(attachments=[Attachment("Invoice-1.pdf", "application/pdf",
                                                       pdf)])))
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "Invoice-1.pdf" and part.get_content() == pdf


@pytest.mark.parametrize("field", ["subject", "from_name", "from_address"])
def test_line_breaks_in_headers_are_refused(field):
    with pytest.raises(MessageRejected):
        build(draft(**{field: "x\r\nBcc: victim@example.org"}))


def test_line_breaks_in_recipients_are_refused():
    with pytest.raises(MessageRejected):
        build(draft(to=["pat@example.org\nBcc: victim@example.org"]))

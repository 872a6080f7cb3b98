"""The preview lists a message's attachments with a quick reading of its MIME; the list is the
same as the exact (header-object) reading gives, whatever the attachments are called."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage

import pytest

from webpanel.outbox import preview

ENCODED_WORDS = (
    b'From: a@example.com\r\nMIME-Version: 1.0\r\n'
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    b'--b\r\nContent-Type: text/plain\r\n\r\nHello\r\n'
    b'--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n'
    b'Content-Disposition: attachment; filename="=?utf-8?q?R=C3=A9sum=C3=A9.pdf?="\r\n\r\n'
    b'JVBERi0xLjQK\r\n'
    b'--b\r\nContent-Type: application/octet-stream; name="caf\xc3\xa9.csv"\r\n'
    b'Content-Disposition: attachment\r\n\r\nx\r\n--b--\r\n')


def made(names: list[str], sent_with=policy.SMTP) -> bytes:
    """A message as the panel makes one: text and HTML, then PDFs named `names` and a CSV
    with no name."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "Hi"
    message.set_content("Hello\n")
    message.add_alternative("<p>Hello</p>", subtype="html")
    for name in names:
        message.add_attachment(b"%PDF-1.4 " + b"x" * 3000, maintype="application",
                               subtype="pdf", filename=name)
    message.add_attachment(b"a,b\n", maintype="text", subtype="csv")
    return message.as_bytes(policy=sent_with)


@pytest.mark.parametrize("mime", [
    made([]),
    made(["Invoice INV-0042.pdf"]),
    made(["Rechnung Müller.pdf", "a" * 120 + " é.pdf", "请款单.pdf"]),
    made(["Rechnung Müller.pdf"], policy.SMTPUTF8),  # raw UTF-8 in the header
    ENCODED_WORDS,
], ids=["none", "ascii", "rfc2231", "8bit", "encoded-words"])
def test_the_quick_list_is_the_exact_list(mime):
    exact = preview.attachments(preview.parse(mime))
    assert preview.listed_attachments(mime) == exact
    assert [item.index for item in exact] == list(range(len(exact)))


def test_names_sizes_and_types_are_listed():
    found = preview.listed_attachments(made(["Rechnung Müller.pdf"]))
    assert [(a.filename, a.content_type, a.size, a.is_pdf) for a in found] == [
        ("Rechnung Müller.pdf", "application/pdf", 3009, True),
        ("attachment-2", "text/csv", 4, False)]
    odd = preview.listed_attachments(ENCODED_WORDS)
    assert [a.filename for a in odd] == ["Résumé.pdf", "café.csv"]

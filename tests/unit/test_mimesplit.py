"""Taking the largest attachments out of exact MIME bytes, leaving every other byte alone."""

from __future__ import annotations

import email.policy
import os
from email.message import EmailMessage

from webpanel.mail import mimesplit


def message(big: bytes, small: bytes = b"%PDF small") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@example.com", "b@example.com", "Invoice"
    msg.set_content("Plain text.")
    msg.add_alternative("<p>HTML</p>", subtype="html")
    msg.add_attachment(small, maintype="application", subtype="pdf", filename="inv.pdf")
    msg.add_attachment(big, maintype="image", subtype="png", filename="plan.png",
                       disposition="inline", cid="<plan@example.com>")
    return msg.as_bytes(policy=email.policy.SMTP)


def test_the_largest_file_comes_out_and_nothing_else_changes():
    big = os.urandom(300_000)
    original = message(big)
    split = mimesplit.split(original, fits=50_000)
    [taken] = split.attachments
    assert taken == mimesplit.Attachment("plan.png", "image/png", big, True, "plan@example.com")
    removed = len(original) - len(split.skeleton)
    start = next(i for i in range(len(split.skeleton)) if split.skeleton[i] != original[i])
    assert original[:start] + original[start + removed:] == split.skeleton
    rest = email.message_from_bytes(split.skeleton, policy=email.policy.default)
    assert [p.get_filename() for p in rest.iter_attachments()] == ["inv.pdf"]
    assert rest.get_body(("html",)).get_content().strip() == "<p>HTML</p>"


def test_nothing_to_take_or_still_too_large():
    assert mimesplit.split(b"Subject: x\r\n\r\nbody\r\n", fits=5) is None
    assert mimesplit.split(message(os.urandom(1000)), fits=100) is None


def test_a_boundary_that_starts_like_another_is_not_confused():
    body = (b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
            b'--b1\r\nContent-Type: multipart/alternative; boundary="b12"\r\n\r\n'
            b"--b12\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b12--\r\n"
            b'--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; '
            b'filename="x.pdf"\r\n\r\n' + b"x" * 500 + b"\r\n--b1--\r\n")
    split = mimesplit.split(body, fits=300)
    assert [a.name for a in split.attachments] == ["x.pdf"]
    assert b"--b12--" in split.skeleton and split.skeleton.endswith(b"\r\n--b1--\r\n")

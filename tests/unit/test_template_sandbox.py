"""The template sandbox, the default templates, and attachment names and types."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from webpanel.mail.attachments import safe_filename, sniff_type
from webpanel.mailtemplates.defaults import DEFAULT_BODIES, DEFAULT_SUBJECTS
from webpanel.mailtemplates.render import TemplateProblem, check, render
from webpanel.mailtemplates.values import PLACEHOLDERS, sample_values, values_for


def document(due=None, person="Zoë Müller"):
    contact = SimpleNamespace(name="Müller & Søn", contact_person=person)
    doc = SimpleNamespace(title="Invoice", number="INV-0042", total=Decimal("1234.5"),
                          date=datetime.date(2025, 11, 24), contact=contact, currency="USD",
                          due_date=due)
    return doc


def values(**kwargs):
    sender = SimpleNamespace(display_name="Sam Søren", address="sam@example.com")
    return values_for(document(**kwargs), sender, SimpleNamespace(name="Acme", locale="en_US"))


@pytest.mark.parametrize("kind", list(DEFAULT_BODIES))
def test_each_default_is_accepted_and_reads_well(kind):
    check(DEFAULT_SUBJECTS[kind])
    body = render(DEFAULT_BODIES[kind], values())
    assert body.startswith("Dear Zoë Müller,") and "INV-0042" in body and "1,234.50" in body
    assert body.rstrip().endswith("Kind regards,") and "Sam Søren" not in body


def test_the_invoice_names_the_due_date_only_when_there_is_one():
    assert "due" not in render(DEFAULT_BODIES["invoice"], values())
    due = render(DEFAULT_BODIES["invoice"], values(due=datetime.date(2025, 12, 24)))
    assert "Payment is due by Dec 24, 2025." in due


def test_no_contact_person_means_a_plain_hello():
    assert render(DEFAULT_BODIES["invoice"], values(person="")).startswith("Hello,")


def test_every_listed_placeholder_renders():
    for name in PLACEHOLDERS:
        render("{{ " + name + " }}", sample_values("Invoice", SimpleNamespace(
            name="Acme", locale="en_US", currency_code="USD")))


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}", "{{ contact.__class__ }}",
    "{{ contact.name.__class__ }}", "{{ config.items() }}", "{{ request }}",
    "{% include 'base.html' %}", "{% extends 'base.html' %}", "{% import 'x' as y %}",
    "{% from 'x' import y %}", "{% for c in contact %}{{ c }}{% endfor %}",
    "{% set x = 1 %}", "{% macro m() %}{% endmacro %}", "{{ range(99999999) }}",
    "{{ contact.name * 1000000 }}", "{{ 9 ** 999999 }}", "{{ lipsum() }}",
    "{{ contact.name.format(contact) }}", "{% raw %}{% endraw %}{{ x }}",
])
def test_escapes_are_refused_before_anything_runs(source):
    with pytest.raises(TemplateProblem):
        check(source)


def test_a_problem_names_its_line():
    with pytest.raises(TemplateProblem, match=r"^Line 3: "):
        check("Hello\n\n{{ document.nmber }}")


@pytest.mark.parametrize(("data", "expected"), [
    (b"%PDF-1.7 ...", "application/pdf"), (b"\x89PNG\r\n\x1a\nxxxx", "image/png"),
    (b"\xff\xd8\xff\xe0", "image/jpeg"), (b"MZ\x90\x00\x03\x00", "application/octet-stream"),
    (b"date,hours\n1,2\n", "text/plain"), ("Grüße".encode() * 30000, "text/plain"),
    (b"PK\x03\x04....[Content_Types].xml....word/document.xml",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
])
def test_the_type_comes_from_the_content(data, expected):
    assert sniff_type(data) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\x\\Terms.pdf", "Terms.pdf"),
    ("a\r\nBcc: x@y.example.pdf", "a-Bcc- x-y.example.pdf"), ('"quoted";.pdf', "quoted-.pdf"),
    ("Übersicht März.xlsx", "Ubersicht Marz.xlsx"), ("...", "attachment"),
    ("x" * 300 + ".pdf", "x" * 90 + ".pdf"),
])
def test_file_names_are_made_safe(name, expected):
    assert safe_filename(name) == expected

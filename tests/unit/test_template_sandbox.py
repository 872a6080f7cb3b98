"""The template sandbox, the default templates, and attachment names and types."""

from __future__ import annotations

import datetime
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from webpanel.mail.attachments import safe_filename, sniff_type
from webpanel.mailtemplates.defaults import DEFAULT_BODIES, DEFAULT_SUBJECTS
from webpanel.mailtemplates.limits import MAX_CHARS, MAX_DEPTH, nesting
from webpanel.mailtemplates.render import TemplateProblem, check, environment, render
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


def test_no_contact_person_means_dear_sir_or_madam():
    assert render(DEFAULT_BODIES["invoice"], values(person="")).startswith("Dear Sir or Madam,")


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
    "{{ greeting }}", "{{ greeting.__class__ }}", "{{ greeting.items() }}", "{{ greeting.keys }}",
    "{{ greeting.dear.__class__ }}", "{{ greeting['dear'] }}",
])
def test_escapes_are_refused_before_anything_runs(source):
    with pytest.raises(TemplateProblem):
        check(source)


def test_a_problem_names_its_line():
    with pytest.raises(TemplateProblem, match=r"^Line 3: "):
        check("Hello\n\n{{ document.nmber }}")


def brackets(n: int) -> str:
    """n brackets around a placeholder: n + 1 levels (the placeholder's dot is one)."""
    return "{{ " + "(" * n + "document.number" + ")" * n + " }}"


def nots(n: int) -> str:
    """n chained `not` in an {% if %}: n + 2 levels (the block and the dot)."""
    return "{% if " + "not " * n + "document.number %}x{% endif %}"


def ifs(n: int) -> str:
    """n nested {% if %} blocks: n + 1 levels at the innermost condition."""
    return "{% if document.number %}" * n + "x" + "{% endif %}" * n


@pytest.mark.parametrize(("source", "depth"), [
    ("Plain text (with (brackets)) is not counted", 0), ("{{ document.number }}", 1),
    (DEFAULT_BODIES["invoice"], 1), (brackets(3), 4), (nots(3), 5), (ifs(3), 4),
    ("{% if contact.person and document.due_date %}x{% endif %}", 4),
    ("{{ " + "-" * 7 + "document.number }}", 8), ("{% set x = [1, 2] %}{{ x }}", 1),
    ("{% for a in b %}{% if c %}{% endif %}{% endfor %}{% if d %}{% endif %}", 2),
])
def test_nesting_counts_blocks_brackets_and_operators(source, depth):
    assert nesting(source, environment().lex)[0] == depth


@pytest.mark.parametrize("make", [brackets, nots, ifs])
def test_the_deepest_template_allowed_renders_and_one_level_more_is_refused(make):
    n = next(n for n in range(1, MAX_DEPTH + 1) if nesting(make(n), environment().lex)[0]
             == MAX_DEPTH)
    values = sample_values("Invoice", SimpleNamespace(name="Acme", locale="en_US",
                                                      currency_code="USD"))
    render(make(n), values)
    with pytest.raises(TemplateProblem, match=r"^Line 1: This template is nested too deeply"):
        check(make(n + 1))


def test_the_longest_template_allowed_is_accepted_and_one_character_more_is_refused():
    check("x" * MAX_CHARS)
    with pytest.raises(TemplateProblem, match=f"{MAX_CHARS + 1:,} characters long"):
        check("x" * (MAX_CHARS + 1))
    with pytest.raises(TemplateProblem, match="nested too deeply"):  # depth first: one fix
        check(ifs(1200))


def test_a_recursion_error_inside_jinja_is_still_a_plain_problem():
    """The last net: should a template within the limits still recurse too far (a smaller
    recursion limit here), the answer is a TemplateProblem, not a RecursionError."""
    frames, frame = 0, sys._getframe()
    while frame:
        frames, frame = frames + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(frames + 60)
    try:
        with pytest.raises(TemplateProblem, match="nested too deeply"):
            check(brackets(MAX_DEPTH - 1))
    finally:
        sys.setrecursionlimit(limit)


SMALL_STACK = textwrap.dedent("""
    import threading
    from webpanel.mailtemplates.render import TemplateProblem, check
    from tests.unit.test_template_sandbox import brackets, nots, ifs
    from webpanel.mailtemplates.limits import MAX_DEPTH

    def run():
        for make in (brackets, nots, ifs):
            check(make(MAX_DEPTH - 2))
            for n in (150, 3000):
                try:
                    check(make(n))
                except TemplateProblem:
                    print("refused", make.__name__, n)

    threading.stack_size(128 * 1024)
    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
""")


def test_a_worker_thread_with_a_small_stack_survives_every_hostile_template():
    """Beyond about 90 levels Jinja crashes a 128 KB thread outright (a segfault, no
    RecursionError to catch), as a gunicorn worker thread may have; checked in a child."""
    done = subprocess.run([sys.executable, "-c", SMALL_STACK], capture_output=True, text=True,
                          timeout=120, check=False, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("refused") == 6, done.stderr[-2000:]


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
    ("a\r\nBcc: x@y.example.pdf", "a-Bcc- x@y.example.pdf"), ('"quoted";.pdf', "quoted-.pdf"),
    ("Übersicht März.xlsx", "Übersicht März.xlsx"), ("...", "attachment"),
    ("U\u0308bersicht.pdf", "Übersicht.pdf"), ("見積書 2026.pdf", "見積書 2026.pdf"),
    ("invoice\u202efdp.exe", "invoice-fdp.exe"), ("a\u200bb\u00a0c.pdf", "a-b c.pdf"),
    ("a\u2028b.pdf", "a-b.pdf"),
    ("x" * 300 + ".pdf", "x" * 90 + ".pdf"),
])
def test_file_names_are_made_safe(name, expected):
    assert safe_filename(name) == expected


def test_a_template_is_compiled_once_and_filled_anew_for_each_document() -> None:
    from webpanel.mailtemplates.render import compiled

    source = "Invoice {{ document.number }} for {{ contact.person }} (compiled once)"
    before = compiled.cache_info()
    first = render(source, values())
    second = render(source, values(person="Ann Lee"))
    after = compiled.cache_info()
    assert first.endswith("for Zoë Müller (compiled once)")
    assert second.endswith("for Ann Lee (compiled once)")
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)


def test_a_bad_template_is_refused_every_time_not_kept() -> None:
    for _ in range(2):
        with pytest.raises(TemplateProblem, match="Unknown placeholder"):
            render("{{ document.secret }}", values())

"""The table of document kinds: every entry has all the panel needs, and nothing clashes."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from werkzeug.routing import Map, Rule

from webpanel.contacts.services import GROUPS
from webpanel.documents.forms import OPTIONAL_FIELDS
from webpanel.documents.kinds import KINDS, DocumentKind, by_slug, slug_rule
from webpanel.documents.sample import CONTACTS
from webpanel.mailtemplates.defaults import DEFAULT_BODIES, DEFAULT_SUBJECTS
from webpanel.mailtemplates.render import check

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
ENTRIES = list(KINDS.values())
KEY_WIDTH = 20  # documents.kind, document_counters.kind, mail_templates.kind: String(20)


def test_keys_slugs_prefixes_and_names_are_unique() -> None:
    for attribute in ("key", "slug", "prefix", "title", "plural"):
        values = [getattr(kind, attribute) for kind in ENTRIES]
        assert len(set(values)) == len(values), f"two kinds share a {attribute}: {values}"


@pytest.mark.parametrize("kind", ENTRIES, ids=lambda kind: kind.key)
def test_each_kind_is_complete(kind: DocumentKind) -> None:
    assert all([kind.title, kind.plural, kind.email_subject.strip(), kind.email_text.strip()])
    assert re.fullmatch(r"[a-z][a-z_]*", kind.key) and len(kind.key) <= KEY_WIDTH
    assert re.fullmatch(r"[a-z][a-z-]*", kind.slug)
    assert re.fullmatch(r"[A-Z]+", kind.prefix) and len(f"{kind.prefix}-0000") <= KEY_WIDTH
    assert kind.contact_kind in GROUPS.values()
    assert set(kind.fields) <= set(OPTIONAL_FIELDS)
    assert kind.samples, "the sample data has no document of this kind"


@pytest.mark.parametrize("kind", ENTRIES, ids=lambda kind: kind.key)
def test_each_kind_has_a_pdf_template_on_the_base(kind: DocumentKind) -> None:
    template = TEMPLATES / kind.pdf_template
    assert template.is_file(), f"missing {kind.pdf_template}"
    assert '{% extends "documents/pdf/_base.html" %}' in template.read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", ENTRIES, ids=lambda kind: kind.key)
def test_each_kind_has_usable_default_email_templates(kind: DocumentKind) -> None:
    check(DEFAULT_SUBJECTS[kind.key])
    check(DEFAULT_BODIES[kind.key])


@pytest.mark.parametrize("kind", ENTRIES, ids=lambda kind: kind.key)
def test_each_sample_names_a_sample_contact_of_the_kind(kind: DocumentKind) -> None:
    contacts = CONTACTS[kind.contact_kind]
    for sample in kind.samples:
        assert 0 <= sample.contact < len(contacts)
        assert sample.items and Decimal(sample.tax_rate) >= 0
        assert all(Decimal(quantity) > 0 and Decimal(price) >= 0
                   for _description, quantity, price in sample.items)


def test_the_route_accepts_every_slug_and_finds_its_kind() -> None:
    urls = Map([Rule(f"/{slug_rule()}/", endpoint="list")]).bind("panel.example")
    for kind in ENTRIES:
        assert by_slug(urls.match(f"/{kind.slug}/")[1]["slug"]) is kind


def test_reading_the_table_loads_no_feature_code() -> None:
    """Contacts, mail templates and the renderer read the table: it must not pull in views."""
    code = ("import sys, webpanel.documents.kinds; print(*sorted(m for m in sys.modules "
            "if m.startswith(('webpanel.documents', 'webpanel.contacts', 'webpanel.mail'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60).stdout.split()
    assert loaded == ["webpanel.documents", "webpanel.documents.kinds"]

"""Bad input anywhere gets a plain answer, never a 500: every route, with junk, as an admin."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Htmx
from webpanel.documents.sample import load_sample_data

JUNK = {
    "email": "x\r\nBcc: a@b.c", "password": "\x00" * 3, "address": "<>" * 200,
    "display_name": "\u202e" * 500, "smtp_port": "-1e309", "smtp_security": "☃",
    "send_using": "fax", "to": ";;,,", "cc": "@", "bcc": "a@@b", "subject": "\n",
    "body": "\ud7ff" * 10, "idempotency_key": "../../etc", "test_to": "x", "test_subject": "",
    "tax_rate": "NaN", "date": "2026-02-31", "contact_id": "-5", "quantity-0": "1e999",
    "unit_price-0": "inf", "description-0": "x" * 5000, "name": "", "q": "%_%' OR 1=1 --",
    "reply_to": "a@b.c\r\nX: y", "default_cc": ",;@", "default_bcc": "\x00",
    "template_files": "-1", "files": "not-a-file", "file": "x",
    "microsoft_tenant": "../..", "is_admin": "maybe", "page": "-3", "before": "999999999999999",
}
SKIP = {"auth.logout", "static"}


NAMED = {"tab": "gmail", "provider": "google"}


def _fill(rule: str) -> str:
    """A concrete path: ids 1, the first choice of an any(...) converter, named values."""
    def value(match: re.Match) -> str:
        converter, name = match.group(1) or "", match.group(2)
        if converter.startswith("any("):
            return converter[4:].split(",")[0].strip(" '\")")
        return NAMED.get(name, "1")

    return re.sub(r"<(?:([^:>]+):)?([a-z_]+)>", value, rule)


def _urls(app) -> list[tuple[str, str]]:
    """Every GET and POST route; deletions last so the others still find their rows."""
    found = [(method, _fill(rule.rule)) for rule in app.url_map.iter_rules()
             if rule.endpoint not in SKIP for method in sorted(rule.methods & {"GET", "POST"})]
    return sorted(found, key=lambda item: item[0] == "POST" and "delete" in item[1])


@pytest.fixture
def busy_admin(app, admin_client, admin_id):
    """An admin with sample documents and one failed message in Sent mail."""
    with app.app_context():
        load_sample_data()
    hx = Htmx(admin_client, f"/users/{admin_id}/email/general")
    hx.post(f"/users/{admin_id}/email/general", {"address": "admin@example.com"})
    html = hx.get("/documents/1/email").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    hx.post("/documents/1/email", {"to": "pat@example.org", "subject": "s", "body": "b",
                                   "idempotency_key": key})
    assert hx.client.get("/sent/1").status_code == 200
    return hx


def test_every_route_answers_junk_without_a_500(app, busy_admin):
    failures = []
    for method, path in _urls(app):
        for htmx in (True, False):
            if method == "GET":
                response = busy_admin.client.get(path, query_string=JUNK,
                                                 headers={"HX-Request": "true"} if htmx else {})
            else:
                response = busy_admin.post(path, JUNK, htmx=htmx)
            if response.status_code >= 500:
                failures.append((method, path, htmx, response.status_code))
    assert failures == []

"""Every signed-in page within 3x of the app's cheapest signed-in page, at 100,000 rows.

The pages are the GET routes of `app.url_map`, each with its addresses filled from the seeded
rows (a middle invoice, customer, vendor and message; every choice of a kind or tab), asked
for as a browser loads them (no HX-Request). An answer that is not a whole page (a redirect, an
htmx fragment, a download) is left out and said so; SKIPPED lists the endpoints left out
before asking, and why.
"""

from __future__ import annotations

from itertools import product

from bench import seed
from bench.harness import Row, interleaved_medians
from bench.seed import Panel
from webpanel.emailtab.page import TABS

TARGET = 3.0
RUNS = 11

#: Endpoints that are not signed-in pages, and why.
SKIPPED = {
    "static": "files",
    "auth.login": "the signed-out sign-in page",
    "auth.setup": "first-run setup, before anyone can sign in",
    "auth.invitation": "a one-time invitation link",
    "oauth.callback": "a sign-in provider's redirect back",
    "documents.pdf": "a PDF (bench.first_pdf times the renderer)",
    "outbox.attachment": "a download",
    "outbox.message_file": "a download (.eml)",
    "outbox.message_body": "the message's own HTML, shown in a sandboxed frame",
    "company.logo": "an image",
    "bulkmail.progress": "needs an Email selected batch, which the bench does not send",
}


def _values(made: Panel, rule) -> list[dict]:
    """Every filling of `rule`'s arguments (each choice of an `any`; ids from the seed)."""
    choices: dict[str, list] = {}
    for name in sorted(rule.arguments):
        converter = rule._converters[name]
        if hasattr(converter, "items"):
            choices[name] = sorted(converter.items)
        elif name == "tab":
            choices[name] = list(TABS)
        elif name == "user_id":
            choices[name] = [made.uid]
        elif name == "document_id":
            choices[name] = [made.ids["invoice"]]
        elif name == "message_id":
            choices[name] = [made.ids["message"]]
        elif name == "contact_id":
            choices[name] = [None]  # by group, below
        else:
            raise RuntimeError(f"{rule.endpoint}: no value for {name}")
    fillings = [dict(zip(choices, picked, strict=True)) for picked in product(*choices.values())]
    for values in fillings:
        if "contact_id" in values:
            values["contact_id"] = made.ids["vendor" if values["group"] == "vendors"
                                            else "customer"]
    return fillings


def addresses(made: Panel) -> list[str]:
    """The address of every signed-in page that is not skipped."""
    app, found = made.app, []
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.endpoint in SKIPPED:
                continue
            found += [url_for(rule.endpoint, **values) for values in _values(made, rule)]
    invoice = made.ids["invoice"]
    return [f"{url}?ids={invoice}&ids={invoice - 1}" if url.endswith("/email-selected")
            else url for url in found]


def _kind(made: Panel, url: str) -> str:
    """"page", or why the answer is left out."""
    response = made.client.get(url)
    body = response.get_data(as_text=True)
    if response.status_code in (301, 302, 303, 307, 308):
        return f"redirect ({response.status_code})"
    if response.status_code != 200:
        return f"answered {response.status_code}"
    if "<html" not in body[:500].lower():
        return "not a whole page (an htmx fragment)"
    return "page"


def compare(database: str) -> list[Row]:
    """Each page's median at 100,000 rows against the cheapest page's."""
    made = seed.panel(database, seed.LARGE)
    kinds = {url: _kind(made, url) for url in addresses(made)}
    pages = [url for url, kind in kinds.items() if kind == "page"]
    medians = dict(zip(pages, interleaved_medians(
        [lambda u=url: made.client.get(u) for url in pages], runs=RUNS, warmup=1), strict=True))
    cheapest = min(medians, key=medians.get)
    rows = [Row(f"{database}: cheapest signed-in page {cheapest} ({made.rows:,} rows)",
                f"{medians[cheapest] * 1000:.2f} ms", "informational", True)]
    for url, taken in medians.items():
        ratio = taken / medians[cheapest]
        rows.append(Row(f"{database}: page {url}", f"{taken * 1000:.2f} ms = x{ratio:.2f}",
                        f"<= x{TARGET:g}", ratio <= TARGET))
    rows += [Row(f"{database}: left out: {url}", kind, "not a page", True)
             for url, kind in kinds.items() if kind != "page"]
    return rows


def run() -> list[Row]:
    """The page measures on every database the bench runs on."""
    return [row for database in seed.databases() for row in compare(database)]

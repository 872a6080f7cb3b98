"""Every list stays fast however long the history: its first page, a later page and its search
(one match, no match) at 100,000 rows within 1.5x of the same at 100 rows, on each database.

Lists: invoices (the documents list the 100,000 documents mostly fill), customers (20,000
against 100, see bench.seed.CUSTOMERS) and Sent mail. Each measure alternates requests
between the small and the large panel (medians of interleaved runs). A request is what htmx
sends when a page or a search changes (HX-Request: the list's fragment).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from bench import seed
from bench.harness import Row, interleaved_medians
from bench.seed import Panel

TARGET = 1.5
HTMX = {"HX-Request": "true"}
NO_MATCH = "zqxw"


@dataclass(frozen=True)
class Measure:
    """One request of a list on a panel; `expect` must be in the answer."""

    name: str
    url: str
    expect: str = ""


def _get(made: Panel, measure: Measure) -> bytes:
    response = made.client.get(measure.url, headers=HTMX)
    body = response.get_data()
    if response.status_code != 200 or measure.expect.encode() not in body:
        raise RuntimeError(f"{made.database} {made.rows} rows: {measure.url} answered "
                           f"{response.status_code} without {measure.expect!r}")
    return body


def _later(made: Panel, base: str, cursor: str, row: int, newest: str, per_page: int,
           count: int) -> str:
    """A later page: `cursor=<id of a row in the middle>`; where the list ignores it (no keyset
    pages yet: the first page comes back) the middle page by number, as the list offers."""
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}{cursor}={row}"
    if newest.encode() not in made.client.get(url, headers=HTMX).get_data():
        return url
    return f"{base}{sep}page={ceil(count / per_page) // 2}"


def _invoices(made: Panel) -> list[Measure]:
    invoices = made.rows * seed.KIND_CYCLE.count("invoice") // len(seed.KIND_CYCLE)
    base = "/documents/invoices/"
    later = _later(made, base, "after", made.ids["invoice"], f"INV-{invoices:04d}", 25,
                   invoices)
    return [Measure("invoices: first page", base, f"INV-{invoices:04d}"),
            Measure("invoices: a later page", later, "INV-"),
            Measure("invoices: search, one match", f"{base}?q=INV-0050", "INV-0050"),
            Measure("invoices: search, no match", f"{base}?q={NO_MATCH}")]


def _customers(made: Panel) -> list[Measure]:
    base, first = "/customers/", "Customer 00000 Ltd"
    later = _later(made, base, "after", made.ids["customer"], first, 25,
                   seed.CUSTOMERS[made.rows])
    return [Measure("customers: first page", base, first),
            Measure("customers: a later page", later, "Customer "),
            Measure("customers: search, one match", f"{base}?q=00050", "Customer 00050 Ltd"),
            Measure("customers: search, no match", f"{base}?q={NO_MATCH}")]


def _sent_mail(made: Panel) -> list[Measure]:
    newest = f"INV-{made.rows - 1:06d}"
    return [Measure("Sent mail: first page", "/sent", newest),
            Measure("Sent mail: a later page", f"/sent?before={made.ids['message']}", "INV-"),
            Measure("Sent mail: preview", f"/sent/{made.ids['message']}", "INV-"),
            Measure("Sent mail: search, one match", "/sent?q=INV-000050", "INV-000050"),
            Measure("Sent mail: search, no match", f"/sent?q={NO_MATCH}")]


def measures(made: Panel) -> list[Measure]:
    """What is measured on a panel, in table order."""
    return _invoices(made) + _customers(made) + _sent_mail(made)


def compare(database: str) -> list[Row]:
    """Each list request on the 100-row and the 100,000-row panel, interleaved; the ratio."""
    small, large = seed.panel(database, seed.SMALL), seed.panel(database, seed.LARGE)
    rows = []
    for few, many in zip(measures(small), measures(large), strict=True):
        base, big = interleaved_medians([lambda m=few: _get(small, m),
                                         lambda m=many: _get(large, m)])
        ratio = big / base
        later = " (by ?page=: no cursor yet)" if "page=" in many.url else ""
        rows.append(Row(f"{database}: {few.name}{later}, {small.rows:,} vs {large.rows:,} rows",
                        f"{base * 1000:.2f} ms vs {big * 1000:.2f} ms = x{ratio:.2f}",
                        f"<= x{TARGET}", ratio <= TARGET))
    return rows


def run() -> list[Row]:
    """The list measures on every database the bench runs on."""
    return [row for database in seed.databases() for row in compare(database)]

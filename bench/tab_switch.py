"""A tab switch sends only that tab's fragment: bytes and time against the full page."""

from __future__ import annotations

from bench.harness import Row, make_panel, median_seconds


def run() -> list[Row]:
    """Measure each tab's fragment against its full page (HTML, and HTML + CSS + JS)."""
    _app, client, uid = make_panel()
    assets = sum(len(client.get(path).data) for path in (
        "/static/css/app.css", "/static/js/app.js", "/static/js/htmx-2.0.11.min.js"))
    rows = []
    for tab in ("general", "smtp"):
        url = f"/users/{uid}/email/{tab}"
        page = len(client.get(url).data)
        fragment = len(client.get(url, headers={"HX-Request": "true"}).data)
        page_time = median_seconds(lambda u=url: client.get(u))
        fragment_time = median_seconds(lambda u=url: client.get(u, headers={"HX-Request": "true"}))
        rows += [
            Row(f"{tab}: fragment / page HTML bytes", f"{fragment} / {page} = "
                f"{fragment / page:.2f}", "informational", True),
            Row(f"{tab}: fragment / first page load bytes (HTML+CSS+JS)",
                f"{fragment} / {page + assets} = {fragment / (page + assets):.3f}", "<= 0.25",
                fragment / (page + assets) <= 0.25),
            Row(f"{tab}: fragment / page server time", f"{fragment_time * 1000:.2f} ms / "
                f"{page_time * 1000:.2f} ms", "informational", True),
        ]
    return rows

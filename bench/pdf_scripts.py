"""Rendering a PDF in Japanese, Chinese and Korean against one in Latin script alone.

A Latin invoice declares DejaVu Sans only; a CJK one adds IPAex Gothic and Droid Sans Fallback,
parsed once per process (the first render) and subset into the PDF on every render.
"""

from __future__ import annotations

import datetime
import statistics
import time
from decimal import Decimal

from flask import Flask

from bench.harness import Row
from webpanel.documents.pdf import PdfDocument, PdfLine, PdfParty, render_pdf

RUNS = 11


def _invoice(company: str, customer: str, item: str, locale: str) -> PdfDocument:
    lines = tuple(PdfLine(f"{item} {n}", Decimal(n), Decimal("1500"), Decimal(1500 * n))
                  for n in range(1, 11))
    subtotal = sum((line.amount for line in lines), Decimal(0))
    return PdfDocument(kind="invoice", number="INV-0001", date=datetime.date(2026, 12, 6),
                       company=PdfParty(company, address="1-1 Marunouchi"),
                       contact=PdfParty(customer), lines=lines, subtotal=subtotal,
                       tax_rate=Decimal(10), tax=subtotal / 10, total=subtotal * Decimal("1.1"),
                       currency="JPY", locale=locale)


def _times(app: Flask, doc: PdfDocument) -> tuple[float, float]:
    """(first render, median of the next RUNS) in seconds."""
    with app.app_context():
        durations = []
        for _ in range(RUNS + 1):
            started = time.perf_counter()
            render_pdf(doc)
            durations.append(time.perf_counter() - started)
    return durations[0], statistics.median(durations[1:])


def run() -> list[Row]:
    """Median render time of a Latin and of a Japanese/Chinese/Korean invoice of 10 items."""
    app = Flask(__name__, template_folder="../templates")
    latin_first, latin = _times(app, _invoice("Northwind Studio", "Zoë Müller", "Design", "en_US"))
    cjk_first, cjk = _times(app, _invoice("株式会社サンプル", "北京样品有限公司", "견본 상품",
                                          "ja_JP"))
    return [Row("PDF render: Latin invoice vs Japanese/Chinese/Korean invoice (median of 11)",
                f"{latin * 1000:.0f} ms vs {cjk * 1000:.0f} ms "
                f"(first CJK render {cjk_first * 1000:.0f} ms)",
                "CJK < 2x Latin", cjk < 2 * latin)]

"""Sending an unchanged document again renders no PDF: the PDF step, first and second time."""

from __future__ import annotations

import time

from sqlalchemy import select

from bench.harness import Row, make_panel
from webpanel.documents import services
from webpanel.documents.models import Document
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db


def _pdf_step(document_id: int) -> float:
    started = time.perf_counter()
    document = services.get_document(document_id)
    services.pdf_for(document)
    return time.perf_counter() - started


def run() -> list[Row]:
    """Time the PDF step of a first send (renders) and of a second send (cache hit)."""
    app, _client, _uid = make_panel()
    with app.app_context():
        load_sample_data()
        invoice = db.session.scalar(select(Document.id).where(Document.kind == "invoice"))
        first = _pdf_step(invoice)
        again = sorted(_pdf_step(invoice) for _ in range(21))[10]
        renders = services.pdf_cache().render_count
    ratio = again / first
    return [Row("PDF step: first send vs unchanged second send (median of 21)",
                f"{first * 1000:.1f} ms vs {again * 1000:.2f} ms = {ratio:.1%}; "
                f"{renders} render(s)", "< 5%, 1 render", ratio < 0.05 and renders == 1)]

"""What a worker loads for documents as it starts: the PDF renderer (`pdf.warm_up`), so the
first PDF a worker renders takes no longer than the next. ``create_app`` calls ``init_app``;
the web server warms up in wsgi.py, and nothing is loaded for an app that is only created."""

from __future__ import annotations

from flask import Flask

from webpanel import worker
from webpanel.documents import pdf


def init_app(app: Flask) -> None:
    """Have each worker process warm up the PDF renderer before it takes a job."""
    worker.prepare(app, pdf.warm_up)

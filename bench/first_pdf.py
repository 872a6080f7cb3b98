"""The first PDF after a worker starts within 1.5x of a warm one.

Each run is a fresh process that goes through `flask worker`'s own start (the `worker`
command, whose consumer loop is replaced by an immediate return: everything before it runs as
in a real worker), then times the first PDF of a sample invoice (read from the database, then
rendered with no cache) and the median of five more. The table gives the medians over RUNS
processes and says whether the start loaded the PDF renderer (xhtml2pdf) itself. Should the
start not load it while `webpanel.documents.pdf.warm_up` exists (it may run as a queued job
once the worker serves), the bench calls warm_up after the start, and says so.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from bench import seed
from bench.harness import ROOT, Row, office

TARGET = 1.5
RUNS = 5
WARM_RENDERS = 5


def _prepared(database: str) -> dict[str, str]:
    """The environment of a worker on a migrated instance with the sample documents."""
    from webpanel import create_app

    instance = tempfile.mkdtemp(prefix="webpanel-bench-pdf-")
    env = {"WEBPANEL_INSTANCE": instance}
    if database == "postgresql":
        env["DATABASE_URL"] = seed._postgres_url()
    os.environ.update(env)
    app = create_app({"DATABASE_URL": env["DATABASE_URL"]} if "DATABASE_URL" in env else {})
    office(app, 0)
    app.extensions["webpanel.engine"].dispose()
    os.environ.pop("DATABASE_URL", None)
    return env


def _one_process(env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.first_pdf"], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=300, check=False)
    if done.returncode:
        raise RuntimeError(f"the first-PDF process failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(database: str) -> list[Row]:
    """The medians of the first and the warm PDF over RUNS fresh worker processes."""
    env = _prepared(database)
    try:
        runs = [_one_process(env) for _ in range(RUNS)]
    finally:
        shutil.rmtree(env["WEBPANEL_INSTANCE"], ignore_errors=True)
    first = statistics.median(run["first"] for run in runs)
    warm = statistics.median(run["warm"] for run in runs)
    how = {"start": "the worker's start loads the renderer",
           "bench": "warm_up exists but the start does not call it: called by the bench",
           "none": "no warm_up yet"}[runs[0]["warmed_by"]]
    ratio = first / warm
    return [Row(f"{database}: first PDF after a worker starts vs a warm one ({RUNS} processes;"
                f" {how})", f"{first * 1000:.1f} ms vs {warm * 1000:.1f} ms = x{ratio:.2f}",
                f"<= x{TARGET}", ratio <= TARGET)]


def run() -> list[Row]:
    """The first-PDF measure on every database the bench runs on."""
    return [row for database in seed.databases() for row in compare(database)]


def _child() -> None:
    """In a fresh process: the worker's start, then the first and the warm PDFs (JSON)."""
    from huey.consumer import Consumer

    from webpanel import create_app

    Consumer.run = lambda self: None  # the start runs in full; the serving loop returns at once
    app = create_app()
    result = app.test_cli_runner().invoke(args=["worker", "--workers", "1"])
    if result.exit_code:
        raise RuntimeError(f"flask worker did not start: {result.output}")
    from webpanel.documents import pdf

    warmed_by = "start" if "xhtml2pdf" in sys.modules else "none"
    if warmed_by == "none" and hasattr(pdf, "warm_up"):
        with app.app_context():
            pdf.warm_up()
        warmed_by = "bench"
    print(json.dumps({"warmed_by": warmed_by, **_timings(app)}))


def _timings(app) -> dict[str, float]:
    from sqlalchemy import select

    from webpanel.documents import pdf, services
    from webpanel.documents.models import Document
    from webpanel.extensions import db

    with app.app_context():
        invoice = db.session.scalar(select(Document.id).where(Document.kind == "invoice")
                                    .order_by(Document.id).limit(1))
        samples = []
        for _ in range(1 + WARM_RENDERS):
            started = time.perf_counter()
            pdf.render_pdf(services.pdf_document(services.get_document(invoice)))
            samples.append(time.perf_counter() - started)
            db.session.rollback()
    return {"first": samples[0], "warm": statistics.median(samples[1:])}


if __name__ == "__main__":
    _child()

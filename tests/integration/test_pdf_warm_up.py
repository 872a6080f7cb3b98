"""The PDF renderer is loaded as a worker or the web server starts, not on the first PDF
someone waits for: a real `flask worker` says it is ready before it takes its first job (one
queued while no worker ran), wsgi.py loads it, and an app that is only created loads nothing."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import child_env
from tests.support.office import first_document, messages, send
from tests.support.workers import wait_for, write_config
from webpanel.config import PROJECT_ROOT

SETTINGS = {"WORKER_HEARTBEAT": 0.2, "MAIL_TIMEOUT": 5.0, "SEND_ATTEMPTS": 1}
READY = re.compile(r"PDF renderer ready in (\d+) ms")


@pytest.fixture
def app(make_app, instance_dir):
    """The panel queueing for a real worker; the worker reads the same settings."""
    write_config(instance_dir, **SETTINGS)
    return make_app(WORKER_IMMEDIATE=False, **SETTINGS)


def test_a_worker_is_ready_to_render_pdfs_before_it_takes_its_first_job(
        sam, office, start_worker, workers):
    invoice = first_document(office, "invoice")
    send(sam, invoice.id, subject="Queued before the worker started")
    start_worker()
    [received] = sam.smtp.wait_for_messages(1, timeout=30)
    pdfs = [part for part in received.parsed().iter_attachments()
            if part.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1 and pdfs[0].get_content().startswith(b"%PDF")
    wait_for(lambda: [m.status for m in messages(office)] == ["sent"])
    log = workers.log()
    ready = READY.search(log)
    assert ready, log
    assert log.index(ready.group(0)) < log.index("Huey consumer started"), log


def run_python(instance_dir, code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=120, env=child_env(instance_dir), check=True)
    return done.stdout


def test_the_web_server_loads_the_renderer_and_a_created_app_does_not(app, instance_dir):
    out = run_python(instance_dir, (
        "import sys\n"
        "from webpanel import create_app\n"
        "create_app()\n"
        "print('created', 'xhtml2pdf' in sys.modules, 'reportlab' in sys.modules)\n"
        "import wsgi\n"
        "from reportlab.pdfbase import pdfmetrics\n"
        "print('wsgi', 'xhtml2pdf' in sys.modules, 'docsans_00' in "
        "pdfmetrics.getRegisteredFontNames())\n"))
    assert "created False False" in out and "wsgi True True" in out

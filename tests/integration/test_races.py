"""Writes that race stay correct: several panel processes at once, each signed in through the
real form, number documents, post one dialog key and press Retry on one message. Real SMTP
server, real SQLite file or PostgreSQL database."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import select

from tests.conftest import child_env
from tests.support.documents import add_contact, document_form
from tests.support.office import compose, first_document
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.outbox.models import Message

WORKER = r"""
import json, sys
from tests.conftest import csrf_from, sign_in
from webpanel import create_app
job = json.loads(sys.argv[1])
app = create_app({"TESTING": True, "WORKER_IMMEDIATE": True, "SEND_ATTEMPTS": 1,
                  **job.get("config", {})})  # each process sends what it queues
client = app.test_client()
assert sign_in(client, job["email"]).status_code == 302
token = csrf_from(client.get(job["page"]).get_data(as_text=True))
sys.stdin.readline()  # every worker is ready: go together
answers = []
for data in job["posts"]:
    headers = {"HX-Request": "true", "X-CSRFToken": token} if job.get("htmx", True) else {}
    response = client.post(job["url"], data={"csrf_token": token, **data}, headers=headers)
    answers.append([response.status_code, response.get_data(as_text=True)])
print(json.dumps(answers))
"""


def run_workers(instance_dir, jobs: list[dict]) -> list[list[tuple[int, str]]]:
    """Start one process per job, let them all go at once, return each one's answers."""
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, json.dumps(job)],
                                env=child_env(instance_dir), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for job in jobs]
    for worker in workers:  # each reads its "go" once it is signed in and ready
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = [worker.communicate(timeout=180) for worker in workers]
    assert all(w.returncode == 0 for w in workers), [err[-3000:] for _out, err in results]
    assert not any("locked" in err for _out, err in results)
    return [json.loads(out.strip().splitlines()[-1]) for out, _err in results]


def test_documents_saved_at_once_get_consecutive_numbers_once_each(app, user_id,
                                                                   instance_dir):
    customer = add_contact(app, "Acme")
    job = {"email": "sam@example.com", "page": "/documents/invoices/new",
           "url": "/documents/invoices/new", "posts": [document_form(customer)] * 8,
           "htmx": False}
    answers = run_workers(instance_dir, [job] * 4)
    assert [status for one in answers for status, _ in one] == [303] * 32
    with app.app_context():
        numbers = list(db.session.scalars(select(Document.number).order_by(Document.seq)))
    assert numbers == [f"INV-{n:04d}" for n in range(1, 33)]


def test_one_dialog_key_posted_by_several_processes_sends_one_message(app, sam,  # noqa: F811
                                                                      instance_dir):
    invoice = first_document(app, "invoice")
    fields = compose(sam, invoice.id)
    fields.pop("_html")
    job = {"email": "sam@example.com", "page": f"/documents/{invoice.id}",
           "url": f"/documents/{invoice.id}/email", "posts": [fields] * 2}
    answers = run_workers(instance_dir, [job] * 3)
    said = [("Sent." in html) or ("on its way" in html) for one in answers
            for _, html in one]  # a post that arrives mid-send is told it goes once
    assert all(said) and sum("Sent." in html for one in answers for _, html in one) >= 1
    assert len(sam.smtp.wait_for_messages(1)) == 1
    with app.app_context():
        assert db.session.scalar(select(Message.status)) == "sent"
        assert len(db.session.scalars(select(Message)).all()) == 1


def test_retry_pressed_in_several_processes_at_once_sends_once(app, sam,  # noqa: F811
                                                               instance_dir):
    invoice = first_document(app, "invoice")
    sam.smtp.stop()
    fields = compose(sam, invoice.id)
    fields.pop("_html")
    assert "Not sent" in sam.post(f"/documents/{invoice.id}/email", fields).get_data(True)
    sam.smtp.start()
    with app.app_context():
        message_id = db.session.scalar(select(Message.id))
    job = {"email": "sam@example.com", "page": f"/sent/{message_id}",
           "url": f"/sent/{message_id}/retry", "posts": [{"in_dialog": "0"}]}
    answers = run_workers(instance_dir, [job] * 4)
    assert all(status == 200 for one in answers for status, _ in one)
    assert not any("Not sent" in html for one in answers for _, html in one)
    assert sum("Sent." in html for one in answers for _, html in one) >= 1
    assert len(sam.smtp.wait_for_messages(1)) == 1
    with app.app_context():
        record = db.session.get(Message, message_id)
        assert record.status == "sent" and record.attempts == 2

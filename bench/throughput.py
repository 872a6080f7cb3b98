"""Throughput: 200 sends by 20 people at once to a local SMTP server, through gunicorn
(2 workers x 4 threads) and a background worker beside it (as `make run` starts them), on
SQLite and on PostgreSQL: messages per second (Send pressed to the last message at the
server), and none lost, none sent twice, no "database is locked"."""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from pathlib import Path

import requests
from sqlalchemy import func, select

from bench.harness import PASSWORD, Row, office, served, worker_processes
from tests.support.postgres import PostgresServer
from tests.support.smtpd import SmtpServer
from webpanel import create_app
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.outbox.models import Message

PEOPLE, EACH = 20, 10
WORKERS, THREADS = 2, 4
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
FIELD = r'name="{name}"[^>]*value="([^"]*)"'


def _prepare(instance: Path, url: str) -> tuple[list[int], list[int]]:
    """A migrated database with the sample documents and PEOPLE people; their ids, and the
    documents' ids."""
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "config.py").write_text("NEW_MAIL_SERVER_LIMIT = 0\n")
    os.environ["WEBPANEL_INSTANCE"] = str(instance)
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    ids = office(app, PEOPLE)
    with app.app_context():
        documents = list(db.session.scalars(select(Document.id).order_by(Document.id)))
    app.extensions["webpanel.engine"].dispose()
    return ids, documents


def _person(url: str, n: int, uid: int, smtp_port: int) -> tuple[requests.Session, str]:
    """Person n signed in, with their address and SMTP server saved."""
    session = requests.Session()
    token = CSRF.search(session.get(f"{url}/login", timeout=30).text).group(1)
    session.post(f"{url}/login", timeout=30, data={
        "csrf_token": token, "email": f"person{n}@example.com", "password": PASSWORD})
    token = CSRF.search(session.get(f"{url}/users/{uid}/email/general", timeout=30).text
                        ).group(1)
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    session.post(f"{url}/users/{uid}/email/general", headers=headers, timeout=30, data={
        "csrf_token": token, "address": f"person{n}@example.com"}).raise_for_status()
    session.post(f"{url}/users/{uid}/email/smtp", headers=headers, timeout=30, data={
        "csrf_token": token, "send_using": "smtp", "smtp_server": "127.0.0.1",
        "smtp_port": str(smtp_port), "smtp_security": "none", "smtp_username": "user",
        "smtp_password": "secret"}).raise_for_status()
    return session, token


def _send(url: str, session: requests.Session, token: str, document_id: int) -> str:
    """Open the Email dialog of a document and press Send; returns the answer."""
    html = session.get(f"{url}/documents/{document_id}/email", timeout=60,
                       headers={"HX-Request": "true"}).text
    fields = {name: (re.search(FIELD.format(name=name), html) or [None, ""])[1]
              for name in ("to", "subject", "idempotency_key")}
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\r?\n?(.*?)</textarea>', html, re.S)
    fields = {k: v.replace("&amp;", "&").replace("&#39;", "'") for k, v in fields.items()}
    return session.post(f"{url}/documents/{document_id}/email", timeout=60, data={
        "csrf_token": token, **fields, "body": body.group(1) if body else ""},
        headers={"HX-Request": "true", "X-CSRFToken": token}).text


def _measure(url: str, ids: list[int], documents: list[int], smtp: SmtpServer):
    people = [_person(url, n, uid, smtp.port) for n, uid in enumerate(ids)]
    answers: list[str] = []

    def one(person: tuple[requests.Session, str], n: int) -> None:
        for k in range(EACH):
            try:
                answers.append(_send(url, *person, documents[(n + k) % len(documents)]))
            except requests.RequestException as exc:
                answers.append(f"request failed: {exc}")

    threads = [threading.Thread(target=one, args=(person, n)) for n, person in
               enumerate(people)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, answers


def _all_sent(url: str, timeout: float = 30) -> None:
    """Wait until no message is waiting or on its way (the worker records each outcome just
    after the server took the message)."""
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline and db.session.scalar(
                select(func.count(Message.id)).where(Message.status != "sent")):
            db.session.rollback()
            time.sleep(0.1)
    app.extensions["webpanel.engine"].dispose()


def _one_database(name: str, url: str) -> Row:
    instance = Path(tempfile.mkdtemp(prefix=f"webpanel-bench-throughput-{name}-"))
    ids, documents = _prepare(instance, url)
    log = instance / "gunicorn.log"
    with (SmtpServer(mode="plain") as smtp,
          served(instance, WORKERS, THREADS, {"DATABASE_URL": url}, log) as panel,
          worker_processes(instance, env={"DATABASE_URL": url})):
        started = time.time()
        _, answers = _measure(panel, ids, documents, smtp)
        received = smtp.wait_for_messages(PEOPLE * EACH, timeout=120)
        seconds = max(m.received_at for m in received) - started
        _all_sent(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url})
    with app.app_context():
        recorded = db.session.scalar(select(func.count(Message.id)))
        sent = db.session.scalar(select(func.count(Message.id)).where(Message.status == "sent"))
    app.extensions["webpanel.engine"].dispose()
    total = PEOPLE * EACH
    ids_seen = [m.data.split(b"Message-ID:", 1)[-1].split(b"\r\n", 1)[0].strip()
                for m in received]
    duplicated = len(ids_seen) - len(set(ids_seen))
    lost = total - len(set(ids_seen))
    locked = log.read_text(errors="replace").count("database is locked") + sum(
        "database is locked" in a for a in answers)
    good = sum(any(said in a for said in ("Sent.", "Sending…", "Queued")) for a in answers)
    ok = good == total and sent == recorded == total and lost == duplicated == locked == 0
    return Row(f"{total} sends by {PEOPLE} people, {WORKERS}x{THREADS} threads + 1 worker, "
               f"{name}",
               f"{total / seconds:.1f} messages/s ({seconds:.1f} s), {lost} lost, "
               f"{duplicated} duplicated, {locked} locked", "0 lost, 0 dup, 0 locked", ok)


def run() -> list[Row]:
    """Two rows: SQLite, then PostgreSQL (a throwaway cluster)."""
    instance = Path(tempfile.mkdtemp(prefix="webpanel-bench-throughput-"))
    rows = [_one_database("SQLite", f"sqlite:///{instance / 'webpanel.db'}")]
    with PostgresServer() as server:
        rows.append(_one_database("PostgreSQL", server.url(server.create_database())))
    return rows

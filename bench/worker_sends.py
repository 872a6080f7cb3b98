"""The background worker: 500 queued sends by 50 people drained by one worker (SQLite and
the queue file) and by two (PostgreSQL and Redis), counted at a real SMTP server by Message-ID;
pages (gunicorn) while the queue drains against idle; and the time from Send to "Sent." with
a worker against the send inside the request that came before it.

Workers run with the default settings (`flask worker`: 2 threads, a heartbeat every 10 s).
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import secrets
import statistics
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import func, select

from bench.harness import PASSWORD, Row, csrf, office, served, worker_processes
from tests.support.postgres import PostgresServer
from tests.support.redis import RedisServer
from tests.support.smtpd import SmtpServer
from webpanel import create_app
from webpanel.config_checks import TEST_PASSWORD_HASH, WORKER_IMMEDIATE
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.mail import builder
from webpanel.outbox import services
from webpanel.outbox.models import Message, MessageBody
from webpanel.settings import services as settings_services

PEOPLE, EACH = 50, 10
PAGES = ("/sent", "/")
IDLE_PAGES = 30  # samples of each page before the workers start
RUNS = 21  # sends timed for Send → "Sent."
IDLE = 30.0  # seconds a worker polling the queue file idles before one more send is timed
DRAIN_LIMIT = 600.0  # seconds before the drain counts as stuck
FIELD = r'name="{name}"[^>]*value="([^"]*)"'


@dataclass
class Stack:
    """Where the messages and the queue live, and how many workers drain it."""

    name: str
    database_url: str
    queue_url: str | None
    workers: int

    @property
    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.database_url}


def _app(instance: Path, stack: Stack, **settings):
    os.environ["WEBPANEL_INSTANCE"] = str(instance)
    return create_app({"TESTING": True, "DATABASE_URL": stack.database_url,
                       TEST_PASSWORD_HASH: "pbkdf2:sha256:1", **settings})


def _prepare(instance: Path, stack: Stack, smtp_port: int):
    """A migrated database with the sample documents and PEOPLE people sending through the
    local server; the panel's app (jobs go to the queue) and the people's ids."""
    instance.mkdir(parents=True, exist_ok=True)
    queue = f"QUEUE_URL = {stack.queue_url!r}\n" if stack.queue_url else ""
    (instance / "config.py").write_text(f"NEW_MAIL_SERVER_LIMIT = 0\n{queue}")
    app = _app(instance, stack)
    ids = office(app, PEOPLE)
    for n, uid in enumerate(ids):
        _save_settings(app.test_client(), n, uid, smtp_port)
    return app, ids


def _sign_in(client, n: int) -> None:
    token = csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"csrf_token": token, "email": f"person{n}@example.com",
                                "password": PASSWORD})


def _save_settings(client, n: int, uid: int, smtp_port: int) -> None:
    _sign_in(client, n)
    token = csrf(client.get(f"/users/{uid}/email/general").get_data(as_text=True))
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    client.post(f"/users/{uid}/email/general", headers=headers, data={
        "csrf_token": token, "address": f"person{n}@example.com"})
    client.post(f"/users/{uid}/email/smtp", headers=headers, data={
        "csrf_token": token, "send_using": "smtp", "smtp_server": "127.0.0.1",
        "smtp_port": str(smtp_port), "smtp_security": "none", "smtp_username": "user",
        "smtp_password": "secret"})


def _queue(app, ids: list[int]) -> None:
    """EACH messages per person, recorded and queued as the Email dialog does."""
    with app.app_context():
        for k in range(EACH):
            for uid in ids:
                settings = settings_services.load(uid)
                draft = builder.Draft(from_name="", from_address=settings.address,
                                      to=["pat@example.org"], subject=f"Invoice {k}",
                                      text="Dear Pat,\n\nyour invoice is attached.\n")
                services.send(settings, draft, secrets.token_urlsafe(16))


def _page_seconds(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    try:
        session.get(url, timeout=30).raise_for_status()
    except requests.RequestException:
        return float("inf")
    return time.perf_counter() - started


def _drain(instance: Path, stack: Stack, smtp: SmtpServer, panel: str):
    """Page times idle, then while the workers drain the queue; the messages received."""
    session = requests.Session()
    token = csrf(session.get(f"{panel}/login", timeout=30).text)
    session.post(f"{panel}/login", timeout=30, data={
        "csrf_token": token, "email": "person0@example.com", "password": PASSWORD})
    idle = {page: [_page_seconds(session, panel + page) for _ in range(IDLE_PAGES)]
            for page in PAGES}
    busy: dict[str, list[float]] = {page: [] for page in PAGES}
    total = PEOPLE * EACH
    with worker_processes(instance, stack.workers, env=stack.env):
        deadline = time.monotonic() + DRAIN_LIMIT
        while len(smtp.messages) < total and time.monotonic() < deadline:
            for page in PAGES:
                busy[page].append(_page_seconds(session, panel + page))
        received = smtp.wait_for_messages(total, timeout=30)
    return idle, busy, received


def _counts(app, received) -> tuple[int, int, int]:
    """Lost, duplicated (by Message-ID at the server), and records not "sent"."""
    with app.app_context():
        recorded = {email.message_from_bytes(mime, policy=email.policy.default)["Message-ID"]
                    for mime in db.session.scalars(select(MessageBody.mime))}
        unsent = db.session.scalar(select(func.count(Message.id))
                                   .where(Message.status != "sent"))
    seen = Counter(m.parsed()["Message-ID"] for m in received)
    return len(recorded - set(seen)), sum(seen.values()) - len(seen), unsent


def _drain_rows(instance: Path, stack: Stack, app, smtp: SmtpServer) -> list[Row]:
    with served(instance, 2, 4, stack.env) as panel:
        idle, busy, received = _drain(instance, stack, smtp, panel)
    lost, duplicated, unsent = _counts(app, received)
    times = sorted(m.received_at for m in received)
    rate = (len(times) - 1) / (times[-1] - times[0])
    workers = f"{stack.workers} worker{'s' if stack.workers > 1 else ''} x2 threads"
    rows = [Row(f"{PEOPLE * EACH} queued sends by {PEOPLE} people, {workers}, {stack.name}",
                f"{rate:.1f} messages/s ({times[-1] - times[0]:.1f} s), {lost} lost, "
                f"{duplicated} duplicated, {unsent} not sent", "0 lost, 0 dup",
                lost == duplicated == unsent == 0)]
    for page in PAGES:
        quiet, during = statistics.median(idle[page]), statistics.median(busy[page])
        ratio = during / quiet
        rows.append(Row(f"GET {page} while the queue drains vs idle, {stack.name}",
                        f"{during * 1000:.1f} ms vs {quiet * 1000:.1f} ms = x{ratio:.2f} "
                        f"({len(busy[page])} pages)", "<= x1.5", ratio <= 1.5))
    return rows


def _dialog(client, document_id: int) -> dict[str, str]:
    """The Email dialog's prefilled fields, as the browser would post them back."""
    html = client.get(f"/documents/{document_id}/email",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    fields = {name: (re.search(FIELD.format(name=name), html) or [None, ""])[1]
              for name in ("to", "subject", "idempotency_key")}
    body = re.search(r'<textarea[^>]*name="body"[^>]*>\r?\n?(.*?)</textarea>', html, re.S)
    fields = {k: v.replace("&amp;", "&").replace("&#39;", "'") for k, v in fields.items()}
    return {**fields, "body": body.group(1) if body else "", "csrf_token": csrf(html)}


def _send_seconds(client, document_id: int) -> float:
    """Press Send in the dialog; seconds until the dialog's answer, or its progress poll,
    says "Sent."."""
    fields = _dialog(client, document_id)
    headers = {"HX-Request": "true", "X-CSRFToken": fields["csrf_token"]}
    started = time.perf_counter()
    answer = client.post(f"/documents/{document_id}/email", data=fields,
                         headers=headers).get_data(as_text=True)
    progress = re.search(r'/sent/(\d+)/progress', answer)
    while "Sent." not in answer:
        assert progress, answer[:500]
        time.sleep(0.005)
        answer = client.get(f"/sent/{progress.group(1)}/progress?in_dialog=1",
                            headers={"HX-Request": "true"}).get_data(as_text=True)
    return time.perf_counter() - started


def _latency_rows(instance: Path, stack: Stack, queued_app) -> list[Row]:
    """Send → "Sent.": in the request (the send before the worker) against by a worker; on
    the queue file, also the first send after the worker idled IDLE seconds."""
    inline_app = _app(instance, stack, **{WORKER_IMMEDIATE: True})
    with queued_app.app_context():
        document_id = db.session.scalar(select(Document.id).order_by(Document.id))
    clients = {"inline": inline_app.test_client(), "worker": queued_app.test_client()}
    for client in clients.values():
        _sign_in(client, 0)
    samples: dict[str, list[float]] = {"inline": [], "worker": []}
    with worker_processes(instance, 1, env=stack.env):
        for run in range(RUNS + 2):  # two to warm up (the PDF, the connections)
            for name, client in clients.items():
                seconds = _send_seconds(client, document_id)
                if run >= 2:
                    samples[name].append(seconds)
        if stack.queue_url is None:
            time.sleep(IDLE)
            after_idle = _send_seconds(clients["worker"], document_id)
    inline_app.extensions["webpanel.engine"].dispose()
    inline, by_worker = (statistics.median(samples[name]) for name in ("inline", "worker"))
    ratio = by_worker / inline
    rows = [Row(f"Send to \"Sent.\": worker vs in the request, {stack.name} (median of {RUNS})",
                f"{by_worker * 1000:.0f} ms vs {inline * 1000:.0f} ms = x{ratio:.2f}",
                "<= x1.2", ratio <= 1.2)]
    if stack.queue_url is None:
        rows.append(Row(f"Send to \"Sent.\" after the worker idled {IDLE:g} s, {stack.name}",
                        f"{after_idle * 1000:.0f} ms", "<= 1000 ms (the dialog's first look)",
                        after_idle <= 1.0))
    return rows


def _one_stack(stack: Stack) -> list[Row]:
    instance = Path(tempfile.mkdtemp(prefix=f"webpanel-bench-worker-{stack.workers}-"))
    with SmtpServer(mode="plain") as smtp:
        app, ids = _prepare(instance, stack, smtp.port)
        _queue(app, ids)
        rows = _drain_rows(instance, stack, app, smtp)
        rows += _latency_rows(instance, stack, app)
    app.extensions["webpanel.engine"].dispose()
    return rows


def run() -> list[Row]:
    """SQLite with the queue file and one worker, then PostgreSQL with Redis and two."""
    instance = Path(tempfile.mkdtemp(prefix="webpanel-bench-worker-sqlite-"))
    rows = _one_stack(Stack("SQLite + queue file", f"sqlite:///{instance / 'webpanel.db'}",
                            None, 1))
    with ExitStack() as servers:
        postgres = servers.enter_context(PostgresServer())
        redis = RedisServer().start()
        servers.callback(redis.stop)
        rows += _one_stack(Stack("PostgreSQL + Redis", postgres.url(postgres.create_database()),
                                 redis.url, 2))
    return rows

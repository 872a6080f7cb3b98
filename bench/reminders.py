"""Payment reminders: 1,000 invoices of 20 people whose reminder falls due at the same minute,
drained by real workers (one on SQLite with the queue file, two on PostgreSQL with Redis):
time from the workers' start to the last reminder at a real SMTP server, and how many were
lost or duplicated (each invoice's number counted in the subjects received).

Each reminder renders its invoice's own PDF; workers run with the default 2 threads.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import func, select

from bench.harness import Row, office, worker_processes
from bench.worker_sends import _save_settings
from tests.support.postgres import PostgresServer
from tests.support.redis import RedisServer
from tests.support.reminders import emailed_invoices, office_plan
from tests.support.smtpd import SmtpServer
from webpanel import create_app
from webpanel.config_checks import TEST_PASSWORD_HASH
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.reminders.models import Reminder

PEOPLE, INVOICES = 20, 1000
DRAIN_LIMIT = 1200.0  # seconds before the drain counts as stuck


def _prepare(instance: Path, database_url: str, queue_url: str | None, smtp_port: int):
    """A migrated database, PEOPLE people sending through the local server, INVOICES invoices
    each emailed by one of them a month ago and due yesterday; the plan's Reminder 2 (on the
    due date) is due for all of them now."""
    instance.mkdir(parents=True, exist_ok=True)
    queue = f"QUEUE_URL = {queue_url!r}\n" if queue_url else ""
    (instance / "config.py").write_text(f"NEW_MAIL_SERVER_LIMIT = 0\n{queue}")
    os.environ["WEBPANEL_INSTANCE"] = str(instance)
    app = create_app({"TESTING": True, "DATABASE_URL": database_url,
                      TEST_PASSWORD_HASH: "pbkdf2:sha256:1"})
    ids = office(app, PEOPLE)
    for n, uid in enumerate(ids):
        _save_settings(app.test_client(), n, uid, smtp_port)
    invoices = emailed_invoices(app, ids, INVOICES, due_in_days=-1)
    office_plan(app, hour=0)
    return app, invoices


def _drain(instance: Path, env: dict[str, str], workers: int, smtp: SmtpServer) -> float:
    """Seconds from the workers' start until INVOICES messages arrived (or the limit)."""
    started = time.monotonic()
    with worker_processes(instance, workers, env=env):
        _wait(smtp, INVOICES, DRAIN_LIMIT)
        seconds = time.monotonic() - started
        _wait(smtp, INVOICES + 1, 5)  # a duplicate would have arrived by now
    return seconds


def _wait(smtp: SmtpServer, count: int, seconds: float) -> None:
    try:
        smtp.wait_for_messages(count, timeout=seconds)
    except TimeoutError:
        pass  # counted afterwards as lost (or, for one more, as none duplicated)


def _counts(app, invoices: list[int], smtp: SmtpServer) -> tuple[int, int, int]:
    """Lost (invoices without a reminder received), duplicated, and reminder rows."""
    with app.app_context():
        numbers = set(db.session.scalars(select(Document.number).where(
            Document.id.in_(invoices))))
        rows = db.session.scalar(select(func.count(Reminder.id)).where(Reminder.level == 2))
    seen = Counter(word for m in smtp.messages for word in m.parsed()["Subject"].split()
                   if word in numbers)
    return len(numbers - set(seen)), sum(seen.values()) - len(seen), rows


def _one_stack(name: str, database_url: str, queue_url: str | None, workers: int) -> Row:
    instance = Path(tempfile.mkdtemp(prefix="webpanel-bench-reminders-"))
    with SmtpServer(mode="plain") as smtp:
        app, invoices = _prepare(instance, database_url, queue_url, smtp.port)
        seconds = _drain(instance, {"DATABASE_URL": database_url}, workers, smtp)
        lost, duplicated, rows = _counts(app, invoices, smtp)
    app.extensions["webpanel.engine"].dispose()
    plural = "s" if workers > 1 else ""
    return Row(f"{INVOICES:,} reminders due at one minute, {PEOPLE} people, {workers} "
               f"worker{plural} x2 threads, {name}",
               f"{seconds:.1f} s to drain ({INVOICES / seconds:.1f}/s), {lost} lost, "
               f"{duplicated} duplicated, {rows} claimed", "0 lost, 0 dup",
               lost == duplicated == 0 and rows == INVOICES)


def run() -> list[Row]:
    """SQLite with the queue file and one worker, then PostgreSQL with Redis and two."""
    instance = Path(tempfile.mkdtemp(prefix="webpanel-bench-reminders-sqlite-"))
    rows = [_one_stack("SQLite + queue file", f"sqlite:///{instance / 'webpanel.db'}", None, 1)]
    with ExitStack() as servers:
        postgres = servers.enter_context(PostgresServer())
        redis = RedisServer().start()
        servers.callback(redis.stop)
        rows.append(_one_stack("PostgreSQL + Redis",
                               postgres.url(postgres.create_database()), redis.url, 2))
    return rows

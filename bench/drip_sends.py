"""16 concurrent Send Tests to an SMTP server that drips its greeting forever, through a panel
served by gunicorn, while pages are fetched: each send must end by its deadline
(MAIL_TIMEOUT, 10 s by default) and pages must stay about as fast as when idle.

The panel runs with 2 workers x 24 threads: gunicorn's threaded worker accepts a request even
when all its threads are busy, so each worker needs threads to spare beyond the stuck sends.
"""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.harness import PASSWORD, Row, served
from tests.support.drip import DripSmtpServer
from webpanel import create_app, migrate
from webpanel.auth import services as auth_services
from webpanel.extensions import db

SENDS = 16
WORKERS, THREADS = 2, 24
MAIL_TIMEOUT = 10.0
MARGIN = 2.0  # seconds past the deadline a send may take to come back through the page
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _prepare(instance: Path) -> int:
    """A migrated database with one user; no limits that would stop the sends early."""
    (instance / "config.py").write_text("SEND_TEST_LIMIT = 100_000\nNEW_MAIL_SERVER_LIMIT = 0\n")
    os.environ["WEBPANEL_INSTANCE"] = str(instance)
    app = create_app({"TESTING": True})
    with app.app_context():
        migrate.upgrade(app)
        user_id = auth_services.create_user("bench@example.com", PASSWORD, is_admin=True).id
        db.session.commit()
    app.extensions["webpanel.engine"].dispose()
    return user_id


def _signed_in(url: str, uid: int) -> tuple[requests.Session, str]:
    """A signed-in session and its CSRF token."""
    session = requests.Session()
    token = CSRF.search(session.get(f"{url}/login", timeout=10).text).group(1)
    session.post(f"{url}/login", data={"csrf_token": token, "email": "bench@example.com",
                                       "password": PASSWORD}, timeout=10)
    page = session.get(f"{url}/users/{uid}/email/general", timeout=10).text
    return session, CSRF.search(page).group(1)


def _page_seconds(session: requests.Session, page: str) -> float:
    started = time.perf_counter()
    try:
        session.get(page, timeout=30).raise_for_status()
    except requests.RequestException:
        return float("inf")  # no page at all counts as the slowest
    return time.perf_counter() - started


def _send(url: str, uid: int, port: int, signed_in: tuple[requests.Session, str],
          results: list[tuple[float, bool]]) -> None:
    session, token = signed_in
    data = {"csrf_token": token, "send_using": "smtp", "smtp_server": "127.0.0.1",
            "smtp_port": str(port), "smtp_security": "none", "test_to": "pat@example.org",
            "test_subject": "bench"}
    started = time.perf_counter()
    try:
        html = session.post(f"{url}/users/{uid}/email/smtp/test", data=data, timeout=60,
                            headers={"HX-Request": "true", "X-CSRFToken": token}).text
    except requests.RequestException:
        html = ""
    results.append((time.perf_counter() - started, "No answer from" in html))


def _measure(url: str, uid: int) -> tuple[float, float, list[tuple[float, bool]]]:
    session, token = _signed_in(url, uid)
    page = f"{url}/users/{uid}/email/general"
    session.post(page, data={"csrf_token": token, "address": "bench@example.com"}, timeout=10,
                 headers={"HX-Request": "true", "X-CSRFToken": token}).raise_for_status()
    idle = statistics.median(_page_seconds(session, page) for _ in range(30))
    people = [_signed_in(url, uid) for _ in range(SENDS)]
    results: list[tuple[float, bool]] = []
    with DripSmtpServer(interval=0.5) as server:
        senders = [threading.Thread(target=_send, args=(url, uid, server.port, one, results))
                   for one in people]
        for sender in senders:
            sender.start()
        while server.connections < SENDS and any(s.is_alive() for s in senders):
            time.sleep(0.05)  # every send is stuck at the server before pages are timed
        busy = []
        while any(sender.is_alive() for sender in senders):
            busy.append(_page_seconds(session, page))
            time.sleep(0.05)
        for sender in senders:
            sender.join()
    return idle, statistics.median(busy or [0.0]), results


def run() -> list[Row]:
    """Two rows: how long the stuck sends took, and page time while they were stuck."""
    instance = Path(tempfile.mkdtemp(prefix="webpanel-bench-drip-"))
    uid = _prepare(instance)
    with served(instance, WORKERS, THREADS, {"WEBPANEL_MAIL_TIMEOUT": str(MAIL_TIMEOUT)}) as url:
        idle, busy, results = _measure(url, uid)
    longest = max(seconds for seconds, _ in results)
    ended = len(results) == SENDS and all(said for _, said in results)
    limit = MAIL_TIMEOUT + MARGIN
    ratio = busy / idle if idle else float("inf")
    return [
        Row(f"{SENDS} Send Tests to a dripping SMTP server ({WORKERS}x{THREADS} threads)",
            f"longest {longest:.1f} s, {sum(s for _, s in results)}/{SENDS} said no answer",
            f"each <= {limit:g} s", ended and longest <= limit),
        Row(f"Page median during {SENDS} dripping sends",
            f"{busy * 1000:.1f} ms ({ratio:.1f}x idle {idle * 1000:.1f} ms)", "<= 2x idle",
            ratio <= 2.0),
    ]

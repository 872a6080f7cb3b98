"""Pages while another connection holds SQLite's write lock for 5 seconds (a long save, a
migration, a backup tool): a page only reads, so it must not wait for the writer (WAL)."""

from __future__ import annotations

import sqlite3
import statistics
import threading
import time

from bench.harness import Row, make_panel, median_seconds
from webpanel.documents.sample import load_sample_data

HOLD = 5.0


def _holder(path: str, held: threading.Event, seconds: float) -> threading.Thread:
    """A thread that takes the write lock, keeps it `seconds`, then lets go."""

    def hold() -> None:
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("UPDATE email_settings SET signature = signature")
        held.set()
        time.sleep(seconds)
        connection.execute("ROLLBACK")
        connection.close()

    return threading.Thread(target=hold, daemon=True)


def run() -> list[Row]:
    """One row: the page median while the lock is held, against the idle median."""
    app, client, uid = make_panel()
    with app.app_context():
        load_sample_data()
    page = f"/users/{uid}/email/general"
    statuses: list[int] = []

    def fetch() -> None:
        statuses.append(client.get(page).status_code)

    idle = median_seconds(fetch)
    held = threading.Event()
    holder = _holder(app.config["DATABASE_URL"].removeprefix("sqlite:///"), held, HOLD)
    holder.start()
    held.wait(10)
    busy = []
    while holder.is_alive():
        started = time.perf_counter()
        fetch()
        busy.append(time.perf_counter() - started)
    holder.join()
    median = statistics.median(busy or [float("inf")])
    ratio = median / idle if idle else float("inf")
    errors = sum(1 for status in statuses if status != 200)
    return [Row(f"Page median while another connection holds the write lock {HOLD:g} s",
                f"{median * 1000:.1f} ms ({ratio:.1f}x idle {idle * 1000:.1f} ms), "
                f"{len(busy)} pages, {errors} errors", "<= 2x idle, 0 errors",
                ratio <= 2.0 and errors == 0)]

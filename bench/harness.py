"""Shared pieces: a throwaway panel with a signed-in user, timing, and the table."""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from webpanel import create_app, migrate
from webpanel.auth import services as auth_services
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

PASSWORD = "bench password 123"


@dataclass
class Row:
    """One line of the table."""

    name: str
    value: str
    target: str
    ok: bool


def office(app, people: int) -> list[int]:
    """Migrate the app's database, load the sample documents and create `people` people
    (person0@example.com, …); their ids."""
    with app.app_context():
        migrate.upgrade(app)
        load_sample_data()
        created = [auth_services.create_user(f"person{n}@example.com", PASSWORD)
                   for n in range(people)]
        db.session.commit()
        return [person.id for person in created]


def median_seconds(fn: Callable[[], object], runs: int = 21, warmup: int = 2) -> float:
    """The median wall time of `fn` over `runs` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def interleaved_medians(fns: list[Callable[[], object]], runs: int = 21,
                        warmup: int = 2) -> list[float]:
    """The median wall time of each of `fns`, called in turn in each round (so a slower
    moment of a shared machine weighs on all of them alike)."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, taken in zip(fns, samples, strict=True):
            started = time.perf_counter()
            fn()
            taken.append(time.perf_counter() - started)
    return [statistics.median(taken) for taken in samples]


def make_panel(**config):
    """A panel on a fresh instance folder with one signed-in user; returns (app, client, uid)."""
    os.environ["WEBPANEL_INSTANCE"] = tempfile.mkdtemp(prefix="webpanel-bench-")
    app = create_app({"TESTING": True, "SEND_TEST_LIMIT": 10_000, **config})
    with app.app_context():
        migrate.upgrade(app)
        user = auth_services.create_user("bench@example.com", PASSWORD, is_admin=True)
        db.session.commit()
        uid = user.id
    client = app.test_client()
    token = csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"csrf_token": token, "email": "bench@example.com",
                                "password": PASSWORD})
    return app, client, uid


def csrf(html: str) -> str:
    """The CSRF token in a page."""
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def print_table(rows: list[Row]) -> None:
    """Print the rows as an aligned table."""
    widths = [max(len(getattr(r, f)) for r in rows) for f in ("name", "value", "target")]
    header = ("measure", "median / value", "target")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + "  result"
    print(line)
    print("-" * len(line))
    for r in rows:
        cells = (r.name, r.value, r.target)
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)),
              " ok" if r.ok else " MISSED")


@contextmanager
def served(instance: Path, workers: int, threads: int, env: dict[str, str] | None = None,
           errors: Path | None = None) -> Iterator[str]:
    """The panel under gunicorn on a free port, as the README runs it; its URL. Stopped (the
    whole process group) afterwards; `errors` keeps gunicorn's log."""
    from tests.support.smtpd import free_port

    port = free_port()
    with (errors.open("w") if errors else open(os.devnull, "w")) as log:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--threads", str(threads), "--timeout", "60", "wsgi:app"], cwd=ROOT,
            env={**os.environ, "WEBPANEL_INSTANCE": str(instance), **(env or {})},
            stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        try:
            _wait_until_up(f"http://127.0.0.1:{port}", process)
            yield f"http://127.0.0.1:{port}"
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(20)


@contextmanager
def worker_processes(instance: Path, count: int = 1, threads: int = 2,
                     env: dict[str, str] | None = None) -> Iterator[list[subprocess.Popen]]:
    """`count` background workers (`flask worker --workers threads`) on `instance`, as
    `make run` starts one beside the web server; stopped (SIGTERM) afterwards."""
    with open(os.devnull, "w") as quiet:
        processes = [subprocess.Popen(
            [str(BIN / "flask"), "--app", "webpanel", "worker", "--workers", str(threads)],
            cwd=ROOT, env={**os.environ, "WEBPANEL_INSTANCE": str(instance), **(env or {})},
            stdout=quiet, stderr=quiet) for _ in range(count)]
    try:
        yield processes
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(20)


def _wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            requests.get(f"{url}/login", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("the panel did not start")

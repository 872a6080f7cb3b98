"""The background worker: a huey queue made per app (SQLite in the instance folder, or Redis
when `QUEUE_URL` is set), its tasks, and whether a worker is running (its heartbeat).

Features hand it jobs with `define` from their ``init_app``; `enqueue` queues one. A test app
may set WORKER_IMMEDIATE to run each job at once in the caller (huey's immediate mode).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper

from webpanel.worker import tasks
from webpanel.worker.tasks import HEARTBEAT_KEY, Job, daily, every_minutes

__all__ = ["HEARTBEAT_KEY", "Health", "Job", "beat", "daily", "define", "enqueue", "every_minutes",
           "health", "prepare", "preparations", "queue", "running", "task"]

log = logging.getLogger(__name__)

#: The queue's own SQLite file in the instance folder (when no QUEUE_URL is set).
QUEUE_FILE = "queue.db"
#: A worker counts as running while its heartbeat is younger than this many intervals.
STALE_AFTER_BEATS = 3
#: The pages warn that it stopped once no heartbeat came for this many intervals (two minutes
#: at the default ten seconds): a worker being restarted is not news.
QUIET_AFTER_BEATS = 12
EXTENSION = "webpanel.worker"


class Worker:
    """The app's queue, opened on first use (so an app that never queues opens nothing)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._huey: Huey | None = None
        self._tasks: dict[str, TaskWrapper] = {}
        self._opening = threading.Lock()
        self.jobs: dict[str, Job] = {}
        self.preparations: list[Callable[[], Any]] = []

    def define(self, job: Job) -> None:
        """Add a feature's job (before the queue opens; a name is taken once)."""
        if self._huey is not None:
            raise RuntimeError(f"The queue is open: define {job.name} in init_app.")
        if job.name in self.jobs or job.name == "ping":
            raise RuntimeError(f"The job {job.name} is already defined.")
        self.jobs[job.name] = job

    @property
    def huey(self) -> Huey:
        """The huey instance, with the panel's tasks registered on it."""
        return self._open()[0]

    def task(self, name: str) -> TaskWrapper:
        """A registered task by name: call it to queue it (returns huey's result handle)."""
        return self._open()[1][name]

    def _open(self) -> tuple[Huey, dict[str, TaskWrapper]]:
        with self._opening:  # one queue per app, even when two threads ask first
            if self._huey is None:
                huey = make_huey(self.app)
                self._tasks = tasks.register(huey, self.app, self.jobs.values())
                self._huey = huey
            return self._huey, self._tasks


def init_app(app: Flask) -> None:
    """Attach the (not yet opened) queue to the app."""
    app.extensions[EXTENSION] = Worker(app)


def make_huey(app: Flask) -> Huey:
    """RedisHuey on `QUEUE_URL`, else SqliteHuey on a 0600 file in the instance folder (a
    test app with WORKER_IMMEDIATE: jobs run in the caller, nothing is stored)."""
    if app.config.get("WORKER_IMMEDIATE"):
        return MemoryHuey("webpanel", immediate=True)
    url = app.config.get("QUEUE_URL")
    if url:
        return RedisHuey("webpanel", url=url)
    return SqliteHuey("webpanel", filename=str(_private_file(Path(app.instance_path) / QUEUE_FILE)))


def _private_file(path: Path) -> Path:
    """Create `path` readable by its owner only (mode 0600) if it does not exist yet."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    return path


def define(app: Flask, name: str, function: Callable[..., Any],
           every: Callable[..., bool] | None = None, at_start: bool = False) -> None:
    """Give the worker a job: `function` runs in a worker (within the app's context) when
    `enqueue(name, ...)` queues it, on its own by the schedule `every` (`every_minutes`,
    `daily`), and, `at_start`, once when a worker starts."""
    app.extensions[EXTENSION].define(Job(name, function, every, at_start))


def prepare(app: Flask, function: Callable[[], Any]) -> None:
    """Have each worker process call `function` (within the app's context) as it starts,
    before it takes a job: loading what the jobs need, so the first one is not the slow one."""
    app.extensions[EXTENSION].preparations.append(function)


def preparations(app: Flask) -> list[Callable[[], Any]]:
    """What a worker calls as it starts, before it takes a job (see `prepare`)."""
    return list(app.extensions[EXTENSION].preparations)


def start_jobs(app: Flask) -> list[str]:
    """The names of the jobs a worker queues as it starts."""
    return [job.name for job in app.extensions[EXTENSION].jobs.values() if job.at_start]


def enqueue(name: str, *args: Any, eta: datetime | None = None,
            app: Flask | None = None) -> bool:
    """Queue job `name` with small arguments, to run at once or from `eta` (UTC, naive).
    False when the queue cannot be reached (logged): the caller's record stays the truth,
    and the sweeper that reads it queues the job again."""
    wrapper = task(name, app)
    try:
        if eta is None:
            wrapper(*args)
        else:
            wrapper.schedule(args=args, eta=eta if eta.tzinfo else eta.replace(tzinfo=UTC))
    except Exception:
        if (app or current_app).config.get("WORKER_IMMEDIATE"):
            raise  # in a test the job's own error is the point
        log.exception("Could not queue %s; it is queued again by the next sweep", name)
        return False
    return True


def queue(app: Flask | None = None) -> Huey:
    """The app's huey instance (the current app's by default)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions[EXTENSION].huey


def task(name: str, app: Flask | None = None) -> TaskWrapper:
    """The current app's task `name`: `task("ping")()` queues it."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions[EXTENSION].task(name)


def beat(app: Flask | None = None) -> None:
    """Leave the time in the queue's storage, from a running worker: `running()` reads it."""
    queue(app).put(HEARTBEAT_KEY, time.time())


def last_heartbeat(app: Flask | None = None) -> float | None:
    """When a worker last beat (a Unix time), or None if never."""
    return queue(app).get(HEARTBEAT_KEY, peek=True)


def running(app: Flask | None = None) -> bool:
    """True only if a worker beat within the last few intervals (always, in
    immediate mode: every job runs where it is queued)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("WORKER_IMMEDIATE"):
        return True
    return _fresh(app, last_heartbeat(app))


def _fresh(app: Flask, beat: float | None) -> bool:
    limit = STALE_AFTER_BEATS * app.config["WORKER_HEARTBEAT"]
    return beat is not None and time.time() - beat < limit


@dataclass(frozen=True)
class Health:
    """Whether a worker runs, and when one last beat (naive UTC, like every stored time;
    None: never), for the pages that say so (templates/worker/_notice.html)."""

    running: bool
    last_beat: datetime | None = None
    reachable: bool = True  # False: the queue (Redis) did not answer
    stopped: bool = False  # the pages warn: never ran, silent for QUIET_AFTER_BEATS, no queue


def health(app: Flask | None = None) -> Health:
    """The worker's state as the pages show it (never raises: a queue that does not answer
    is a worker that does not run)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("WORKER_IMMEDIATE"):
        return Health(running=True)
    try:
        beat = last_heartbeat(app)
    except Exception:
        log.exception("Could not read the worker's heartbeat from the queue")
        return Health(running=False, reachable=False, stopped=True)
    moment = None if beat is None else datetime.fromtimestamp(beat, UTC).replace(tzinfo=None)
    quiet = beat is None or time.time() - beat >= QUIET_AFTER_BEATS * app.config[
        "WORKER_HEARTBEAT"]
    return Health(running=_fresh(app, beat), last_beat=moment, stopped=quiet)

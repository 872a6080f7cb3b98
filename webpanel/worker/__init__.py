"""The background worker: a huey queue made per app (SQLite in the instance folder, or Redis
when `QUEUE_URL` is set), its tasks, and whether a worker is running (its heartbeat)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper

from webpanel.worker import tasks
from webpanel.worker.tasks import HEARTBEAT_KEY

#: The queue's own SQLite file in the instance folder (when no QUEUE_URL is set).
QUEUE_FILE = "queue.db"
#: A worker counts as running while its heartbeat is younger than this many intervals.
STALE_AFTER_BEATS = 3
EXTENSION = "webpanel.worker"


class Worker:
    """The app's queue, opened on first use (so an app that never queues opens nothing)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._huey: Huey | None = None
        self._tasks: dict[str, TaskWrapper] = {}
        self._opening = threading.Lock()

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
                self._tasks = tasks.register(huey, self.app)
                self._huey = huey
            return self._huey, self._tasks


def init_app(app: Flask) -> None:
    """Attach the (not yet opened) queue to the app."""
    app.extensions[EXTENSION] = Worker(app)


def make_huey(app: Flask) -> Huey:
    """RedisHuey on `QUEUE_URL`, else SqliteHuey on a 0600 file in the instance folder."""
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


def queue(app: Flask | None = None) -> Huey:
    """The app's huey instance (the current app's by default)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions[EXTENSION].huey


def task(name: str, app: Flask | None = None) -> TaskWrapper:
    """The current app's task `name`: `task("ping")()` queues it."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.extensions[EXTENSION].task(name)


def last_heartbeat(app: Flask | None = None) -> float | None:
    """When a worker last ran its heartbeat task (a Unix time), or None if never."""
    return queue(app).get(HEARTBEAT_KEY, peek=True)


def running(app: Flask | None = None) -> bool:
    """True only if a worker ran its heartbeat within the last few intervals."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    beat = last_heartbeat(app)
    limit = STALE_AFTER_BEATS * app.config["WORKER_HEARTBEAT"]
    return beat is not None and time.time() - beat < limit

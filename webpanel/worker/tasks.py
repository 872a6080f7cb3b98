"""The tasks a worker runs, registered on each app's huey instance by name (a task carries
only small arguments, such as a message id; each runs inside the app's context).

The worker is core: it knows no feature. A feature hands it jobs from its ``init_app``
(``webpanel.worker.define``), so the tasks of every app are wired per app, like its slots.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask
from huey import Huey
from huey.api import TaskWrapper
from huey.api import crontab as Crontab  # noqa: N812 (a type here)

#: Where a running worker leaves the time of its last beat, in the queue's key-value storage.
HEARTBEAT_KEY = "webpanel:heartbeat"


@dataclass(frozen=True)
class Job:
    """A feature's task: its name, the function the worker runs, and for a periodic job its
    schedule (a huey crontab, which the consumer checks once a minute)."""

    name: str
    function: Callable[..., Any]
    every: Callable[..., bool] | None = None
    at_start: bool = False  # also queued once each time a worker starts


def register(huey: Huey, app: Flask, jobs: Iterable[Job] = ()) -> dict[str, TaskWrapper]:
    """Register the panel's own tasks and the features' jobs on `huey`, each run within
    `app`'s context; by name."""

    def ping() -> int:
        """Answer with the worker's process id: proves a queued task ran in a worker."""
        return os.getpid()

    registered = {"ping": huey.task(name="ping")(_in_context(app, ping))}
    for job in jobs:
        wrapped = _in_context(app, job.function)
        if job.every is None:
            registered[job.name] = huey.task(name=job.name)(wrapped)
        else:
            registered[job.name] = huey.periodic_task(job.every, name=job.name)(wrapped)
    return registered


def every_minutes(minutes: int) -> Callable[..., bool]:
    """A schedule for `Job.every`: every `minutes` minutes (1 to 60)."""
    return Crontab(minute="*" if minutes == 1 else f"*/{minutes}")


def daily(hour: int, minute: int = 0) -> Callable[..., bool]:
    """A schedule for `Job.every`: once a day at hour:minute (the server's clock)."""
    return Crontab(minute=str(minute), hour=str(hour))


def _in_context(app: Flask, function: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            return function(*args, **kwargs)

    return run

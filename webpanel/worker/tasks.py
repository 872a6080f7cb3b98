"""The tasks a worker runs, registered on each app's huey instance by name (a task carries
only small arguments; each runs inside the app's context)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask
from huey import Huey
from huey.api import TaskWrapper

#: Where the heartbeat task leaves the time it last ran, in the queue's key-value storage.
HEARTBEAT_KEY = "webpanel:heartbeat"


def register(huey: Huey, app: Flask) -> dict[str, TaskWrapper]:
    """Register the panel's tasks on `huey`, each run within `app`'s context; by name."""

    def heartbeat() -> None:
        """Leave the time in the queue's storage: `running()` reads it (no result is kept)."""
        huey.put(HEARTBEAT_KEY, time.time())

    def ping() -> int:
        """Answer with the worker's process id: proves a queued task ran in a worker."""
        return os.getpid()

    return {name: huey.task(name=name)(_in_context(app, function))
            for name, function in (("heartbeat", heartbeat), ("ping", ping))}


def _in_context(app: Flask, function: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            return function(*args, **kwargs)

    return run

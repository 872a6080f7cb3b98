"""`flask worker`: the huey consumer in a process of its own (it installs signal handlers,
so it cannot run inside a web server's thread), with a heartbeat the panel can see."""

from __future__ import annotations

import logging
import threading
import time

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from webpanel import worker

log = logging.getLogger(__name__)

#: The longest an idle worker waits between looks at an SQLite queue (Redis wakes it at once):
#: a message queued from the Email dialog starts within this.
POLL_SECONDS = 0.5


class Beat(threading.Thread):
    """Leaves the time in the queue's storage every `WORKER_HEARTBEAT` seconds while the
    consumer's process runs: written by this thread itself, so a worker whose threads are all
    busy with slow mail servers still shows as running."""

    def __init__(self, app: Flask) -> None:
        super().__init__(name="webpanel-heartbeat", daemon=True)
        self.app, self.stopped = app, threading.Event()

    def run(self) -> None:
        interval = self.app.config["WORKER_HEARTBEAT"]
        while True:
            try:
                worker.queue(self.app).put(worker.HEARTBEAT_KEY, time.time())
            except Exception:  # the queue is unreachable: say so, and beat again later
                log.exception("Could not write the heartbeat; the panel will show the worker "
                              "as stopped until it can")
            if self.stopped.wait(interval):
                return


@click.command("worker")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Tasks run at the same time (threads).")
@with_appcontext
def worker_command(workers: int) -> None:
    """Run the background worker until Ctrl+C or SIGTERM (start it beside the web server)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)  # not a line per heartbeat
    logging.getLogger("huey.consumer").setLevel(logging.INFO)
    if app.config.get("WORKER_IMMEDIATE"):
        raise click.UsageError("WORKER_IMMEDIATE runs each job where it is queued: no worker.")
    consumer = worker.queue(app).create_consumer(
        workers=workers, periodic=True, max_delay=POLL_SECONDS)
    for name in worker.start_jobs(app):  # e.g. the sweeper: what waited while none ran
        worker.enqueue(name, app=app)
    beat = Beat(app)
    beat.start()
    try:
        consumer.run()
    finally:
        beat.stopped.set()

"""`flask worker`: the huey consumer in a process of its own (it installs signal handlers,
so it cannot run inside a web server's thread), with a heartbeat the panel can see."""

from __future__ import annotations

import logging
import signal
import threading

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from huey import Huey
from huey.consumer import Consumer

from webpanel import migrate, worker

log = logging.getLogger(__name__)

#: How often an idle worker thread looks into a queue it has to poll (the SQLite file; Redis
#: hands a job over as it is queued): the longest a send waits for a free thread to see it.
#: A look is one read of a small table.
POLL_SECONDS = 0.1
#: The longest wait between two tries to read a queue that failed (Redis down).
RETRY_SECONDS = 10.0


class Beat(threading.Thread):
    """Leaves the time in the queue's storage every `WORKER_HEARTBEAT` seconds while the
    consumer's threads are alive. Written from here rather than by a queued task: a task
    would wait behind every job queued before it, and a worker draining a long queue would
    look stopped to the panel (whose dialog then says so)."""

    def __init__(self, app: Flask, consumer: Consumer) -> None:
        super().__init__(name="webpanel-heartbeat", daemon=True)
        self.app, self.consumer, self.stopped = app, consumer, threading.Event()

    def run(self) -> None:
        interval = self.app.config["WORKER_HEARTBEAT"]
        while True:
            alive = self.alive()
            if alive:
                try:
                    worker.beat(self.app)
                except Exception:  # the queue is unreachable: say so, and beat again later
                    log.exception("Could not leave the heartbeat; the panel will show the "
                                  "worker as stopped until it can")
            if self.stopped.wait(interval if alive else min(interval, 0.1)):
                return

    def alive(self) -> bool:
        """Whether the consumer's scheduler and every one of its worker threads run, and it
        has taken over SIGTERM (so a worker seen running stops cleanly when told to)."""
        environment, consumer = self.consumer.environment, self.consumer
        threads = [consumer.scheduler, *(thread for _, thread in consumer.worker_threads)]
        handled = signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)
        return handled and all(environment.is_alive(thread) for thread in threads)


def _pace(huey: Huey) -> dict[str, float]:
    """How huey's worker threads wait: a queue that is polled, every POLL_SECONDS whatever
    the hour (backing off while idle made a send wait up to RETRY_SECONDS); a blocking one
    (Redis) waits only after an error, backing off up to RETRY_SECONDS."""
    if huey.storage.blocking:
        return {"max_delay": RETRY_SECONDS}
    return {"initial_delay": POLL_SECONDS, "backoff": 1.0, "max_delay": POLL_SECONDS}


@click.command("worker")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Tasks run at the same time (threads).")
@with_appcontext
def worker_command(workers: int) -> None:
    """Run the background worker until Ctrl+C or SIGTERM (start it beside the web server)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)  # not a line per task
    logging.getLogger("huey.consumer").setLevel(logging.INFO)
    if app.config.get("WORKER_IMMEDIATE"):
        raise click.UsageError("WORKER_IMMEDIATE runs each job where it is queued: no worker.")
    if not migrate.is_current(app):
        raise click.UsageError("The database is not up to date: run `flask --app webpanel db "
                               "upgrade` first (`make run` does), then start the worker.")
    for prepare in worker.preparations(app):  # e.g. the PDF renderer: before any job
        prepare()
    huey = worker.queue(app)
    consumer = huey.create_consumer(workers=workers, periodic=True, **_pace(huey))
    for name in worker.start_jobs(app):  # e.g. the sweeper: what waited while none ran
        worker.enqueue(name, app=app)
    beat = Beat(app, consumer)
    beat.start()
    try:
        consumer.run()
    finally:
        beat.stopped.set()

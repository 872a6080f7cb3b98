"""Bounce reading on the background worker: every BOUNCE_CHECK_MINUTES, and when a worker
starts, one job per person with IMAP set up reads their inbox (each respecting the wait after
a failed reading, and the claim that keeps two readers apart); Check now queues one person's.
No page reads an inbox."""

from __future__ import annotations

import logging

from flask import Flask

from webpanel import worker
from webpanel.bounces import services
from webpanel.transactions import release

log = logging.getLogger(__name__)

CHECK_JOB = "bounces.check"
READ_ALL_JOB = "bounces.read-all"


def init_app(app: Flask) -> None:
    """Give the worker the bounce jobs, on the app's schedule."""
    worker.define(app, CHECK_JOB, check_one)
    worker.define(app, READ_ALL_JOB, read_all, at_start=True,
                  every=worker.every_minutes(app.config["BOUNCE_CHECK_MINUTES"]))


def read_all() -> int:
    """Queue a check for each active person whose IMAP settings are usable; how many."""
    people = [user.id for user, _config in services.people_with_imap()]
    for user_id in people:
        if not queue(user_id):
            break  # the queue is unreachable: the next round queues them
    return len(people)


def queue(user_id: int) -> bool:
    """Queue one person's check (the open transaction ends first); False if the queue was
    unreachable."""
    release()
    return worker.enqueue(CHECK_JOB, user_id)


def check_one(user_id: int) -> None:
    """Read one person's new bounce reports (the job); its outcome stays on their row."""
    result = services.check(user_id)
    if result.failed or result.busy:
        log.info("bounce check of user %s: %s", user_id, result.text)

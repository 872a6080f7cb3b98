"""Bounces' part of the outbox's pages (webpanel.outbox.slots): the delivery reports of Sent
mail's rows, a document's history and a previewed message, and where the reading of the
person's inbox stands; and bounces' jobs on the background worker. ``create_app`` calls
``init_app``."""

from __future__ import annotations

from flask import Flask

from webpanel.bounces import display, jobs, services
from webpanel.outbox import slots


def init_app(app: Flask) -> None:
    """Fill the outbox's bounce slots for ``app``, and give the worker the bounce jobs."""
    slots.BOUNCE_OUTCOMES.fill(app, display.outcomes)
    slots.BOUNCED.fill(app, display.reported)
    slots.BOUNCE_READING.fill(app, services.reading_for)
    jobs.init_app(app)

"""Pruning, so nothing grows without bound: expired sign-in sessions, rate-limit events older
than the longest window, invitation links spent a month ago, and the PDF cache (by age and
size). The background worker runs it nightly (PRUNE_AT), and `flask maintenance prune` at any
time; each sign-in prunes the sessions and rate events itself (`auth.services.prune_expired`).

Statistics, so SQLite plans its queries by what the tables hold (PostgreSQL's autovacuum keeps
its own): without them a search walks every invoice instead of reading the few its index
names. The worker refreshes them when it starts and nightly."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask

from webpanel import throttle, worker
from webpanel.auth import invitations
from webpanel.auth import services as auth_services
from webpanel.extensions import db

log = logging.getLogger(__name__)

PRUNE_JOB = "maintenance.prune"
#: When the worker prunes each night (hour, minute; the server's clock).
PRUNE_AT = (3, 0)
STATISTICS_JOB = "maintenance.statistics"
#: Rows SQLite samples per index for its statistics: close enough to plan by, and quick (a few
#: milliseconds) however large the tables grow.
ANALYSIS_LIMIT = 1000


@dataclass(frozen=True)
class Pruned:
    """What one prune removed."""

    sessions: int
    rate_events: int
    invitations: int = 0
    pdfs: int = 0
    pdf_bytes: int = 0


def prune_records() -> Pruned:
    """Delete expired sign-in sessions and rate events no window counts (the caller commits)."""
    return Pruned(sessions=auth_services.prune_expired_sessions(),
                  rate_events=throttle.prune(throttle.longest_window()),
                  invitations=invitations.prune_spent())


def prune_all() -> Pruned:
    """Prune the database rows (committed) and the PDF cache folder."""
    from webpanel.documents.services import pdf_cache  # documents imports much of the app

    records = prune_records()
    db.session.commit()
    files, freed = pdf_cache().prune()
    return Pruned(records.sessions, records.rate_events, records.invitations, files, freed)


def init_app(app: Flask) -> None:
    """Give the worker the nightly prune, and the statistics at its start and nightly."""
    worker.define(app, PRUNE_JOB, nightly, every=worker.daily(*PRUNE_AT))
    worker.define(app, STATISTICS_JOB, refresh_statistics, every=worker.daily(*PRUNE_AT),
                  at_start=True)


def refresh_statistics() -> bool:
    """Let SQLite's query planner know the tables' sizes (ANALYZE on a sample); True when done,
    False on PostgreSQL, which keeps its own."""
    if db.engine.dialect.name != "sqlite":
        return False
    connection = db.session.connection()
    connection.exec_driver_sql(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
    connection.exec_driver_sql("ANALYZE")
    db.session.commit()
    return True


def nightly() -> Pruned:
    """The worker's prune (the job): everything `prune_all` does, logged."""
    done = prune_all()
    log.info("pruned %d sign-in sessions, %d rate-limit records, %d used invitations, "
             "%d cached PDFs (%d bytes)", done.sessions, done.rate_events, done.invitations,
             done.pdfs, done.pdf_bytes)
    return done

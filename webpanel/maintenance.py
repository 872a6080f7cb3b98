"""Pruning, so nothing grows without bound: expired sign-in sessions, rate-limit events older
than the longest window, and the PDF cache (by age and size). Run by `flask maintenance prune`
(e.g. nightly from cron); each sign-in prunes the rows itself (`auth.services.prune_expired`)."""

from __future__ import annotations

from dataclasses import dataclass

from webpanel import throttle
from webpanel.auth import services as auth_services
from webpanel.extensions import db


@dataclass(frozen=True)
class Pruned:
    """What one prune removed."""

    sessions: int
    rate_events: int
    pdfs: int = 0
    pdf_bytes: int = 0


def prune_records() -> Pruned:
    """Delete expired sign-in sessions and rate events no window counts (the caller commits)."""
    return Pruned(sessions=auth_services.prune_expired_sessions(),
                  rate_events=throttle.prune(throttle.longest_window()))


def prune_all() -> Pruned:
    """Prune the database rows (committed) and the PDF cache folder."""
    from webpanel.documents.services import pdf_cache  # documents imports much of the app

    records = prune_records()
    db.session.commit()
    files, freed = pdf_cache().prune()
    return Pruned(records.sessions, records.rate_events, files, freed)

"""The worker's round: make each due run's document, then email it or leave it as a draft.

A run is claimed with a compare-and-set on its schedule's next_run, in the transaction that
inserts the run (unique per schedule and day) and numbers its document: two workers, or one
restarted, never make two documents for one run. A schedule whose runs were missed while no
worker ran makes one document, for its newest due day; the days before it are skipped, and its
next run is the first one after today. Emailing comes after the commit (no PDF render and no
network call inside a transaction), through the outbox with a key per run, so it is sent once.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from webpanel import timefmt
from webpanel.database import utcnow
from webpanel.documents import services as documents
from webpanel.documents.pdf import PdfRenderError
from webpanel.extensions import db
from webpanel.outbox import compose
from webpanel.outbox import services as outbox
from webpanel.recurring import dates
from webpanel.recurring.models import (
    ACTIVE,
    EMAIL,
    EMAILED,
    ENDED,
    LEFT_DRAFT,
    MADE,
    NOT_EMAILED,
    Run,
    Schedule,
)
from webpanel.settings import services as settings_services
from webpanel.transactions import release

log = logging.getLogger("webpanel.recurring")

RUN_JOB = "recurring.run_due"
#: The zone furthest ahead of UTC (Kiribati, UTC+14): no schedule's day comes before this.
AHEAD = timedelta(hours=14)
#: A run made but not yet emailed after this long was cut short (a worker stopped between the
#: two steps): the next round emails it; the outbox's key makes a second try harmless.
UNFINISHED_AFTER = timedelta(minutes=2)

NOT_BY_ITSELF = ("Its sender's way of sending is Email Client, so the panel cannot email it by "
                 "itself: open it and press Email, or choose SMTP Server, Gmail API or Outlook "
                 "API on Email settings → SMTP.")


def run_due() -> int:
    """The worker's job (every minute and as a worker starts): make every due run, email what
    should be emailed, and finish runs cut short; returns how many documents it made."""
    made = 0
    for schedule_id in due_ids():
        run_id = _guarded(make_run, schedule_id)
        if run_id is not None:
            made += 1
            _guarded(finish, run_id)
    for run_id in unfinished():
        _guarded(finish, run_id)
    return made


def _guarded(step, an_id: int):
    """One schedule's step; a surprise is logged and rolled back, so it cannot stop the other
    schedules' runs (its own is tried again at the next round: nothing was committed)."""
    try:
        return step(an_id)
    except Exception:
        log.exception("recurring %s(%s) failed; tried again next round", step.__name__, an_id)
        db.session.rollback()
        return None


def due_ids() -> list[int]:
    """The active schedules whose next run may have come somewhere on Earth."""
    horizon = (utcnow() + AHEAD).date()
    ids = list(db.session.scalars(select(Schedule.id).where(
        Schedule.status == ACTIVE, Schedule.next_run <= horizon)
        .order_by(Schedule.next_run, Schedule.id)))
    release()
    return ids


def make_run(schedule_id: int) -> int | None:
    """Claim the schedule's due run and make its document in one transaction; the run's id,
    or None when nothing is due (yet, in its creator's zone) or another worker took it."""
    schedule = db.session.get(Schedule, schedule_id)
    today = timefmt.today(schedule.user.time_zone) if schedule else None
    if schedule is None or not _due(schedule, today):
        release()
        return None
    last_day = min(today, schedule.until) if schedule.until else today
    found = dates.latest_due(schedule.first_run, schedule.interval, last_day)
    if found is None or found[1] < schedule.next_run:  # its last day passed: nothing more
        _end(schedule)
        return None
    return _claim(schedule, *found)


def _due(schedule: Schedule, today: date) -> bool:
    return schedule.status == ACTIVE and schedule.next_run is not None \
        and schedule.next_run <= today


def _claim(schedule: Schedule, number: int, run_on: date) -> int | None:
    """Move next_run on (ending the schedule after its last run) where it still holds what
    was read, insert the run and its numbered document, and commit all of it, or nothing."""
    following = dates.occurrence(schedule.first_run, schedule.interval, number + 1)
    last = (schedule.times is not None and schedule.runs_made + 1 >= schedule.times) or (
        schedule.until is not None and following > schedule.until)
    claimed = db.session.execute(
        update(Schedule).where(Schedule.id == schedule.id, Schedule.status == ACTIVE,
                               Schedule.next_run == schedule.next_run)
        .values(next_run=None if last else following, status=ENDED if last else ACTIVE,
                runs_made=Schedule.runs_made + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.rollback()
        return None
    document = documents.copy_document(schedule.document, run_on)
    documents.number_document(document)
    run = Run(schedule_id=schedule.id, run_on=run_on, document=document,
              outcome=MADE if schedule.action == EMAIL else LEFT_DRAFT)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:  # the run exists: another worker made it
        db.session.rollback()
        return None
    log.info("schedule %s made %s for %s", schedule.id, document.number, run_on)
    return run.id


def _end(schedule: Schedule) -> None:
    """End a schedule whose last day passed with no run left to make."""
    db.session.execute(update(Schedule).where(Schedule.id == schedule.id,
                                              Schedule.status == ACTIVE)
                       .values(status=ENDED, next_run=None, updated_at=utcnow())
                       .execution_options(synchronize_session=False))
    db.session.commit()


def unfinished() -> list[int]:
    """Runs made for emailing whose email was not handed to the outbox in time."""
    ids = list(db.session.scalars(select(Run.id).where(
        Run.outcome == MADE, Run.created_at < utcnow() - UNFINISHED_AFTER).order_by(Run.id)))
    release()
    return ids


def finish(run_id: int) -> None:
    """Email a run's document as its creator, to its schedule's recipients, with the kind's
    template (a problem that stops it is kept on the run, and the document stays)."""
    run = db.session.get(Run, run_id)
    if run is None or run.outcome != MADE:
        release()
        return
    schedule, document = run.schedule, run.document
    if document is None:
        _outcome(run_id, NOT_EMAILED, problem="The document was deleted before it was emailed.")
        return
    settings = settings_services.load(schedule.user_id)
    if not compose.schedulable(settings.send_using):
        _outcome(run_id, NOT_EMAILED, problem=NOT_BY_ITSELF)
        return
    try:
        draft = compose.unattended_draft(document, settings, schedule.to_addrs,
                                         schedule.cc_addrs)
        message = outbox.send(settings, draft, f"recurring-run-{run_id}",
                              document=(document.id, document.label))
    except outbox.NotReady as refused:
        db.session.rollback()
        _outcome(run_id, NOT_EMAILED, problem=str(refused))
    except PdfRenderError:
        log.exception("PDF of recurring run %s could not be made", run_id)
        db.session.rollback()
        _outcome(run_id, NOT_EMAILED, problem="The PDF could not be made, so it was not "
                 "emailed. Open the document and use Email when the PDF works again.")
    else:
        _outcome(run_id, EMAILED, message_id=message.id)


def _outcome(run_id: int, outcome: str, problem: str = "", message_id: int | None = None
             ) -> None:
    """Record what became of a run still "made" (a second finisher changes nothing)."""
    db.session.execute(update(Run).where(Run.id == run_id, Run.outcome == MADE)
                       .values(outcome=outcome, problem=problem, message_id=message_id,
                               updated_at=utcnow())
                       .execution_options(synchronize_session=False))
    db.session.commit()

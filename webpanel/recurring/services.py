"""Schedules: make one from a document, pause, resume and end it, and what the pages list."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from webpanel import timefmt
from webpanel.extensions import db
from webpanel.recurring import dates
from webpanel.recurring.models import (
    ACTIVE,
    ENDED,
    LEFT_DRAFT,
    NOT_EMAILED,
    PAUSED,
    Run,
    Schedule,
)

#: How many drafts made by schedules, and how many upcoming runs, the home page lists.
ON_HOME = 8


def create(document_id: int, user_id: int, plan: dict) -> Schedule:
    """Save a new active schedule; `plan` holds the form's cleaned values (unit, every,
    day_of_month, start, until, times, action, to_addrs, cc_addrs)."""
    interval = dates.Interval(plan["unit"], plan["every"], plan["day_of_month"])
    first = dates.first_run(plan["start"], interval)
    schedule = Schedule(document_id=document_id, user_id=user_id, unit=interval.unit,
                        every=interval.every, day_of_month=interval.day, first_run=first,
                        next_run=first, until=plan["until"], times=plan["times"],
                        action=plan["action"], to_addrs=plan["to_addrs"],
                        cc_addrs=plan["cc_addrs"], status=ACTIVE)
    db.session.add(schedule)
    db.session.commit()
    return schedule


def get(schedule_id: int) -> Schedule | None:
    """The schedule with this id, or None."""
    return db.session.get(Schedule, schedule_id)


def may_change(schedule: Schedule, user) -> bool:
    """Whether `user` may pause, resume or end it: its creator (it sends in their name) or an
    administrator."""
    return schedule.user_id == user.id or bool(user.is_admin)


def pause(schedule: Schedule) -> bool:
    """Stop making documents until resumed; False when it is not active."""
    if schedule.status != ACTIVE:
        return False
    schedule.status = PAUSED
    db.session.commit()
    return True


def resume(schedule: Schedule) -> bool:
    """Start again from the first run on or after today (runs missed while paused are not
    made); False when it is not paused. A schedule with no run left ends instead."""
    if schedule.status != PAUSED:
        return False
    today = timefmt.today(schedule.user.time_zone)
    upcoming = dates.next_after(schedule.first_run, schedule.interval, today - timedelta(days=1))
    left = schedule.until is None or upcoming <= schedule.until
    schedule.status, schedule.next_run = (ACTIVE, upcoming) if left else (ENDED, None)
    db.session.commit()
    return True


def end(schedule: Schedule) -> bool:
    """End it for good (the documents it made stay); False when it already ended."""
    if schedule.status == ENDED:
        return False
    schedule.status, schedule.next_run = ENDED, None
    db.session.commit()
    return True


def all_schedules() -> list[Schedule]:
    """Every schedule: running and paused first, by next run, then the ended ones."""
    rows = db.session.scalars(select(Schedule).options(
        selectinload(Schedule.document), selectinload(Schedule.user))
        .order_by(Schedule.status == ENDED, Schedule.next_run, Schedule.id))
    return list(rows)


def of_document(document_id: int) -> Schedule | None:
    """The document's schedule that has not ended, if any."""
    return db.session.scalars(select(Schedule).where(
        Schedule.document_id == document_id, Schedule.status != ENDED)
        .order_by(Schedule.id.desc())).first()


def upcoming() -> list[Schedule]:
    """The next runs of active schedules, the soonest first (ON_HOME of them)."""
    return list(db.session.scalars(_upcoming_query()))


@cache
def _upcoming_query() -> Select:
    """`upcoming`'s statement, built once per process (building costs more than running it)."""
    return (select(Schedule).where(Schedule.status == ACTIVE)
            .options(selectinload(Schedule.document))
            .order_by(Schedule.next_run, Schedule.id).limit(ON_HOME))


def left_as_drafts() -> list[Run]:
    """The newest runs whose document was not emailed (ON_HOME of them): left as a draft, or
    not emailed because of a problem (kept on the run)."""
    return list(db.session.scalars(_drafts_query()))


@cache
def _drafts_query() -> Select:
    """`left_as_drafts`' statement, built once per process."""
    return (select(Run).where(Run.outcome.in_((LEFT_DRAFT, NOT_EMAILED)),
                              Run.document_id.is_not(None))
            .options(selectinload(Run.document)).order_by(Run.id.desc()).limit(ON_HOME))


def suggested_start(document_date: date, today: date, unit: str) -> date:
    """Where the form's first run starts: one interval after the document's date, or today
    when that has passed."""
    interval = dates.Interval(unit, 1, document_date.day)
    return max(dates.occurrence(document_date, interval, 1), today)

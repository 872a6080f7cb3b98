"""Undo after Send: an administrator sets how long each email waits (Company → Sending); the
dialog counts down with Undo, which cancels it before any byte leaves. Jobs run where they are
queued (immediate mode: a job for a later time waits for the sweeper); real SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from tests.conftest import Htmx
from tests.support.office import first_document, messages, send
from webpanel.extensions import db
from webpanel.outbox import dispatch
from webpanel.outbox.models import Message


def set_undo(admin_client, seconds: str):
    """Save the Company page with an Undo time (and a company name, which it needs)."""
    hx = Htmx(admin_client, "/company/")
    return hx.post("/company/", {"name": "Northwind Studio LLC", "undo_seconds": seconds})


def time_passes(app, seconds: float) -> int:
    """Move every message's times back by `seconds`, then run the sweeper."""
    with app.app_context():
        for row in db.session.execute(select(Message.id, Message.updated_at, Message.due_at)):
            db.session.execute(update(Message).where(Message.id == row.id).values(
                updated_at=row.updated_at - timedelta(seconds=seconds),
                due_at=row.due_at and row.due_at - timedelta(seconds=seconds)))
        db.session.commit()
        return dispatch.sweep()


def test_undo_cancels_an_email_before_anything_leaves(sam, office, admin_client):
    assert "Saved" in set_undo(admin_client, "10").get_data(as_text=True)
    html = send(sam, first_document(office, "invoice").id)
    seconds = int(re.search(r"Sending in (\d+) seconds", html).group(1))
    assert 8 <= seconds <= 10 and ">Undo<" in html and not sam.smtp.messages
    [record] = messages(office)
    assert record.status == "queued" and record.attempts == 0

    undone = sam.post(f"/sent/{record.id}/undo", {"in_dialog": "1"}).get_data(as_text=True)
    assert "Cancelled." in undone and "was not sent" in undone
    assert messages(office)[0].status == "cancelled"
    assert "Cancelled" in sam.get("/sent").get_data(as_text=True)
    assert time_passes(office, 3600) == 0 and not sam.smtp.messages


def test_without_undo_the_email_goes_once_its_time_is_up(sam, office, admin_client):
    set_undo(admin_client, "5")
    send(sam, first_document(office, "invoice").id)
    [record] = messages(office)
    assert "Sending in" in sam.get(f"/sent/{record.id}/progress?in_dialog=1").get_data(True)
    assert time_passes(office, 5 + 130) == 1  # the worker's job was lost: swept up
    assert len(sam.smtp.wait_for_messages(1)) == 1 and messages(office)[0].status == "sent"
    late = sam.post(f"/sent/{record.id}/undo", {"in_dialog": "1"}).get_data(as_text=True)
    assert "Sent." in late and messages(office)[0].status == "sent"


def test_undo_is_off_by_default_and_refuses_other_values(sam, office, admin_client):
    assert "Sent." in send(sam, first_document(office, "invoice").id)
    refused = set_undo(admin_client, "7")
    assert refused.status_code == 422 and "Not a valid choice" in refused.get_data(True)


def test_another_persons_message_cannot_be_undone(sam, office, admin_client):
    set_undo(admin_client, "30")
    send(sam, first_document(office, "invoice").id)
    [record] = messages(office)
    assert Htmx(admin_client, "/").post(f"/sent/{record.id}/undo", {}).status_code == 404
    assert messages(office)[0].status == "queued"

"""Slots (webpanel.slots): a feature fills a slot of a page below it from its init_app, wired in
create_app; pages get their sections' data from their views, not from template globals."""

from __future__ import annotations

import pytest
from flask import Flask

from webpanel.documents import slots as document_slots
from webpanel.outbox import slots as outbox_slots
from webpanel.slots import Slot

#: Globals that loaded data (or decided on Retry) from a template; views pass it now.
REMOVED_GLOBALS = ("email_history", "email_statuses", "last_emailed", "bounce_outcome",
                   "can_retry", "row_status")


def test_an_unfilled_slot_gives_its_empty_value_and_a_filled_one_its_providers():
    app = Flask(__name__)
    slot = Slot("test.words", lambda ids: {})
    with app.app_context():
        assert slot([1, 2]) == {}
    slot.fill(app, lambda ids: {i: f"#{i}" for i in ids})
    with app.app_context():
        assert slot([1, 2]) == {1: "#1", 2: "#2"}
    with Flask(__name__).app_context():  # each app is wired on its own
        assert slot([1]) == {}


def test_a_slot_has_one_filler():
    app = Flask(__name__)
    slot = Slot("test.once", lambda: None)
    slot.fill(app, lambda: 1)
    with pytest.raises(RuntimeError, match="already filled"):
        slot.fill(app, lambda: 2)


def test_create_app_fills_the_documents_and_outbox_slots(app):
    filled = app.extensions["webpanel.slots"]
    assert {document_slots.EMAIL_STATUSES.name, document_slots.EMAIL_HISTORY.name,
            document_slots.LAST_EMAILED.name, outbox_slots.BOUNCE_OUTCOMES.name} <= set(filled)


def test_no_template_global_loads_a_documents_email_or_bounces_or_offers_retry(app):
    assert not set(REMOVED_GLOBALS) & set(app.jinja_env.globals)

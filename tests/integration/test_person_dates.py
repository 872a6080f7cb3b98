"""A date filled in for a person is today where they are, not on the server's clock: a new
document's date. Two zones 25 hours apart (UTC+14 and UTC−11): at any moment at least one of
them is not on the server's (UTC) date, so reading the server's date fails this test whatever
the hour."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from webpanel.auth.models import User
from webpanel.extensions import db


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_a_new_document_is_dated_today_where_the_person_is(app, user_client, user_id, zone):
    with app.app_context():
        db.session.get(User, user_id).time_zone = zone
        db.session.commit()
    before = datetime.now(ZoneInfo(zone)).date()
    html = user_client.get("/documents/invoices/new").get_data(as_text=True)
    after = datetime.now(ZoneInfo(zone)).date()
    shown = re.search(r'name="date"[^>]*value="([0-9-]+)"|value="([0-9-]+)"[^>]*name="date"',
                      html)
    assert shown, "no date field"
    assert (shown.group(1) or shown.group(2)) in (before.isoformat(), after.isoformat())


def test_the_zones_disagree_with_the_server_at_some_hour():
    """The premise: one of the two zones is on another date than UTC right now."""
    now = datetime.now(UTC)
    zones = ("Pacific/Kiritimati", "Pacific/Pago_Pago")
    dates = {now.astimezone(ZoneInfo(zone)).date() for zone in zones}
    assert dates - {now.date()}

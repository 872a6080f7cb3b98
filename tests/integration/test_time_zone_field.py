"""The Time zone choice: one real <select>, UTC first, then the zones grouped by region with
their names written with spaces; the person's own zone is the one selected, and the options
rendered once per process never carry one person's choice to another."""

from __future__ import annotations

from html.parser import HTMLParser

from sqlalchemy import update
from wtforms import Form

from webpanel import timefmt, zonefield
from webpanel.auth.models import User
from webpanel.extensions import db
from webpanel.zonefield import ZoneField


class SelectReader(HTMLParser):
    """The time_zone <select>'s groups and options: (group, value, label, selected)."""

    def __init__(self, name: str = "time_zone") -> None:
        super().__init__()
        self.name, self.inside, self.group = name, False, None
        self.attrs: dict[str, str | None] = {}
        self.options: list[list] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "select" and found.get("name") == self.name:
            self.inside, self.attrs = True, found
        elif self.inside and tag == "optgroup":
            self.group = found["label"]
        elif self.inside and tag == "option":
            self.options.append([self.group, found["value"], "", "selected" in found])

    def handle_endtag(self, tag):
        if tag == "optgroup":
            self.group = None
        elif tag == "select":
            self.inside = False

    def handle_data(self, data):
        if self.inside and self.options and not self.options[-1][2]:
            self.options[-1][2] = data


def zone_select(html: str, name: str = "time_zone") -> SelectReader:
    reader = SelectReader(name)
    reader.feed(html)
    assert reader.options, "no time zone select on the page"
    return reader


def set_zone(app, user_id: int, zone: str) -> None:
    with app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(time_zone=zone))
        db.session.commit()


def general_tab(client, user_id: int) -> str:
    return client.get(f"/users/{user_id}/email/general").get_data(as_text=True)


def test_the_zones_are_grouped_by_region_with_readable_names(app, user_client, user_id):
    set_zone(app, user_id, "America/New_York")
    select = zone_select(general_tab(user_client, user_id))
    assert select.attrs["id"] == "time_zone" and select.attrs["aria-describedby"]
    assert select.options[0] == [None, "UTC", "UTC", False]  # first, alone
    groups = [group for group, *_ in select.options]
    assert {"Africa", "America", "Asia", "Europe", "Pacific"} <= set(groups)
    assert None not in groups[1:]
    by_value = {value: (group, label) for group, value, label, _ in select.options}
    assert by_value["America/New_York"] == ("America", "New York")
    assert by_value["America/Argentina/Buenos_Aires"] == ("America", "Argentina / Buenos Aires")
    assert by_value["Europe/Paris"] == ("Europe", "Paris")
    assert not any("_" in label for _, _, label, _ in select.options)
    assert set(by_value) == set(timefmt.zone_names())  # every zone, each once
    assert len(select.options) == len(timefmt.zone_names())


def test_only_the_persons_own_zone_is_selected_and_the_next_person_gets_theirs(
        app, user_client, user_id, admin_client, admin_id):
    set_zone(app, user_id, "Europe/Paris")
    set_zone(app, admin_id, "Asia/Tokyo")
    for _ in range(2):  # the cached options never keep the previous person's selection
        mine = [value for *_, value, _, chosen in zone_select(general_tab(
            user_client, user_id)).options if chosen]
        theirs = [value for *_, value, _, chosen in zone_select(general_tab(
            admin_client, admin_id)).options if chosen]
        assert mine == ["Europe/Paris"] and theirs == ["Asia/Tokyo"]


def test_the_office_time_zone_on_the_reminder_plan_uses_the_same_grouped_choice(
        app, admin_client):
    select = zone_select(admin_client.get("/reminders/").get_data(as_text=True))
    assert [value for _, value, _, chosen in select.options if chosen] == ["UTC"]
    assert ["Europe", "Paris", False] in [option[0:1] + option[2:] for option in select.options]


class ZoneForm(Form):
    time_zone = ZoneField("Time zone", validate_choice=False)


def test_names_and_labels_are_escaped(monkeypatch):
    monkeypatch.setattr(timefmt, "zone_names",
                        lambda: ("UTC", 'Test/<b>"Bold"_&_Co', "Test/Plain"))
    zonefield.zone_options.cache_clear()
    try:
        form = ZoneForm(data={"time_zone": 'Test/<b>"Bold"_&_Co'})
        html = str(form.time_zone(**{"data-note": '"><script>'}))
    finally:
        zonefield.zone_options.cache_clear()
    assert "<b>" not in html and "<script>" not in html
    assert ('<option selected value="Test/&lt;b&gt;&#34;Bold&#34;_&amp;_Co">'
            '&lt;b&gt;&#34;Bold&#34; &amp; Co</option>') in html
    assert 'data-note="&#34;&gt;&lt;script&gt;"' in html
    assert html.count("<optgroup") == 1 and '<option value="Test/Plain">Plain</option>' in html
    assert html.count("selected") == 1

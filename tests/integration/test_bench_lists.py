"""The issue-22 bench suites reach what they claim to measure (on a 100-row panel)."""

from __future__ import annotations

import shutil

import pytest

from bench import lists, pages, seed


@pytest.fixture
def small_panel(monkeypatch, tmp_path):
    """The bench's 100-row panel on SQLite, made for this test and removed after it."""
    monkeypatch.setenv("WEBPANEL_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setattr(seed, "_PANELS", {})
    made = seed.panel("sqlite", seed.SMALL)
    yield made
    made.app.extensions["webpanel.engine"].dispose()
    shutil.rmtree(made.app.instance_path, ignore_errors=True)


def test_every_list_measure_finds_its_rows(small_panel):
    """Each list request answers 200 with the row it expects (one match finds its row)."""
    for measure in lists.measures(small_panel):
        lists._get(small_panel, measure)


def test_every_get_route_is_measured_or_left_out_with_a_reason(small_panel):
    """A new page cannot slip past the bench: each GET endpoint has an address or a reason."""
    measured = {small_panel.app.url_map.bind("localhost").match(url.split("?")[0])[0]
                for url in pages.addresses(small_panel)}
    endpoints = {rule.endpoint for rule in small_panel.app.url_map.iter_rules()
                 if "GET" in rule.methods}
    assert endpoints - measured == set(pages.SKIPPED) & endpoints
    assert {"documents.index_of", "contacts.index", "outbox.sent"} <= measured

"""The Integrations how-to names the traps that break sign-ins later."""

from __future__ import annotations


def test_the_howto_names_the_known_traps(admin_client):
    page = admin_client.get("/integrations/").get_data(as_text=True)
    assert "<strong>In production</strong>" in page and "<strong>Internal</strong>" in page
    assert "after 7 days" in page
    assert "(multi-tenant)" in page and "<code>common</code>" in page
    assert page.count("must use HTTPS, except for <code>localhost</code>") == 2
    assert "unused for 90 days" in page

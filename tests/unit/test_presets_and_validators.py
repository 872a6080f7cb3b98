"""Provider presets and the strict address check."""

from __future__ import annotations

import pytest

from webpanel.settings.presets import for_address
from webpanel.validators import normalize_address


@pytest.mark.parametrize(("address", "server", "port", "security"), [
    ("a@gmail.com", "smtp.gmail.com", 465, "ssl"),
    ("a@outlook.com", "smtp.office365.com", 587, "tls"),
    ("a@contoso.onmicrosoft.com", "smtp.office365.com", 587, "tls"),
    ("a@yahoo.com", "smtp.mail.yahoo.com", 465, "ssl"),
    ("a@icloud.com", "smtp.mail.me.com", 587, "tls"),
    ("a@zoho.com", "smtp.zoho.com", 465, "ssl"),
    ("a@fastmail.com", "smtp.fastmail.com", 465, "ssl"),
    ("a@aol.com", "smtp.aol.com", 465, "ssl"),
    ("a@gmx.net", "mail.gmx.com", 587, "tls"),
])
def test_presets(address, server, port, security):
    preset = for_address(address)
    assert (preset.server, preset.port, preset.security) == (server, port, security)


def test_caveats_point_to_the_api_tabs():
    assert "app password" in for_address("a@gmail.com").caveat
    assert "Outlook tab" in for_address("a@hotmail.com").caveat


def test_no_preset_for_other_domains():
    assert for_address("a@acme-supplies.com") is None and for_address("") is None


@pytest.mark.parametrize("value", ["", "a", "a@", "@b.com", "a@b.com,c@d.com", "a@b.com; c@d.com",
                                   "Name <a@b.com>", "a@b.com\r\n", "a b@c.com", '"a"@b.com'])
def test_strict_addresses_refuse(value):
    with pytest.raises(ValueError):
        normalize_address(value)


def test_addresses_are_normalised():
    assert normalize_address("  Sam@EXAMPLE.com ") == "Sam@example.com"

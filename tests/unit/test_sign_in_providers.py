"""The table of sign-in providers (webpanel.sending.SIGN_INS): every entry has what the
Integrations page, the OAuth client and the Email tab build from it, and nothing clashes."""

from __future__ import annotations

import re
import string

import pytest

from webpanel import sending
from webpanel.emailtab.page import TAB_LABELS
from webpanel.integrations.forms import IntegrationsForm
from webpanel.integrations.models import IntegrationSettings
from webpanel.oauth.health import UNUSED_LIMITS

ENTRIES = list(sending.SIGN_INS.values())


def test_names_tabs_and_labels_are_unique() -> None:
    for attribute in ("name", "label", "tab_name", "tab", "sign_in", "deauthorize"):
        values = [getattr(p, attribute) for p in ENTRIES]
        assert len(set(values)) == len(values), f"two providers share a {attribute}: {values}"


@pytest.mark.parametrize("p", ENTRIES, ids=lambda p: p.name)
def test_each_provider_is_complete(p: sending.SignIn) -> None:
    assert re.fullmatch(r"[a-z]+", p.name) and p.api.provider == p.name
    assert TAB_LABELS[p.tab] == p.tab_name and UNUSED_LIMITS[p.name] == p.unused
    assert all([p.label, p.sign_in, p.deauthorize, p.scope, p.client_id_label,
                p.client_secret_label, p.howto])
    assert set(p.deauthorized) == ({"revoked", "already revoked", "not reached"}
                                   if p.revoke_url else {""})
    for column in (f"{p.name}_client_id", f"{p.name}_client_secret_enc"):
        assert hasattr(IntegrationSettings, column)
    assert hasattr(IntegrationsForm, f"{p.name}_client_id")
    assert hasattr(IntegrationsForm, f"{p.name}_client_secret")


@pytest.mark.parametrize("p", ENTRIES, ids=lambda p: p.name)
def test_every_endpoint_names_a_config_key_with_a_default(p: sending.SignIn) -> None:
    for template in (p.authorize_url, p.token_url, p.userinfo_url, p.revoke_url):
        names = {field for _, field, _, _ in string.Formatter().parse(template) if field}
        assert names <= set(p.endpoints) | ({"tenant"} if p.tenant_key else set()), template
    assert all(url.startswith("https://") for url in p.endpoints.values())


def test_sentences_join_names() -> None:
    assert sending.joined(["Gmail", "Outlook"]) == "Gmail and Outlook"
    assert sending.joined(["A", "B", "C"], "or") == "A, B or C"
    assert sending.joined(["Gmail"]) == "Gmail"

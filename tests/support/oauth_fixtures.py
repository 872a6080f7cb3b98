"""Pytest fixtures: the Google and Microsoft stand-ins, and an app pointed at them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.emulators import GoogleEmulator, MicrosoftEmulator

GOOGLE_ID, GOOGLE_SECRET = "panel.apps.googleusercontent.com", "google-client-secret-xyz"
MICROSOFT_ID, MICROSOFT_SECRET = "0b5c4f1e-panel-app", "microsoft-client-secret-xyz"
CALLBACKS = ["http://localhost/oauth/google/callback", "http://localhost/oauth/microsoft/callback"]


@pytest.fixture(scope="session")
def session_google() -> Iterator[GoogleEmulator]:
    """Google's stand-in, started once for the session (tests use `google`)."""
    with GoogleEmulator(GOOGLE_ID, GOOGLE_SECRET, default_email="sam@example.com",
                        redirect_uris=CALLBACKS) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def session_microsoft() -> Iterator[MicrosoftEmulator]:
    """Microsoft's stand-in, started once for the session (tests use `microsoft`)."""
    with MicrosoftEmulator(MICROSOFT_ID, MICROSOFT_SECRET, default_email="sam@example.com",
                           redirect_uris=CALLBACKS) as emulator:
        yield emulator


@pytest.fixture
def google(session_google: GoogleEmulator) -> GoogleEmulator:
    """Google's OAuth and Gmail API, on 127.0.0.1, as if just started (reset for this test)."""
    session_google.reset()
    return session_google


@pytest.fixture
def microsoft(session_microsoft: MicrosoftEmulator) -> MicrosoftEmulator:
    """Microsoft's identity platform and Graph, on 127.0.0.1, as if just started (reset)."""
    session_microsoft.reset()
    return session_microsoft


def endpoint_config(google: GoogleEmulator, microsoft: MicrosoftEmulator) -> dict[str, str]:
    """The instance-config overrides that point the panel at the stand-ins."""
    return {
        "GOOGLE_AUTHORIZE_URL": google.urls["authorize_url"],
        "GOOGLE_TOKEN_URL": google.urls["token_url"],
        "GOOGLE_REVOKE_URL": google.urls["revoke_url"],
        "GOOGLE_USERINFO_URL": google.urls["userinfo_url"],
        "GMAIL_API_BASE_URL": google.urls["api_base_url"],
        "GMAIL_UPLOAD_BASE_URL": google.urls["upload_base_url"],
        "MICROSOFT_AUTHORITY_URL": microsoft.base_url + "/",
        "GRAPH_API_BASE_URL": microsoft.urls["graph_base_url"],
    }


@pytest.fixture
def emulated(app, google, microsoft):
    """The test app, pointed at the stand-ins and configured with both app registrations."""
    app.config.update(endpoint_config(google, microsoft))
    app.config.update(GOOGLE_CLIENT_ID=GOOGLE_ID, GOOGLE_CLIENT_SECRET=GOOGLE_SECRET,
                      MICROSOFT_CLIENT_ID=MICROSOFT_ID, MICROSOFT_CLIENT_SECRET=MICROSOFT_SECRET)
    return app

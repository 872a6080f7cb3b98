"""Google and Microsoft as the panel talks to them: endpoints, scopes and credentials.

Endpoints default to the real services; the instance config may override each URL (that is how
the tests point the panel at local emulators). Credentials come from the environment or the
instance config when set there, otherwise from the Integrations page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from webpanel import sending
from webpanel.crypto import SecretUnreadable, secret_box
from webpanel.extensions import db
from webpanel.integrations.models import IntegrationSettings

GOOGLE_SCOPE = "openid email https://www.googleapis.com/auth/gmail.send"
MICROSOFT_SCOPE = ("openid email offline_access https://graph.microsoft.com/Mail.Send "
                   "https://graph.microsoft.com/User.Read")
#: Added when MICROSOFT_LARGE_MESSAGES is on: Graph's drafts and upload sessions (messages over
#: 4 MB) need it, and it also lets the app read the mailbox, so it is off by default.
MICROSOFT_LARGE_SCOPE = "https://graph.microsoft.com/Mail.ReadWrite"
ENDPOINT_DEFAULTS = {
    "GOOGLE_AUTHORIZE_URL": "https://accounts.google.com/o/oauth2/v2/auth",
    "GOOGLE_TOKEN_URL": "https://oauth2.googleapis.com/token",
    "GOOGLE_REVOKE_URL": "https://oauth2.googleapis.com/revoke",
    "GOOGLE_USERINFO_URL": "https://openidconnect.googleapis.com/v1/userinfo",
    "GMAIL_API_BASE_URL": "https://gmail.googleapis.com/",
    "GMAIL_UPLOAD_BASE_URL": "https://gmail.googleapis.com/upload/",
    "MICROSOFT_AUTHORITY_URL": "https://login.microsoftonline.com/",
    "GRAPH_API_BASE_URL": "https://graph.microsoft.com/v1.0/",
}
LABELS = {"google": "Google", "microsoft": "Microsoft"}
#: The Gmail and Outlook tabs' names; a provider's tab is also its "Send Mail Using" value.
TABS = {m.provider: m.tab for m in sending.APIS.values()}
PROVIDERS = {tab: provider for provider, tab in TABS.items()}
#: The words each tab uses, from the seed's help page.
WORDS = {
    "google": {"name": "Gmail", "sign_in": "Sign In With Google",
               "deauthorize": "De-Authorize Gmail", "method": sending.GMAIL.label},
    "microsoft": {"name": "Outlook", "sign_in": "Sign in to Outlook",
                  "deauthorize": "De-Authorize Outlook",
                  "method": sending.OUTLOOK.label},
}


@dataclass(frozen=True)
class Provider:
    """One identity provider, ready for the authorization code flow."""

    name: str
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    scope: str
    revoke_url: str | None = None
    authorize_params: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        """"Google" or "Microsoft"."""
        return LABELS[self.name]


def stored() -> IntegrationSettings:
    """The Integrations row (an unsaved default if none yet)."""
    return db.session.get(IntegrationSettings, 1) or IntegrationSettings(
        id=1, google_client_id="", microsoft_client_id="", microsoft_tenant="common")


def endpoint(name: str) -> str:
    """An endpoint URL from the config, or the real service's."""
    return current_app.config.get(name) or ENDPOINT_DEFAULTS[name]


def from_environment(key: str) -> str:
    """A credential set in the environment or instance config ("" if not)."""
    return str(current_app.config.get(key) or "")


def credentials(name: str) -> tuple[str, str]:
    """(client id, client secret) for a provider; the environment wins over the page."""
    prefix = name.upper()
    row = stored()
    client_id = from_environment(f"{prefix}_CLIENT_ID") or getattr(row, f"{name}_client_id")
    secret = from_environment(f"{prefix}_CLIENT_SECRET")
    token = getattr(row, f"{name}_client_secret_enc")
    if not secret and token:
        try:
            secret = secret_box().decrypt(token)
        except SecretUnreadable:
            secret = ""
    return client_id, secret


def tenant() -> str:
    """The Microsoft tenant (default "common")."""
    return from_environment("MICROSOFT_TENANT") or stored().microsoft_tenant or "common"


def get(name: str) -> Provider | None:
    """The provider if an administrator (or the environment) configured it, else None."""
    client_id, secret = credentials(name)
    if not (client_id and secret):
        return None
    if name == "google":
        return Provider("google", client_id, secret, endpoint("GOOGLE_AUTHORIZE_URL"),
                        endpoint("GOOGLE_TOKEN_URL"), GOOGLE_SCOPE, endpoint("GOOGLE_REVOKE_URL"),
                        {"access_type": "offline", "prompt": "consent"})
    authority = endpoint("MICROSOFT_AUTHORITY_URL").rstrip("/") + "/" + tenant()
    scope = MICROSOFT_SCOPE
    if current_app.config.get("MICROSOFT_LARGE_MESSAGES"):
        scope += " " + MICROSOFT_LARGE_SCOPE
    return Provider("microsoft", client_id, secret, f"{authority}/oauth2/v2.0/authorize",
                    f"{authority}/oauth2/v2.0/token", scope,
                    authorize_params={"prompt": "select_account"})

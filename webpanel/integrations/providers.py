"""Google and Microsoft as the panel talks to them: endpoints, scopes and credentials, from the
one table of sign-in providers (`webpanel.sending.SIGN_INS`).

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

ENDPOINT_DEFAULTS = {key: default for p in sending.SIGN_INS.values()
                     for key, default in p.endpoints.items()}
LABELS = {p.name: p.label for p in sending.SIGN_INS.values()}
#: The Gmail and Outlook tabs' names; a provider's tab is also its "Send Mail Using" value.
TABS = {p.name: p.tab for p in sending.SIGN_INS.values()}
PROVIDERS = {tab: provider for provider, tab in TABS.items()}
#: The words each tab uses (the seed's help page), as the templates name them.
WORDS = {p.name: {"name": p.tab_name, "sign_in": p.sign_in, "deauthorize": p.deauthorize,
                  "method": p.api.label} for p in sending.SIGN_INS.values()}


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
    userinfo_url: str = ""

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


def url(sign_in: sending.SignIn, template: str) -> str:
    """One of a provider's endpoint URLs: its "{CONFIG_KEY}" parts from `endpoint` (without
    their final "/"), its {tenant} from `tenant`."""
    values = {key: endpoint(key).rstrip("/") for key in sign_in.endpoints}
    return template.format(tenant=tenant(sign_in) if sign_in.tenant_key else "", **values)


def from_environment(key: str) -> str:
    """A credential set in the environment or instance config ("" if not)."""
    return str(current_app.config.get(key) or "")


def credentials(name: str) -> tuple[str, str]:
    """(client id, client secret) for a provider; the environment wins over the page."""
    prefix = sending.SIGN_INS[name].config_prefix
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


def tenant(sign_in: sending.SignIn) -> str:
    """The provider's tenant (Microsoft's; default "common")."""
    column = f"{sign_in.name}_tenant"
    return from_environment(sign_in.tenant_key) or getattr(stored(), column) or "common"


def scope(sign_in: sending.SignIn) -> str:
    """The scopes to ask for, with the extra one while its config switch is on."""
    switch, extra = sign_in.extra_scope
    return f"{sign_in.scope} {extra}" if switch and current_app.config.get(switch) else \
        sign_in.scope


def extra_allowed(sign_in: sending.SignIn) -> bool:
    """Whether the administrator's switch for the extra scope is on (Outlook: messages over
    4 MB, MICROSOFT_LARGE_MESSAGES)."""
    switch = sign_in.extra_scope[0]
    return bool(switch and current_app.config.get(switch))


def lacks_extra(sign_in: sending.SignIn, granted: str) -> bool:
    """Whether the switch is on but a sign-in's granted scopes (`granted`, as the provider
    gave them: full URLs or short names) lack the extra one: it came before the switch."""
    if not extra_allowed(sign_in):
        return False
    wanted = _short(sign_in.extra_scope[1])
    return wanted not in {_short(scope) for scope in granted.split()}


def _short(scope: str) -> str:
    """"https://graph.microsoft.com/Mail.ReadWrite" and "Mail.ReadWrite" alike."""
    return scope.rsplit("/", 1)[-1].lower()


def get(name: str) -> Provider | None:
    """The provider if an administrator (or the environment) configured it, else None."""
    client_id, secret = credentials(name)
    if not (client_id and secret):
        return None
    sign_in = sending.SIGN_INS[name]
    return Provider(name, client_id, secret, url(sign_in, sign_in.authorize_url),
                    url(sign_in, sign_in.token_url), scope(sign_in),
                    url(sign_in, sign_in.revoke_url) or None, dict(sign_in.authorize_params),
                    url(sign_in, sign_in.userinfo_url))

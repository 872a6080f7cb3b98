"""The ways of sending, in one registry: SMTP Server, Email Client, Gmail API, Outlook API;
and beside it the one table of sign-in providers (Google, Microsoft) that the APIs send through.

Everything that differs between them is said once, here: the words a person reads, the status
a message ends in, what must be set up first, and where its transport comes from. Like Django's
`get_connection`, a method names its transport factory by dotted path and imports it only when
a message is sent, so this module stays importable from models and forms. A provider's entry
holds its words, scopes, endpoints (as config keys with the real services' URLs), how long an
unused sign-in lasts, what De-Authorize says and the Integrations how-to: the Integrations page,
the OAuth client, the Email tab's tabs and every sentence about a sign-in are built from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from werkzeug.utils import import_string

from webpanel.mailbase import MailError

if TYPE_CHECKING:
    from webpanel.mailbase import Transport
    from webpanel.settings.models import EmailSettings


@dataclass(frozen=True)
class Method:
    """One way of sending, as the Email tab, the Email dialog and Sent mail speak of it."""

    name: str  # stored in email_settings.send_using and messages.method
    label: str  # the "Send Mail Using" choice
    short: str  # Sent mail's Method column
    note: str  # the Email dialog's line about what Send does ({server}, {account})
    success: str  # a message's status once the transport accepted it
    factory: str  # "module:function" taking EmailSettings, returning a Transport
    needs: str = ""  # "server" (SMTP settings) or "sign-in" (an OAuth account)
    provider: str = ""  # the OAuth provider of an API ("google", "microsoft")
    tab: str = ""  # the Email sub-tab that sets it up
    carrier: str = ""  # how a sentence names what carries the message ("the Outlook API")
    #: Whether an address with accents before the @ can be a recipient (None: the server says).
    international_recipients: bool | None = None
    #: Whether its own network carries the message (an unexpected error may have sent it).
    network: bool = True
    #: Whose own Sent folder already gets a copy of each message ("Gmail"), if anyone's.
    keeps_sent_copy: str = ""
    #: Whether a copy goes to the person's Sent folder by IMAP after it is sent.
    imap_copy: bool = False
    send_button: str = "Send"

    @property
    def is_api(self) -> bool:
        """Gmail API or Outlook API: sends through a signed-in account."""
        return self.needs == "sign-in"

    def transport(self, settings: EmailSettings) -> Transport:
        """This method's transport for a person's settings; raises MailError if not set up."""
        build: Callable[[EmailSettings], Transport] = import_string(self.factory)
        return build(settings)


SMTP = Method(
    "smtp", "SMTP Server", "SMTP", "Sends now through your SMTP server ({server}).", "sent",
    "webpanel.settings.services:smtp_transport", needs="server", tab="smtp", imap_copy=True)
CLIENT = Method(
    "client", "Email Client", "Email client",
    "Downloads a draft (.eml) with the PDF attached: open it in your email program (Outlook, "
    "Apple Mail, Thunderbird), check it and press Send there.", "handed_off",
    "webpanel.mail.transports:client_handoff", tab="smtp", network=False,
    send_button="Download draft")
GMAIL = Method(
    "gmail", "Gmail API", "Gmail API", "Sends now through Gmail as {account}.", "sent",
    "webpanel.settings.services:gmail_transport", needs="sign-in", provider="google",
    tab="gmail", carrier="Gmail", international_recipients=True, keeps_sent_copy="Gmail")
OUTLOOK = Method(
    "outlook", "Outlook API", "Outlook API", "Sends now through Outlook as {account}.", "sent",
    "webpanel.settings.services:outlook_transport", needs="sign-in", provider="microsoft",
    tab="outlook", carrier="the Outlook API", international_recipients=False,
    keeps_sent_copy="Microsoft")

METHODS: dict[str, Method] = {m.name: m for m in (SMTP, CLIENT, GMAIL, OUTLOOK)}
#: The methods offered on every SMTP tab; the APIs join once their tab is signed in.
ALWAYS_OFFERED = (SMTP, CLIENT)
APIS: dict[str, Method] = {m.name: m for m in METHODS.values() if m.is_api}
LABELS: dict[str, str] = {m.name: m.short for m in METHODS.values()}


@dataclass(frozen=True)
class SignIn:
    """One sign-in provider: the accounts an API method sends through, as the Integrations page,
    the OAuth client and the Email tab speak of them."""

    #: Stored in oauth_accounts.provider; in the callback URL (/oauth/google/callback), the
    #: Integrations columns (google_client_id) and, upper case, the config keys (GOOGLE_...).
    name: str
    label: str  # the company ("Google"): "Sign-in with Google is not set up yet."
    tab_name: str  # the Email sub-tab's label and how sentences name the service ("Gmail")
    sign_in: str  # the sign-in button
    deauthorize: str  # the De-Authorize button
    scope: str
    #: Endpoint URLs: "{CONFIG_KEY}" placeholders (each without its final "/") and {tenant}.
    authorize_url: str
    token_url: str
    userinfo_url: str  # where the signed-in account's address is read
    revoke_url: str = ""  # none: De-Authorize only deletes the tokens here
    #: config key -> the real service's URL (the instance config may override each).
    endpoints: Mapping[str, str] = field(default_factory=dict)
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    #: (config switch, scope added while it is on), if any.
    extra_scope: tuple[str, str] = ("", "")
    tenant_key: str = ""  # the config key of a directory (tenant) the URLs name, if any
    #: (days after which it ends unused, days unused after which the panel warns, words)
    unused: tuple[int, int, str] = (0, 0, "")
    client_id_label: str = ""
    client_secret_label: str = ""
    #: De-Authorize's notice by what revoking gave ("revoked", "already revoked", "not
    #: reached"; "" when there is no revoke endpoint).
    deauthorized: Mapping[str, str] = field(default_factory=dict)
    #: The Integrations how-to, one step a line (HTML; {redirect_uri} is filled in). A step may
    #: start with "#anchor " to give it an id that other pages link to.
    howto: tuple[str, ...] = ()

    @property
    def heading(self) -> str:
        """The Integrations page's section: "Google (Gmail)"."""
        return f"{self.label} ({self.tab_name})"

    @property
    def config_prefix(self) -> str:
        """"GOOGLE": GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET set it up from the server."""
        return self.name.upper()

    @property
    def api(self) -> Method:
        """The way of sending through this provider's accounts (Google → Gmail API)."""
        return api_for(self.name)

    @property
    def tab(self) -> str:
        """Its Email sub-tab ("gmail"), also its "Send Mail Using" value."""
        return self.api.tab


HTTPS_HOWTO = "The redirect URI must use HTTPS, except for <code>localhost</code>"
MICROSOFT_CONSENT_HELP = ("To remove the panel's access at Microsoft too: for a work or school "
                          "account open https://myapplications.microsoft.com, for a personal "
                          "account https://account.live.com/consent/Manage, and remove the app.")
GOOGLE = SignIn(
    "google", "Google", "Gmail", "Sign In With Google", "De-Authorize Gmail",
    "openid email https://www.googleapis.com/auth/gmail.send",
    "{GOOGLE_AUTHORIZE_URL}", "{GOOGLE_TOKEN_URL}", "{GOOGLE_USERINFO_URL}",
    revoke_url="{GOOGLE_REVOKE_URL}",
    endpoints={"GOOGLE_AUTHORIZE_URL": "https://accounts.google.com/o/oauth2/v2/auth",
               "GOOGLE_TOKEN_URL": "https://oauth2.googleapis.com/token",
               "GOOGLE_REVOKE_URL": "https://oauth2.googleapis.com/revoke",
               "GOOGLE_USERINFO_URL": "https://openidconnect.googleapis.com/v1/userinfo",
               "GMAIL_API_BASE_URL": "https://gmail.googleapis.com/",
               "GMAIL_UPLOAD_BASE_URL": "https://gmail.googleapis.com/upload/"},
    authorize_params={"access_type": "offline", "prompt": "consent"},
    unused=(182, 170, "six months"),
    client_id_label="Google client ID", client_secret_label="Google client secret",
    deauthorized={
        "revoked": "Gmail is de-authorized: Google revoked the panel's access and the tokens are "
                   "deleted.",
        "already revoked": "Google says this sign-in was already revoked; it is removed here "
                           "too. Gmail is de-authorized.",
        "not reached": "The panel deleted its Gmail tokens, but Google could not be reached to "
                       "revoke them. To be sure, remove the panel under Google Account → Security "
                       "→ Third-party access."},
    howto=(
        "In the Google Cloud console, create a project and enable the <strong>Gmail API</strong>.",
        "Under <em>APIs &amp; Services → OAuth consent screen</em>, add the scope "
        "<code>https://www.googleapis.com/auth/gmail.send</code>.",
        "Under <em>Credentials</em>, create an <strong>OAuth client ID</strong> of type "
        "<em>Web application</em> with this authorized redirect URI:<br>"
        "<code>{redirect_uri}</code>",
        "Copy the client ID and secret here.",
        "#google-publish Publish the app: on the consent screen choose <strong>In production"
        "</strong> (or <strong>Internal</strong> for a Google Workspace organisation). An app "
        "left in <em>Testing</em> loses its sign-ins after 7 days: people would have to sign in "
        "again every week (their Gmail tab says when theirs ends). After publishing, each person "
        "signs in again once.",
        HTTPS_HOWTO + " while trying the panel on your own computer."))
MICROSOFT = SignIn(
    "microsoft", "Microsoft", "Outlook", "Sign in to Outlook", "De-Authorize Outlook",
    "openid email offline_access https://graph.microsoft.com/Mail.Send "
    "https://graph.microsoft.com/User.Read",
    "{MICROSOFT_AUTHORITY_URL}/{tenant}/oauth2/v2.0/authorize",
    "{MICROSOFT_AUTHORITY_URL}/{tenant}/oauth2/v2.0/token", "{GRAPH_API_BASE_URL}/me",
    endpoints={"MICROSOFT_AUTHORITY_URL": "https://login.microsoftonline.com/",
               "GRAPH_API_BASE_URL": "https://graph.microsoft.com/v1.0/"},
    authorize_params={"prompt": "select_account"},
    # Graph's drafts and upload sessions (messages over 4 MB) need Mail.ReadWrite, which also
    # lets the app read the mailbox, so it is asked for only when MICROSOFT_LARGE_MESSAGES is on.
    extra_scope=("MICROSOFT_LARGE_MESSAGES", "https://graph.microsoft.com/Mail.ReadWrite"),
    tenant_key="MICROSOFT_TENANT", unused=(90, 80, "90 days"),
    client_id_label="Microsoft application (client) ID",
    client_secret_label="Microsoft client secret",
    deauthorized={"": "Outlook is de-authorized: the panel deleted its tokens. "
                      + MICROSOFT_CONSENT_HELP},
    howto=(
        "In the Microsoft Entra admin center, open <em>App registrations → New registration</em>. "
        "With the tenant <code>common</code> (below), choose <strong>Accounts in any "
        "organizational directory and personal Microsoft accounts</strong> (multi-tenant): a "
        "single-tenant app refuses everyone else's sign-in.",
        "Add a <strong>Web</strong> redirect URI:<br><code>{redirect_uri}</code>",
        "Under <em>API permissions</em>, add Microsoft Graph delegated permissions "
        "<code>Mail.Send</code>, <code>User.Read</code> and <code>offline_access</code>.",
        "Under <em>Certificates &amp; secrets</em>, create a client secret; copy the application "
        "(client) ID and the secret's value here. " + HTTPS_HOWTO + ".",
        "Microsoft ends a sign-in that goes unused for 90 days: people who rarely send through "
        "Outlook may have to sign in again."))
SIGN_INS: dict[str, SignIn] = {p.name: p for p in (GOOGLE, MICROSOFT)}


def get(name: str) -> Method:
    """The method stored as `name`; KeyError for a name the panel does not know."""
    return METHODS[name]


def api_for(provider: str) -> Method:
    """The API method that sends through `provider`'s accounts ("google" → Gmail API)."""
    return next(m for m in APIS.values() if m.provider == provider)


def joined(words: list[str], conjunction: str = "and") -> str:
    """Names in a sentence: "Gmail and Outlook", "SMTP Server, Gmail API or Outlook API"."""
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1] if len(words) > 1 else \
        "".join(words)


def transport_for(settings: EmailSettings, name: str | None = None) -> Transport:
    """The transport for `name` (default: the person's "Send Mail Using")."""
    method = METHODS.get(name or settings.send_using)
    if method is None:  # never a silent fallback to another way of sending
        raise MailError("settings", "The saved way of sending is not one the panel knows.",
                        "Open Email settings → SMTP, choose under Send Mail Using and save, "
                        "then Retry.", retryable=False)
    return method.transport(settings)

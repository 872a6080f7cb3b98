"""The Email tab's page: whose tab it is, and the page or sub-tab fragment with every form and
notice it needs. Each route module of the tab renders through here."""

from __future__ import annotations

from flask import abort, request, session
from flask_login import current_user

from webpanel import sending
from webpanel.auth.models import User
from webpanel.company import services as company_services
from webpanel.emailtab import api_tabs, imap_section
from webpanel.emailtab.forms import GeneralForm, SmtpForm
from webpanel.extensions import db
from webpanel.fragments import render_htmx
from webpanel.integrations import providers
from webpanel.mail.smtp import DEFAULT_PORTS
from webpanel.oauth import services as oauth_services
from webpanel.settings import audit, imap_settings, mx, presets, services
from webpanel.settings.models import EmailSettings

#: The Email tab's sub-tabs and their labels, in order (the seed's help page): General, SMTP,
#: then one per sign-in provider (Gmail, Outlook), all shown by settings/partials/_api_tab.html.
TAB_LABELS = {"general": "General", "smtp": "SMTP",
              **{p.tab: p.tab_name for p in sending.SIGN_INS.values()}}
TABS = tuple(TAB_LABELS)
#: How Send Test on a colleague's tab names the accounts it never sends through.
OTHER_ACCOUNTS = sending.joined([p.tab_name for p in sending.SIGN_INS.values()], "or")
#: Set by De-Authorize when the API it signed out of was "Send Mail Using" (api_views).
FALLBACK_KEY = "send_using_fallback"


def owner_or_404(user_id: int) -> User:
    """The user whose tab this is: oneself, or anyone for an admin; otherwise 404."""
    if user_id != current_user.id and not current_user.is_admin:
        abort(404)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def smtp_form(user_id: int, **kwargs) -> SmtpForm:
    """The SMTP form, offering Gmail API / Outlook API once their tabs are signed in."""
    form = SmtpForm(**kwargs)
    form.offer_apis(oauth_services.connected_apis(user_id))
    return form


def _fallback_notice(owner_id: int) -> str | None:
    """Once after De-Authorize: "You signed out of Gmail; choose how to send"."""
    fallback = session.get(FALLBACK_KEY)
    if not fallback or fallback.get("user_id") != owner_id:
        return None
    session.pop(FALLBACK_KEY)
    name = providers.WORDS[providers.PROVIDERS[fallback["tab"]]]["name"]
    return (f"You signed out of {name}; choose how to send. Send Mail Using is SMTP Server "
            "for now: choose another way below and Save if you like.")


def own_bounce_checks(owner_id: int) -> bool:
    """Whether a Send Test result asks for the bounce note (earlier bounces, a failed reading):
    one's own tab, with IMAP set up."""
    return owner_id == current_user.id and imap_settings.imap_config_for(owner_id) is not None


def office_start(form: SmtpForm, settings: EmailSettings) -> bool:
    """Fill the office's mail server (set on the Company page) into the form of someone who
    sends by SMTP and has no server saved, with their Email Address as User Name; whether it
    did. Only a starting value: nothing is saved until they press Save."""
    office = company_services.office_mail()
    if settings.smtp_server or settings.send_using != sending.SMTP.name or \
            not office.smtp_server:
        return False
    form.smtp_server.data, form.smtp_port.data = office.smtp_server, office.smtp_port
    form.smtp_security.data = office.smtp_security
    form.smtp_username.data = settings.smtp_username or settings.address
    return True


def _lookup_offered(settings: EmailSettings, context: dict) -> bool:
    """Whether the SMTP tab offers "Look up recommended settings": only when it can help (the
    Email Address is on a domain that is no known provider's, and no server is saved or
    filled in from the office), or to show what the look-up just said."""
    if context.get("recommended_notice"):
        return True
    return (mx.worth_looking_up(settings.address or "") and not settings.smtp_server
            and not context.get("office_filled"))


def render_tab(owner: User, tab: str, status: int = 200, **context):
    """The Email tab's page or sub-tab fragment, with every form and notice it needs."""
    settings = services.load(owner.id)
    preset = context.pop("preset", None) or presets.for_address(settings.address)
    partial = f"settings/partials/_{tab}.html"
    if tab in providers.PROVIDERS:
        partial = "settings/partials/_api_tab.html"
        context.update(api_tabs.context(tab, owner.id, current_user.id, settings,
                                        request.args))
    context.setdefault("general_form", GeneralForm(formdata=None, obj=settings,
                                                   time_zone=owner.time_zone or "UTC"))
    if "smtp_form" not in context:
        context["smtp_form"] = smtp_form(owner.id, formdata=None, obj=settings)
        context["office_filled"] = office_start(context["smtp_form"], settings)
    if tab == "smtp":
        context.setdefault("send_using_notice", _fallback_notice(owner.id))
        context.setdefault("imap_section", imap_section.context(owner.id))
        context["lookup_offered"] = _lookup_offered(settings, context)
    return render_htmx(
        "settings/email.html", partial, status=status,
        owner=owner, tab=tab, tabs=TABS, settings=settings,
        password_state=services.password_state(settings),
        changes=audit.pending(owner.id) if owner.id == current_user.id else [],
        preset=preset, send_methods=sending.METHODS,
        editing_other=owner.id != current_user.id,
        default_ports={k: {"data-default-port": v} for k, v in DEFAULT_PORTS.items()}, **context,
    )

"""What the Gmail and Outlook tabs of the Email tab show: set-up state, the account, warnings,
sent messages."""

from __future__ import annotations

from collections.abc import Mapping

from webpanel import sending
from webpanel.integrations import providers
from webpanel.oauth import health
from webpanel.oauth.services import account_for
from webpanel.outbox import listing
from webpanel.outbox.models import STATUS_LABELS
from webpanel.settings.models import EmailSettings


def context(tab: str, owner_id: int, viewer_id: int, settings: EmailSettings,
            args: Mapping[str, str]) -> dict:
    """The tab's template values; the sent list only for the tab's own owner; whether the
    sign-in predates what an administrator now allows (Outlook: messages over 4 MB)."""
    provider = providers.PROVIDERS[tab]
    account = account_for(owner_id, provider)
    own = owner_id == viewer_id
    page = listing.page_from_request(owner_id, args, method=tab) if own and account else None
    mismatch = bool(account and account.email and settings.address
                    and account.email.lower() != settings.address.lower())
    return {"words": providers.WORDS[provider], "provider_label": providers.LABELS[provider],
            "configured": providers.get(provider) is not None, "account": account,
            "own_tab": own, "page": page, "name_mismatch": mismatch,
            "risks": [r for r in health.risks(account) if r.kind != "reconnect"] if account
            else [],
            "methods": sending.LABELS, "statuses": STATUS_LABELS,
            "sign_in_for_more": bool(account and providers.lacks_extra(
                sending.SIGN_INS[provider], account.scope))}

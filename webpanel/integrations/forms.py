"""The Integrations form: a client ID and a write-only secret per sign-in provider (from the
table in webpanel.sending), and the Microsoft tenant."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import Length, Regexp

from webpanel import sending
from webpanel.validators import single_line

CLIENT_ID = [Length(max=300), single_line]
SECRET = [Length(max=500), single_line]


class IntegrationsForm(FlaskForm):
    """The app registrations: `<provider>_client_id` and `<provider>_client_secret` for each
    provider of the table, then `<provider>_tenant` where the provider has tenants."""


def _add_provider_fields(sign_in: sending.SignIn) -> None:
    """One provider's fields, in the order the page shows them."""
    setattr(IntegrationsForm, f"{sign_in.name}_client_id",
            StringField(sign_in.client_id_label, validators=CLIENT_ID))
    setattr(IntegrationsForm, f"{sign_in.name}_client_secret",
            PasswordField(sign_in.client_secret_label, validators=SECRET))
    if sign_in.tenant_key:
        setattr(IntegrationsForm, f"{sign_in.name}_tenant", StringField(
            f"{sign_in.label} tenant", validators=[
                Length(max=100), single_line,
                Regexp(r"^[A-Za-z0-9.-]*$", message="Use “common”, “organizations”, your "
                       "tenant's domain or its ID (letters, digits, dots, dashes)."),
            ]))


for _sign_in in sending.SIGN_INS.values():
    _add_provider_fields(_sign_in)

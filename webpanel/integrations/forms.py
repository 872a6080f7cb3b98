"""The Integrations form: client IDs, write-only secrets, the Microsoft tenant."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import Length, Regexp

from webpanel.validators import single_line

CLIENT_ID = [Length(max=300), single_line]
SECRET = [Length(max=500), single_line]


class IntegrationsForm(FlaskForm):
    """Google and Microsoft app registrations."""

    google_client_id = StringField("Google client ID", validators=CLIENT_ID)
    google_client_secret = PasswordField("Google client secret", validators=SECRET)
    microsoft_client_id = StringField("Microsoft application (client) ID", validators=CLIENT_ID)
    microsoft_client_secret = PasswordField("Microsoft client secret", validators=SECRET)
    microsoft_tenant = StringField("Microsoft tenant", validators=[
        Length(max=100), single_line,
        Regexp(r"^[A-Za-z0-9.-]*$", message="Use “common”, “organizations”, your tenant's "
                                            "domain or its ID (letters, digits, dots, dashes)."),
    ])

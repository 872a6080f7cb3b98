"""The administrator's Integrations page: write-only, encrypted client secrets; config wins."""

from __future__ import annotations

from tests.conftest import Htmx
from tests.support.api_accounts import FORM
from webpanel import create_app, migrate
from webpanel.extensions import db
from webpanel.integrations import providers
from webpanel.integrations.models import IntegrationSettings


def test_only_admins(user_client):
    assert user_client.get("/integrations/").status_code == 403


def test_admin_saves_registrations_and_secrets_stay_hidden(app, admin_client, instance_dir):
    hx = Htmx(admin_client, "/integrations/")
    page = admin_client.get("/integrations/").get_data(as_text=True)
    assert "http://localhost/oauth/google/callback" in page
    assert "http://localhost/oauth/microsoft/callback" in page
    response = hx.post("/integrations/", FORM, htmx=False)
    assert response.status_code == 302  # POST-redirect-GET: a reload does not post again
    html = admin_client.get(response.location).get_data(as_text=True)
    assert "Saved" in html and "GOCSPX-very-secret" not in html and "ms~secret" not in html
    assert "A secret is stored. Leave blank to keep it." in html
    with app.app_context():
        row = db.session.get(IntegrationSettings, 1)
        assert "GOCSPX" not in row.google_client_secret_enc
        google, microsoft = providers.get("google"), providers.get("microsoft")
    assert google.client_secret == "GOCSPX-very-secret"
    assert microsoft.authorize_url.endswith("/contoso.example/oauth2/v2.0/authorize")
    hx.post("/integrations/", {**FORM, "google_client_secret": ""}, htmx=False)
    with app.app_context():
        assert providers.get("google").client_secret == "GOCSPX-very-secret"
    raw = b"".join(p.read_bytes() for p in instance_dir.glob("webpanel.db*"))
    assert b"GOCSPX-very-secret" not in raw and b"ms~secret~value" not in raw


def test_a_bad_tenant_is_named_at_its_field(admin_client):
    hx = Htmx(admin_client, "/integrations/")
    response = hx.post("/integrations/", {**FORM, "microsoft_tenant": "bad tenant/../x"},
                       htmx=False)
    assert response.status_code == 422 and "Use “common”" in response.get_data(as_text=True)


def test_the_environment_wins_over_the_page(app, admin_client):
    Htmx(admin_client, "/integrations/").post("/integrations/", FORM, htmx=False)
    app.config.update(GOOGLE_CLIENT_ID="from-env", GOOGLE_CLIENT_SECRET="env-secret")
    with app.app_context():
        assert providers.get("google").client_id == "from-env"
    assert "from the server's configuration" in admin_client.get(
        "/integrations/").get_data(as_text=True)


def test_environment_variables_configure_an_integration(instance_dir, monkeypatch):
    monkeypatch.setenv("MICROSOFT_CLIENT_ID", "env-app")
    monkeypatch.setenv("MICROSOFT_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("MICROSOFT_TENANT", "organizations")
    app = create_app({"TESTING": True})
    with app.app_context():
        migrate.upgrade(app)
        microsoft = providers.get("microsoft")
    assert (microsoft.client_id, microsoft.client_secret) == ("env-app", "env-secret")
    assert "/organizations/oauth2/v2.0/" in microsoft.token_url


def test_endpoints_default_to_the_real_services(app):
    with app.app_context():
        assert providers.endpoint("GOOGLE_TOKEN_URL") == "https://oauth2.googleapis.com/token"
        assert providers.endpoint("GRAPH_API_BASE_URL") == "https://graph.microsoft.com/v1.0/"

"""webpanel: a self-hosted panel that sends an office's documents by email in each person's name."""

from __future__ import annotations

import logging
import sys

import click
from flask import Flask

from webpanel import config, errors, menu, routing, security
from webpanel.config import PROJECT_ROOT, StartupError
from webpanel.crypto import SecretBox
from webpanel.extensions import csrf, db, htmx, login_manager

__all__ = ["create_app", "StartupError"]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints and CLI commands.

    A setting that stops start-up raises ``StartupError``; under the ``flask`` command the
    process instead ends there with only its message (flask would add "No such command").
    """
    try:
        return _build(test_config)
    except StartupError as refused:
        if click.get_current_context(silent=True) is None:
            raise
        sys.exit(f"Error: {refused}")


def _build(test_config: dict | None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(config.instance_path()),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    config.load(app, test_config)
    routing.init_app(app)
    _init_extensions(app)
    _register_blueprints(app)
    menu.init_app(app)
    _register_cli(app)
    logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)
    return app


def _init_extensions(app: Flask) -> None:
    app.extensions["webpanel.secrets"] = SecretBox(
        config.key_file_path(app, config.ENCRYPTION_KEY_FILE)
    )
    db.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to open that page."
    security.init_app(app)
    errors.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from webpanel.admin import bp as admin_bp
    from webpanel.auth import bp as auth_bp
    from webpanel.bounces.views import bp as bounces_bp
    from webpanel.company import bp as company_bp
    from webpanel.contacts import bp as contacts_bp
    from webpanel.documents.blueprint import bp as documents_bp
    from webpanel.home import bp as home_bp
    from webpanel.integrations import bp as integrations_bp
    from webpanel.mailtemplates.views import bp as mailtemplates_bp
    from webpanel.oauth.views import bp as oauth_bp
    from webpanel.outbox import bp as outbox_bp
    from webpanel.sentcopy.views import bp as sentcopy_bp
    from webpanel.settings import bp as settings_bp

    for blueprint in (auth_bp, admin_bp, settings_bp, outbox_bp, company_bp, contacts_bp,
                      documents_bp, integrations_bp, oauth_bp, mailtemplates_bp, home_bp,
                      bounces_bp, sentcopy_bp):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from webpanel import cli

    cli.init_app(app)

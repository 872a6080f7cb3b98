"""webpanel: a self-hosted panel that sends an office's documents by email in each person's name."""

from __future__ import annotations

import logging
import sys

import click
from flask import Flask

from webpanel import clock, config, errors, menu, routing, security, worker
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
    clock.init_app(app)
    routing.init_app(app)
    _init_extensions(app)
    _register_blueprints(app)
    _fill_slots(app)
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
    security.init_app(app)
    errors.init_app(app)
    worker.init_app(app)


def _register_blueprints(app: Flask) -> None:
    """Each feature's blueprint (made in its ``blueprint.py``) from the modules that add its
    routes, registered here and nowhere else."""
    from webpanel.admin import views as admin
    from webpanel.auth import choose as choose_password
    from webpanel.auth import hooks as sign_in
    from webpanel.auth import views as auth
    from webpanel.bounces import views as bounces
    from webpanel.bulkmail import views as bulkmail
    from webpanel.company import views as company
    from webpanel.contacts import views as contacts
    from webpanel.documents import editing as document_editing
    from webpanel.documents import views as documents
    from webpanel.emailtab import api_views as email_api_tabs
    from webpanel.emailtab import imap_views as email_sent_copy
    from webpanel.emailtab import views as email_tab
    from webpanel.home import views as home
    from webpanel.integrations import views as integrations
    from webpanel.mailtemplates import views as mailtemplates
    from webpanel.oauth import views as oauth
    from webpanel.outbox import views as outbox
    from webpanel.payments import views as payments
    from webpanel.recurring import views as recurring
    from webpanel.reminders import views as reminders

    sign_in.init_app(app)
    route_modules = (auth, choose_password, admin, email_tab, email_api_tabs, email_sent_copy,
                     outbox, company, contacts, documents, document_editing, integrations, oauth,
                     mailtemplates, home, bounces, recurring, bulkmail, payments,
                     reminders)
    for blueprint in dict.fromkeys(module.bp for module in route_modules):
        app.register_blueprint(blueprint)


def _fill_slots(app: Flask) -> None:
    """Features fill the slots of the pages below them (``webpanel.slots``): the outbox the
    documents pages' email status, history and last send; bounces the outbox's bounce reports
    and reading. Features also give the worker their jobs here (``webpanel.worker.define``):
    sending, bounce reading, sign-in renewal, the nightly prune, and what a worker loads as it
    starts (the PDF renderer)."""
    from webpanel import maintenance
    from webpanel.bounces import hooks as bounce_reports
    from webpanel.documents import worker_start as pdf_renderer
    from webpanel.oauth import jobs as sign_in_health
    from webpanel.outbox import hooks as email_of_documents
    from webpanel.payments import hooks as payments
    from webpanel.recurring import hooks as recurring_documents
    from webpanel.reminders import hooks as reminders

    email_of_documents.init_app(app)
    payments.init_app(app)
    reminders.init_app(app)
    bounce_reports.init_app(app)
    sign_in_health.init_app(app)
    maintenance.init_app(app)
    recurring_documents.init_app(app)
    pdf_renderer.init_app(app)


def _register_cli(app: Flask) -> None:
    from webpanel import cli

    cli.init_app(app)

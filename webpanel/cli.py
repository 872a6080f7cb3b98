"""Command-line tools: `flask --app webpanel db upgrade | keys rotate | users create`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from webpanel import keys, maintenance, migrate
from webpanel.auth.cli import users_cli
from webpanel.bounces.cli import mail_cli
from webpanel.documents.cli import demo_command
from webpanel.worker.cli import worker_command

db_cli = AppGroup("db", help="Database schema.")
keys_cli = AppGroup("keys", help="Encryption keys.")
maintenance_cli = AppGroup("maintenance", help="Housekeeping (the background worker prunes "
                           "nightly too).")


@db_cli.command("upgrade")
def upgrade() -> None:
    """Apply every pending migration (safe to run again)."""
    migrate.upgrade(current_app)
    click.echo("Database is up to date.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    migrate.revision(current_app, message)


@keys_cli.command("rotate")
@click.option("--finish", is_flag=True, help="Retire the old key (a while after rotating).")
def rotate(finish: bool) -> None:
    """Re-encrypt every stored secret under a new key; the old key stays for reading until
    `keys rotate --finish`. Safe while the panel serves: workers follow without a restart."""
    try:
        done, unreadable = keys.finish(current_app) if finish else keys.rotate_all(current_app)
    except keys.RotationTooSoon as exc:
        raise click.ClickException(
            f"The new key is too recent: a request that began before it may still be saving "
            f"a secret under the old key. Run this again in {exc.wait:.0f} seconds.") from None
    click.echo(f"Re-encrypted {done} secrets under the newest key.")
    if finish:
        click.echo("The old keys are removed.")
    else:
        click.echo("The old key stays for reading; a few minutes from now, run "
                   "`flask --app webpanel keys rotate --finish` to remove it.")
    if unreadable:
        click.echo(f"{unreadable} stored secrets could not be read and were left as they are; "
                   "their owners will be asked to enter them again.")


@maintenance_cli.command("prune")
def prune() -> None:
    """Remove expired sign-ins, old rate-limit records, spent invitation links and old or
    surplus cached PDFs."""
    done = maintenance.prune_all()
    click.echo(f"Removed {done.sessions} expired sign-in sessions, {done.rate_events} old "
               f"rate-limit records, {done.invitations} spent invitation links and {done.pdfs} "
               f"cached PDFs ({done.pdf_bytes / 1024 / 1024:.1f} MB).")


def init_app(app: Flask) -> None:
    """Attach the command groups."""
    for group in (db_cli, keys_cli, maintenance_cli, users_cli, demo_command, mail_cli,
                  worker_command):
        app.cli.add_command(group)

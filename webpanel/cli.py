"""Command-line tools: `flask --app webpanel db upgrade | keys rotate | users create`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from webpanel import migrate
from webpanel.auth.cli import users_cli
from webpanel.documents.cli import demo_command
from webpanel.keys import rotate_all

db_cli = AppGroup("db", help="Database schema.")
keys_cli = AppGroup("keys", help="Encryption keys.")


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
def rotate() -> None:
    """Re-encrypt every stored secret under a new key, then retire the old key."""
    done, unreadable = rotate_all(current_app)
    click.echo(f"Re-encrypted {done} secrets under a new key.")
    if unreadable:
        click.echo(f"{unreadable} stored secrets could not be read and were left as they are; "
                   "their owners will be asked to enter them again.")


def init_app(app: Flask) -> None:
    """Attach the command groups."""
    for group in (db_cli, keys_cli, users_cli, demo_command):
        app.cli.add_command(group)

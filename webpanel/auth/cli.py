"""`flask users create EMAIL [--admin] [--name NAME]`: add an account without the browser."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from webpanel.auth import services
from webpanel.auth.forms import MIN_PASSWORD
from webpanel.extensions import db
from webpanel.validators import normalize_address

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Make the account an administrator.")
@click.option("--name", default="", help="The person's name (their default Email Display Name).")
def create(email: str, admin: bool, name: str) -> None:
    """Create an account; the password is read from a prompt or standard input."""
    try:
        email = normalize_address(email)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if len(name) > 120 or any(ch in name for ch in '<>"') or not name.isprintable():
        raise click.UsageError("The name has at most 120 characters, on one line, without "
                               "quotes or angle brackets.")
    password = _read_password()
    if len(password) < MIN_PASSWORD:
        raise click.UsageError(f"The password needs at least {MIN_PASSWORD} characters.")
    try:
        services.create_user(email, password, is_admin=admin, name=name)
    except services.UserExists as exc:
        raise click.UsageError(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {'administrator' if admin else 'user'} {email}.")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")

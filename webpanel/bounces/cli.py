"""`flask --app webpanel mail check-bounces`: read everyone's new bounce reports now (the
background worker does it every BOUNCE_CHECK_MINUTES; webpanel.bounces.jobs)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from webpanel.bounces import services

mail_cli = AppGroup("mail", help="Mail housekeeping (the background worker does it too).")


@mail_cli.command("check-bounces")
@click.option("--force", is_flag=True,
              help="Read now even where a failed reading is waiting for its next try.")
def check_bounces(force: bool) -> None:
    """Read the new bounce reports of every person with IMAP set up, one line per person.
    Fails (exit code 1) only when every check failed (or waits after failing)."""
    people = services.people_with_imap()
    if not people:
        click.echo("Nobody has IMAP set up: there is no inbox to read.")
        return
    failed = 0
    for user, config in people:
        result = services.check(user.id, config, force=force)
        failed += result.failed
        click.echo(f"{user.email}: {result.text}")
    if failed == len(people):
        raise SystemExit(1)

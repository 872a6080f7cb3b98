"""`flask --app webpanel demo`: fill an empty panel with sample data."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from webpanel.contacts.services import has_contacts
from webpanel.documents.sample import CUSTOMERS, VENDORS, document_count, load_sample_data


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Add a sample company, customers, vendors and documents (only to an empty panel)."""
    try:
        if has_contacts():
            click.echo("Sample data not loaded: the panel already has customers or vendors.")
            return
        load_sample_data()
    except OperationalError as exc:
        raise click.ClickException("The database is not ready. Run "
                                   "`flask --app webpanel db upgrade` first.") from exc
    click.echo(f"Loaded sample data: a company, {len(CUSTOMERS)} customers, {len(VENDORS)} "
               f"vendors and {document_count()} documents.")

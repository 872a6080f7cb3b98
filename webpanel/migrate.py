"""Alembic, driven from the app: the migration scripts live in `webpanel/migrations`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

SCRIPTS = Path(__file__).resolve().parent / "migrations"


def alembic_config(app: Flask) -> Config:
    """An Alembic config pointing at the app's database and the packaged scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.set_main_option("sqlalchemy.url", app.config["DATABASE_URL"].replace("%", "%%"))
    cfg.attributes["engine"] = app.extensions["webpanel.engine"]
    return cfg


def upgrade(app: Flask, revision: str = "head") -> None:
    """Apply migrations up to `revision` (default: all)."""
    command.upgrade(alembic_config(app), revision)


def revision(app: Flask, message: str) -> None:
    """Autogenerate a migration script from the models."""
    command.revision(alembic_config(app), message=message, autogenerate=True)


def is_current(app: Flask) -> bool:
    """Whether the database has every migration (the worker refuses to start on an older one)."""
    heads = set(ScriptDirectory.from_config(alembic_config(app)).get_heads())
    with app.extensions["webpanel.engine"].connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads

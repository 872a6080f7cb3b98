"""One migrated SQLite file per session, copied for each test.

Running every migration for every test cost more than the test itself; a copy of a file migrated
once costs a millisecond. ``tests/support/test_databases.py`` checks that the copy has exactly
the schema the real migrations give an empty database, and the migration tests still build their
own databases from the first revision.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from webpanel import create_app, migrate

TEMPLATE_NAME = "template.db"


def migrated_sqlite_file(folder: Path) -> Path:
    """Create `folder`/template.db with every migration applied, checkpointed into one file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / TEMPLATE_NAME
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WEBPANEL_INSTANCE", str(folder / "instance"))
        patch.delenv("DATABASE_URL", raising=False)
        app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}"})
    with app.app_context():
        migrate.upgrade(app)
    app.extensions["webpanel.engine"].dispose()
    with sqlite3.connect(path) as connection:  # everything in the main file, no -wal left
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    for leftover in (folder / f"{TEMPLATE_NAME}-wal", folder / f"{TEMPLATE_NAME}-shm"):
        leftover.unlink(missing_ok=True)
    return path


def copy_database(template: Path, target: Path) -> None:
    """Copy the template to `target`, readable by its owner only (as the panel makes it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(template.read_bytes())


def schema_of(path: Path) -> list[tuple[str, str, str]]:
    """Every table, index and trigger of an SQLite file with its SQL, plus the Alembic revision.
    """
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    connection.close()
    return [*((kind, name, _clauses(sql)) for kind, name, sql in rows),
            ("revision", "alembic_version", repr(revision))]


def _clauses(sql: str) -> str:
    """A CREATE statement's lines in a fixed order: SQLite batch migrations write a table's
    constraints in an order that changes from run to run."""
    return "\n".join(sorted(line.strip().rstrip(",") for line in sql.splitlines()))

"""Alembic environment: batch mode so SQLite can alter tables.

SQLite alters a table by copying it into a new one and dropping the old; with foreign keys on,
that drop would cascade to every row that points at the table (users -> email settings ...).
So on SQLite the migrations run with foreign keys off, checked once at the end, and switched
back on before the connection returns to the pool.
"""

from alembic import context
from sqlalchemy import Connection

from webpanel.models import metadata
from webpanel.search import include_name

config = context.config


class ForeignKeyError(RuntimeError):
    """A migration left rows that point at nothing."""


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # The raw connection is in autocommit: the pragma takes effect outside any transaction.
    connection.connection.dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.connection.dbapi_connection.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise ForeignKeyError(f"the migration left rows pointing at nothing: {broken[:5]}")


def run_online() -> None:
    """Run the migrations on the app's engine."""
    engine = config.attributes["engine"]
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(connection=connection, target_metadata=metadata,
                              render_as_batch=True, compare_type=True,
                              include_name=include_name)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
            if sqlite:
                _check_foreign_keys(connection)
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, on=True)


run_online()

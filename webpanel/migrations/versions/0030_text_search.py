"""Search indexes: Sent mail, documents and contacts searches answer from an index at any size.

SQLite: one FTS5 table per searched table (`<table>_fts`, trigram tokenizer, external content:
it stores only the index, the text stays in the table), kept in sync by triggers and filled
with 'rebuild'. PostgreSQL: the pg_trgm extension and a GIN trigram index per searched column
(fastupdate off: a search never reads a backlog of pending entries; the panel writes few rows);
where the extension cannot be created (no privilege), a warning says so and searches still
work, by reading the table.

A later batch migration (SQLite) that rebuilds one of these tables drops its triggers: such a
migration must create them again (`_create_triggers`, copied).

Revision ID: 0030
Revises: 0029
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

revision: str = '0030'
down_revision: str | Sequence[str] | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("webpanel.search")

#: Each searched table and its searched columns.
SEARCHED = {
    "messages": ("subject", "to_addrs", "cc_addrs"),
    "documents": ("number",),
    "contacts": ("name", "contact_person", "email"),
}


def upgrade() -> None:
    """Build the search indexes of this database's kind."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name, columns in SEARCHED.items():
            _create_fts(bind, name, columns)
    elif bind.dialect.name == "postgresql" and _trigram_extension(bind):
        for name, columns in SEARCHED.items():
            for column in columns:
                op.create_index(f"ix_{name}_{column}_trgm", name, [column],
                                postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"},
                                postgresql_with={"fastupdate": "off"})


def downgrade() -> None:
    """Drop the search tables, triggers and indexes (and pg_trgm, if nothing else uses it)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in SEARCHED:
            for event in ("insert", "delete", "update"):
                bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}_fts_{event}")
            bind.exec_driver_sql(f"DROP TABLE IF EXISTS {name}_fts")
    elif bind.dialect.name == "postgresql":
        for name, columns in SEARCHED.items():
            for column in columns:
                op.drop_index(f"ix_{name}_{column}_trgm", table_name=name, if_exists=True)
        _try(bind, "DROP EXTENSION IF EXISTS pg_trgm", "pg_trgm is kept: something else uses it")


def _create_fts(bind: Connection, name: str, columns: Sequence[str]) -> None:
    listed = ", ".join(columns)
    bind.exec_driver_sql(
        f"CREATE VIRTUAL TABLE {name}_fts USING fts5({listed}, content='{name}', "
        "content_rowid='id', tokenize='trigram')")
    _create_triggers(bind, name, columns)
    bind.exec_driver_sql(f"INSERT INTO {name}_fts({name}_fts) VALUES ('rebuild')")


def _create_triggers(bind: Connection, name: str, columns: Sequence[str]) -> None:
    """The FTS5 external-content pattern: index new values, and 'delete' the old ones with
    exactly the values that were indexed."""
    listed = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    add = f"INSERT INTO {name}_fts(rowid, {listed}) VALUES (new.id, {new});"
    remove = (f"INSERT INTO {name}_fts({name}_fts, rowid, {listed}) "
              f"VALUES ('delete', old.id, {old});")
    bind.exec_driver_sql(f"CREATE TRIGGER {name}_fts_insert AFTER INSERT ON {name} "
                         f"BEGIN {add} END")
    bind.exec_driver_sql(f"CREATE TRIGGER {name}_fts_delete AFTER DELETE ON {name} "
                         f"BEGIN {remove} END")
    bind.exec_driver_sql(f"CREATE TRIGGER {name}_fts_update AFTER UPDATE OF {listed} ON {name} "
                         f"BEGIN {remove} {add} END")


def _trigram_extension(bind: Connection) -> bool:
    """Create pg_trgm if it is missing; False (with a warning) where this role may not."""
    return _try(bind, "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "searches will read whole tables (slower with many rows) until an "
                "administrator runs CREATE EXTENSION pg_trgm and the search indexes are "
                "made (downgrade to 0029, then upgrade)")


def _try(bind: Connection, statement: str, consequence: str) -> bool:
    """Run `statement` in a savepoint; on a database error, roll back to it and warn."""
    try:
        with bind.begin_nested():
            bind.exec_driver_sql(statement)
    except DBAPIError as error:
        log.warning("%s failed (%s): %s", statement, str(error.orig).strip(), consequence)
        return False
    return True

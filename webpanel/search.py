"""Text search that stays fast at 100,000 rows, on SQLite and PostgreSQL, behind one function.

`text_match` finds rows where any of some columns contains the words anywhere, ignoring case.
SQLite answers from an FTS5 trigram table per searched table (`<table>_fts`, external content,
kept in sync by triggers); PostgreSQL answers ILIKE from pg_trgm GIN indexes
(`ix_<table>_<column>_trgm`). Both are made by migration 0030 and declared by no model, so
`include_name` hides them from Alembic's comparison of the models with the database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    column,
    literal_column,
    or_,
    select,
    table,
    union,
)

from webpanel.extensions import db

#: The shortest text a trigram index can find; shorter words are matched by LIKE.
TRIGRAM = 3
_MIGRATION_ONLY = re.compile(r"\w+_fts(_data|_idx|_docsize|_config|_content)?|ix_\w+_trgm")


def text_match(model: Any, columns: Sequence[Any], words: str) -> ColumnElement[bool]:
    """A WHERE clause: true where any of `columns` (attributes of `model`) contains `words`,
    case-insensitively; `%`, `_`, `\\` and `"` are literal characters. On SQLite, words shorter
    than a trigram go by LIKE, which folds the case of ASCII letters only."""
    dialect = db.engine.dialect.name
    if dialect == "sqlite" and len(words) >= TRIGRAM:
        return model.id.in_(_fts_rowids(model.__tablename__, columns, words))
    if dialect == "postgresql":
        pattern = f"%{_escape_like(words)}%"
        return or_(*(column.ilike(pattern, escape="\\") for column in columns))
    return or_(*(column.icontains(words, autoescape=True) for column in columns))


def newest_first(query: Select, model: Any, columns: Sequence[Any], words: str,
                 below: int | None = None) -> Select:
    """`query` narrowed by `text_match` (and to ids below `below`, if given), newest (highest
    id) first. On SQLite the rows come from the FTS table in id order, starting at `below`, so
    a page of a word found in most rows is read without collecting every match first."""
    if db.engine.dialect.name != "sqlite" or len(words) < TRIGRAM:
        query = query.where(text_match(model, columns, words))
        return (query.where(model.id < below) if below else query).order_by(model.id.desc())
    fts = table(f"{model.__tablename__}_fts", column("rowid"))
    query = query.join(fts, fts.c.rowid == model.id).where(_fts_match(fts.name, columns, words))
    return (query.where(fts.c.rowid < below) if below else query).order_by(fts.c.rowid.desc())


def any_of(model: Any, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """True for rows of `model` that meet any of `conditions`, each answered on its own (by
    its own index): PostgreSQL reads the whole table for an OR that holds a subquery."""
    return model.id.in_(union(*(select(model.id).where(condition) for condition in conditions)))


def fts_query(columns: Sequence[Any], words: str) -> str:
    """The FTS5 query for `words` as one phrase, restricted to `columns`: `{a b}: "words"`."""
    names = " ".join(column.expression.name for column in columns)
    phrase = words.replace('"', '""')
    return f'{{{names}}}: "{phrase}"'


def include_name(name: str | None, kind: str, _parents: Any) -> bool:
    """Alembic's include_name hook: leave out the search tables and indexes, which only the
    migrations make (SQLite's FTS5 tables and their shadow tables, PostgreSQL's trigram
    indexes); everything else is compared with the models."""
    if kind in ("table", "index") and name and _MIGRATION_ONLY.fullmatch(name):
        return False
    return True


def _fts_rowids(table_name: str, columns: Sequence[Any], words: str) -> Select:
    fts = f"{table_name}_fts"
    return (select(literal_column("rowid")).select_from(table(fts))
            .where(_fts_match(fts, columns, words)))


def _fts_match(fts: str, columns: Sequence[Any], words: str) -> ColumnElement[bool]:
    query = bindparam("fts_query", fts_query(columns, words), unique=True)
    return literal_column(fts).op("MATCH")(query)


def _escape_like(words: str) -> str:
    return words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

"""The two stacks the worker tests run on: SQLite with the queue file beside it, and PostgreSQL
with Redis (with --database=postgresql the first runs on PostgreSQL too). A test module uses
them by importing the four fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import fresh_database, migrated_postgres
from tests.support.postgres import PostgresServer
from tests.support.redis import queue_url_for


@pytest.fixture(params=["sqlite", "postgresql-redis"])
def stack(request) -> str:
    """The database and the queue: SQLite and the queue file, or PostgreSQL and Redis."""
    return request.param


@pytest.fixture(scope="module")
def cluster(postgres) -> Iterator[PostgresServer]:
    """The session's PostgreSQL (--database=postgresql), else one for this module."""
    if postgres is not None:
        yield postgres
        return
    with migrated_postgres() as server:
        yield server


@pytest.fixture
def database_url(request, stack, postgres, monkeypatch) -> Iterator[str | None]:
    """PostgreSQL for the Redis stack whatever --database says; else as it says."""
    if stack == "sqlite" and postgres is None:
        yield None
        return
    yield from fresh_database(postgres or request.getfixturevalue("cluster"), monkeypatch)


@pytest.fixture
def queue_url(stack) -> Iterator[str | None]:
    """A throwaway redis-server's URL, or None for the queue file in the instance folder."""
    with queue_url_for("sqlite" if stack == "sqlite" else "redis") as url:
        yield url

"""What test apps start from: the migrated file each test copies is what the real migrations
make from an empty database, each test gets a copy of its own, and PDFs go to the session's
cache unless the test is about rendering."""

from __future__ import annotations

import pytest

from tests.support.databases import migrated_sqlite_file, schema_of
from tests.support.documents import add_contact


def test_the_template_has_the_schema_the_migrations_make_from_empty(sqlite_template, tmp_path):
    fresh = migrated_sqlite_file(tmp_path / "from-empty")  # every migration, from nothing
    assert schema_of(fresh) == schema_of(sqlite_template)
    assert len(schema_of(fresh)) > 20


@pytest.mark.sqlite_only("the copy of the migrated SQLite file")
def test_each_test_gets_its_own_copy(app, instance_dir, sqlite_template):
    copy = instance_dir / "webpanel.db"
    assert (copy.stat().st_mode & 0o777) == 0o600
    assert app.config["DATABASE_URL"] == f"sqlite:///{copy.resolve()}"
    add_contact(app, "Only here")
    assert schema_of(copy) == schema_of(sqlite_template)
    assert b"Only here" not in sqlite_template.read_bytes()


def test_pdfs_go_to_the_sessions_cache(app, instance_dir, shared_pdf_cache):
    assert (instance_dir / "pdf-cache").resolve() == shared_pdf_cache.resolve()


@pytest.mark.renders_pdfs
def test_a_test_about_rendering_keeps_its_own_cache(app, instance_dir):
    assert not (instance_dir / "pdf-cache").exists()

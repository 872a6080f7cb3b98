"""Secrets at rest, key rotation, migrations, and SQLite under concurrent writers."""

from __future__ import annotations

import subprocess
import sys
import threading
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Index, text
from sqlalchemy.schema import CreateIndex

from tests.conftest import Htmx, child_env
from webpanel import create_app, migrate
from webpanel.crypto import secret_box
from webpanel.extensions import db
from webpanel.integrations.models import IntegrationSettings
from webpanel.keys import rotate_all
from webpanel.models import metadata
from webpanel.oauth.models import OAuthAccount
from webpanel.search import include_name
from webpanel.settings import services
from webpanel.settings.models import EmailSettings

SMTP = {"send_using": "smtp", "smtp_server": "smtp.example.com", "smtp_port": "587",
        "smtp_security": "tls", "smtp_username": "sam@example.com",
        "smtp_password": "Rotate-Me-123"}


def save_password(client, user_id):
    hx = Htmx(client, f"/users/{user_id}/email/smtp")
    assert hx.post(f"/users/{user_id}/email/smtp", SMTP).status_code == 200


def test_key_rotation_re_encrypts_everything(app, user_client, user_id, instance_dir):
    save_password(user_client, user_id)
    old_key = (instance_dir / "encryption.key").read_text()
    with app.app_context():
        before = db.session.get(EmailSettings, user_id).smtp_password_enc
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "webpanel", "keys",
                             "rotate"], capture_output=True, text=True, timeout=60,
                            env=child_env(instance_dir))
    assert result.returncode == 0, result.stderr
    assert "Re-encrypted 1 secrets" in result.stdout
    new_key = (instance_dir / "encryption.key").read_text()
    assert new_key != old_key and new_key.split()[1:] == old_key.split()  # kept to read
    fresh = create_app({"TESTING": True})  # reads the new key file
    with fresh.app_context():
        row = db.session.get(EmailSettings, user_id)
        assert row.smtp_password_enc != before
        assert services.smtp_config(row).password == "Rotate-Me-123"  # bound, still readable


#: SQLite's reflection cannot read an index on an expression, so Alembic compares none there
#: (and says so twice); test_expression_indexes_match_the_models compares their SQL instead.
EXPRESSION_INDEX_WARNINGS = ("Skipped unsupported reflection of expression-based index",
                             "autogenerate skipping metadata-specified expression-based index")


def test_migrations_match_the_models(app):
    """The search tables and indexes (migration-only, see webpanel.search) are left out."""
    with app.app_context(), db.engine.connect() as connection, warnings.catch_warnings():
        if connection.dialect.name == "sqlite":
            for message in EXPRESSION_INDEX_WARNINGS:
                warnings.filterwarnings("ignore", message=message)
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        diff = compare_metadata(context, metadata)
    assert diff == []


def expression_indexes() -> list[Index]:
    return [index for table in metadata.sorted_tables for index in table.indexes
            if any(not hasattr(part, "table") for part in index.expressions)]


@pytest.mark.sqlite_only("Alembic compares PostgreSQL's expression indexes itself")
def test_expression_indexes_match_the_models(app):
    assert expression_indexes(), "the contacts lists' index on lower(name)"
    with app.app_context(), db.engine.connect() as connection:
        stored = dict(connection.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index'")).all())
        for index in expression_indexes():
            assert stored.get(index.name) == str(CreateIndex(index).compile(db.engine)).strip()


def test_upgrade_is_repeatable_and_keeps_settings(app, user_client, user_id):
    save_password(user_client, user_id)
    with app.app_context():
        migrate.upgrade(app)
        migrate.upgrade(app)
        row = db.session.get(EmailSettings, user_id)
        assert row.smtp_server == "smtp.example.com"
        assert services.smtp_config(row).password == "Rotate-Me-123"  # bound, still readable


@pytest.mark.sqlite_only("WAL and busy_timeout are SQLite settings")
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_concurrent_writers_never_see_database_is_locked(app, make_user):
    ids = [make_user(f"writer{n}@example.com") for n in range(4)]
    errors: list[BaseException] = []

    def writer(uid: int) -> None:
        try:
            with app.app_context():
                for n in range(25):
                    row = services.load(uid)
                    row.signature = f"rev {n}"
                    db.session.add(row)
                    db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(uid,)) for uid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with app.app_context():
        assert {services.load(uid).signature for uid in ids} == {"rev 24"}


def test_upgrading_from_the_first_schema_keeps_every_setting(instance_dir):
    app = create_app({"TESTING": True})
    with app.app_context():
        migrate.upgrade(app, "0001")
        secret = secret_box().encrypt("Kept-Across-Upgrades")
        db.session.execute(text(
            "INSERT INTO users (id, email, password_hash, is_admin, created_at) "
            "VALUES (1, 'old@example.com', 'x', 1, '2026-01-01 00:00:00')"))
        db.session.execute(text(
            "INSERT INTO email_settings (user_id, display_name, address, auto_bcc_self, "
            "signature, smtp_server, smtp_username, smtp_password_enc, smtp_port, "
            "smtp_security, send_using, allow_self_signed, updated_at) VALUES (1, 'Old Name', "
            "'old@example.com', 1, 'Sig', 'smtp.example.com', 'old', :secret, 2525, 'ssl', "
            "'client', 1, '2026-01-01 00:00:00')"), {"secret": secret})
        db.session.commit()
        migrate.upgrade(app)
        row = db.session.get(EmailSettings, 1)
        kept = (row.display_name, row.address, row.auto_bcc_self, row.signature,
                row.smtp_server, row.smtp_username, row.smtp_port, row.smtp_security,
                row.send_using, row.allow_self_signed)
        assert kept == ("Old Name", "old@example.com", True, "Sig", "smtp.example.com", "old",
                        2525, "ssl", "client", True)
        assert secret_box().decrypt(row.smtp_password_enc) == "Kept-Across-Upgrades"
    app.extensions["webpanel.engine"].dispose()


def test_key_rotation_covers_tokens_and_client_secrets(app, user_id, instance_dir):
    with app.app_context():
        box = secret_box()
        db.session.add(IntegrationSettings(id=1, google_client_secret_enc=box.encrypt("gsecret")))
        db.session.add(OAuthAccount(user_id=user_id, provider="google", email="s@example.com",
                                    access_token_enc=box.encrypt("access-1"),
                                    refresh_token_enc=box.encrypt("refresh-1")))
        db.session.commit()
        assert rotate_all(app) == (3, 0)
    fresh = create_app({"TESTING": True})
    with fresh.app_context():
        box = secret_box()
        account = db.session.query(OAuthAccount).one()
        row = db.session.get(IntegrationSettings, 1)
        assert box.decrypt(account.access_token_enc) == "access-1"
        assert box.decrypt(account.refresh_token_enc) == "refresh-1"
        assert box.decrypt(row.google_client_secret_enc) == "gsecret"


WRITER = """
import sys
from webpanel import create_app
from webpanel.extensions import db
from webpanel.settings import services
app = create_app()
with app.app_context():
    for n in range(30):
        row = services.load(int(sys.argv[1]))
        row.signature = f"worker rev {n}"
        db.session.add(row)
        db.session.commit()
print("done")
"""


def test_several_worker_processes_write_at_once(app, make_user, instance_dir):
    ids = [make_user(f"proc{n}@example.com") for n in range(3)]
    env = child_env(instance_dir)
    workers = [subprocess.Popen([sys.executable, "-c", WRITER, str(uid)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for uid in ids]
    results = [worker.communicate(timeout=120) for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), results
    assert not any("locked" in err for _out, err in results)
    with app.app_context():
        assert {services.load(uid).signature for uid in ids} == {"worker rev 29"}

"""Passwords are hashed with scrypt; only a test app may name a cheaper method, and nothing an
operator writes (config.py, the environment) can: the panel refuses to start instead."""

from __future__ import annotations

import pytest

from tests.conftest import CHEAP_HASH
from webpanel import StartupError, create_app
from webpanel.auth import services as auth_services
from webpanel.auth.models import User, hash_method
from webpanel.config_checks import TEST_PASSWORD_HASH

SCRYPT = "scrypt:32768:8:1$"


def stored_hash(app) -> str:
    """The hash a new password gets in `app`."""
    with app.app_context():
        user = User(email="pat@example.com")
        user.set_password("correct horse")
        assert user.check_password("correct horse")
        return user.password_hash


def test_production_hashes_with_scrypt(instance_dir):
    app = create_app()
    assert not app.testing and stored_hash(app).startswith(SCRYPT)
    with app.app_context():
        assert auth_services.dummy_hash() == auth_services.DUMMY_HASH


def test_a_test_app_without_the_setting_hashes_with_scrypt(instance_dir):
    assert stored_hash(create_app({"TESTING": True})).startswith(SCRYPT)


def test_outside_an_app_the_method_is_scrypt():
    assert hash_method() == "scrypt"


def test_the_test_suite_hashes_cheaply(app):
    assert stored_hash(app).startswith(CHEAP_HASH + "$")
    with app.app_context():
        assert auth_services.dummy_hash().startswith(CHEAP_HASH + "$")


@pytest.mark.production_hash
def test_the_production_hash_marker_gives_scrypt(app):
    assert stored_hash(app).startswith(SCRYPT)


def test_the_setting_needs_testing_on(instance_dir):
    with pytest.raises(StartupError, match=TEST_PASSWORD_HASH):
        create_app({TEST_PASSWORD_HASH: CHEAP_HASH})


@pytest.mark.parametrize("testing", [False, True])
def test_config_py_cannot_set_it(instance_dir, testing):
    instance_dir.mkdir(parents=True)
    (instance_dir / "config.py").write_text(
        f"TESTING = {testing}\n{TEST_PASSWORD_HASH} = {CHEAP_HASH!r}\n")
    with pytest.raises(StartupError, match="for the test suite only"):
        create_app()
    with pytest.raises(StartupError, match="for the test suite only"):
        create_app({"TESTING": True})  # a test app too: only its own settings count


def test_the_environment_cannot_set_it(instance_dir, monkeypatch):
    for name in (TEST_PASSWORD_HASH, f"WEBPANEL_{TEST_PASSWORD_HASH}"):
        monkeypatch.setenv(name, CHEAP_HASH)
    assert stored_hash(create_app()).startswith(SCRYPT)

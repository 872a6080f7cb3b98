"""A bad setting stops start-up with a message naming it and what it must be: in `flask`,
in the production entry point, and in create_app; good values are read as numbers."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from tests.conftest import child_env
from webpanel import StartupError, create_app
from webpanel.config import PROJECT_ROOT


def run(command: list[str], instance_dir, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=PROJECT_ROOT,
                          env={**child_env(instance_dir), **env})


def test_flask_stops_with_the_settings_name_and_no_traceback(instance_dir):
    result = run([sys.executable, "-m", "flask", "--app", "webpanel", "db", "upgrade"],
                 instance_dir, WEBPANEL_MAIL_TIMEOUT="abc")
    assert result.returncode != 0
    assert ("The setting WEBPANEL_MAIL_TIMEOUT (environment) is 'abc', but it must be a number "
            "of seconds above 0, like 10.") in result.stderr
    assert "Traceback" not in result.stderr and "Database is up to date" not in result.stdout
    assert "No such command" not in result.stderr and result.returncode == 1
    assert not (instance_dir / "webpanel.db").exists()


def test_flask_worker_stops_on_a_bad_queue_url_without_repeating_it(instance_dir):
    result = run([sys.executable, "-m", "flask", "--app", "webpanel", "worker"], instance_dir,
                 WEBPANEL_QUEUE_URL="redis//me:Secret-Pw@cache")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ("The setting WEBPANEL_QUEUE_URL (environment) must be a Redis URL, like "
            "redis://127.0.0.1:6379/0") in result.stderr
    assert "Secret-Pw" not in result.stderr + result.stdout


def test_the_production_entry_point_says_why_and_exits(instance_dir):
    result = run([sys.executable, "-c", "import wsgi"], instance_dir,
                 WEBPANEL_TRUSTED_PROXIES="two")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "WEBPANEL_TRUSTED_PROXIES (environment) is 'two'" in result.stderr
    assert "number of reverse proxies" in result.stderr


@pytest.mark.parametrize("key, value, expected", [
    ("MAIL_TIMEOUT", "abc", "a number of seconds above 0"),
    ("MAIL_TIMEOUT", -1, "a number of seconds above 0"),
    ("MAIL_TIMEOUT", float("nan"), "a number of seconds above 0"),
    ("MAIL_TIMEOUT", True, "a number of seconds above 0"),
    ("WORKER_TIMEOUT", "sixty", "a number of seconds above 0"),
    ("MAIL_MAX_BYTES", "20MB", "a whole number of bytes"),
    ("MAIL_UPLOAD_RATE", -1, "a whole number of bytes per second, 0 or more"),
    ("MAX_CONTENT_LENGTH", 0, "a whole number of bytes"),
    ("NEW_MAIL_SERVER_LIMIT", -1, "0 or more (0 lifts the limit)"),
    ("NEW_MAIL_SERVER_WINDOW", 1.5, "a whole number of seconds"),
    ("LOGIN_FAILURES_PER_ADDRESS", "many", "a whole number of 1 or more"),
    ("TRUSTED_PROXIES", 99, "from 0 (none: the default) to 10"),
    ("DEBUG", "maybe", "on or off"),
    ("MICROSOFT_LARGE_MESSAGES", "perhaps", "on or off"),
    ("WEBPANEL_ENV", "prod", "production or development"),
    ("MAIL_ALLOWED_HOSTS", "smtp.example.com", "a list of host names"),
    ("DNS_NAMESERVERS", ["dns.example.com"], "a list of IP addresses"),
    ("DNS_PORT", 70000, "a port number from 1 to 65535"),
    ("SIGN_IN_LIFETIME", 0, "a length of time above 0"),
    ("SIGN_IN_LIFETIME_UNREMEMBERED", timedelta(0), "a length of time above 0"),
    ("PDF_CACHE_MAX_BYTES", "lots", "a whole number of bytes"),
    ("WORKER_HEARTBEAT", 0, "a number of seconds above 0"),
    ("BOUNCE_CHECK_MINUTES", 0, "a whole number of minutes from 1 to 60, like 5"),
    ("BOUNCE_CHECK_MINUTES", 61, "a whole number of minutes from 1 to 60, like 5"),
    ("BOUNCE_CHECK_MINUTES", "often", "a whole number of minutes from 1 to 60, like 5"),
])
def test_create_app_refuses_a_bad_value_naming_it(instance_dir, key, value, expected):
    with pytest.raises(StartupError) as refused:
        create_app({"TESTING": True, key: value})
    message = str(refused.value)
    assert message.startswith(f"The setting {key} is {value!r}, but it must be ")
    assert expected in message


def test_a_bad_database_url_is_named_without_repeating_it(instance_dir):
    with pytest.raises(StartupError) as refused:
        create_app({"TESTING": True, "DATABASE_URL": "postgres ql://me:Secret-Pw@db/x"})
    message = str(refused.value)
    assert message.startswith("The setting DATABASE_URL must be an SQLAlchemy database URL")
    assert "Secret-Pw" not in message


def test_a_bad_value_in_config_py_says_so(instance_dir):
    instance_dir.mkdir(parents=True)
    (instance_dir / "config.py").write_text("LOGIN_FAILURE_WINDOW = '15 minutes'\n")
    with pytest.raises(StartupError, match=r"The setting LOGIN_FAILURE_WINDOW \(in config.py\) "
                                           r"is '15 minutes', but it must be a whole number"):
        create_app({"TESTING": True})


def test_good_values_from_the_environment_become_numbers(instance_dir, monkeypatch):
    monkeypatch.setenv("WEBPANEL_MAIL_TIMEOUT", " 3 ")
    monkeypatch.setenv("WEBPANEL_TRUSTED_PROXIES", "1")
    monkeypatch.setenv("WEBPANEL_SECURE_COOKIES", "yes")
    app = create_app({"TESTING": True, "SIGN_IN_LIFETIME": 3600})
    assert app.config["MAIL_TIMEOUT"] == 3.0 and app.config["TRUSTED_PROXIES"] == 1
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SIGN_IN_LIFETIME"] == timedelta(hours=1)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(hours=1)  # follows it
    app.extensions["webpanel.engine"].dispose()


def test_an_unknown_secure_cookies_word_is_refused(instance_dir, monkeypatch):
    monkeypatch.setenv("WEBPANEL_SECURE_COOKIES", "sometimes")
    with pytest.raises(StartupError, match=r"WEBPANEL_SECURE_COOKIES \(environment\) is "
                                           r"'sometimes', but it must be on or off"):
        create_app({"TESTING": True})

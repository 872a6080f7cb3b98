"""Start-up checks of every setting: a wrong type or range stops the panel with a message
that names the setting, its value and what is expected (instead of a crash later)."""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class BadSetting(ValueError):
    """A setting's value is unusable; the message says what is expected."""


#: A cheaper password hash method for the test suite (e.g. "pbkdf2:sha256:1"): accepted only
#: from the settings a test passes to create_app with TESTING on, never from config.py.
TEST_PASSWORD_HASH = "TEST_PASSWORD_HASH"
#: Run each background job in the request that queues it (huey's immediate mode): tests only.
WORKER_IMMEDIATE = "WORKER_IMMEDIATE"
#: The settings for the test suite only, and why config.py may not set them.
TEST_ONLY = {
    TEST_PASSWORD_HASH: "passwords are always hashed with scrypt",
    WORKER_IMMEDIATE: "the background worker (flask worker) sends, not the web server",
}


def refuse_test_only(config: Mapping[str, Any], test_config: Mapping[str, Any] | None) -> None:
    """Raise BadSetting when a test-only setting is set anywhere but in a test's own settings
    with TESTING on: nothing in config.py can make the panel hash passwords with less than
    scrypt, or send inside web requests."""
    given = test_config or {}
    for key, why in TEST_ONLY.items():
        if config.get(key) and not (key in given and given.get("TESTING")):
            raise BadSetting(f"The setting {key} is for the test suite only: remove it from "
                             f"config.py ({why}).")


def _integer(minimum: int, maximum: int | None = None) -> Callable[[Any], int]:
    def read(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise BadSetting
        text = str(value).strip().replace("_", "")
        if not text.lstrip("-").isdigit():
            raise BadSetting
        number = int(text)
        if number < minimum or (maximum is not None and number > maximum):
            raise BadSetting
        return number

    return read


def _seconds(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadSetting
    try:
        number = float(value)
    except ValueError:
        raise BadSetting from None
    if not math.isfinite(number) or number <= 0:
        raise BadSetting
    return number


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        if value.total_seconds() <= 0:
            raise BadSetting
        return value
    return timedelta(seconds=_seconds(value))


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower() if isinstance(value, str) else None
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise BadSetting


def _choice(*allowed: str) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if str(value) not in allowed:
            raise BadSetting
        return str(value)

    return read


def _host_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise BadSetting
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise BadSetting
    return tuple(value)


def _seconds_list(value: Any) -> tuple[int, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
        raise BadSetting
    read = _integer(1, 86_400)
    return tuple(read(item) for item in value)


def _nameservers(value: Any) -> list[str] | None:
    if value in (None, "", [], ()):
        return None
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise BadSetting
    try:
        return [str(ipaddress.ip_address(str(item).strip())) for item in value]
    except ValueError:
        raise BadSetting from None


def _optional(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value in (None, "") else read(value)


def _database_url(value: Any) -> str:
    try:
        url = make_url(str(value))
    except ArgumentError:
        raise BadSetting from None
    if not url.drivername:
        raise BadSetting
    return str(value)


def _queue_url(value: Any) -> str:
    text = str(value).strip()
    scheme, _, rest = text.partition("://")
    if scheme not in ("redis", "rediss") or not rest or not rest.split("/")[0].strip("@:"):
        raise BadSetting
    return text


SECONDS = "a number of seconds above 0, like 10"
COUNT = "a whole number of 1 or more, like 10"
LIMIT = "a whole number of 0 or more (0 lifts the limit), like 10"
BYTES = "a whole number of bytes of 1 or more, like 20971520 (20 MB)"
ON_OFF = "on or off: 1, true, yes, on, or 0, false, no, off"
LIFETIME = "a length of time above 0: a number of seconds, or a timedelta in config.py"
#: Each checked setting: how to read it, and what it must be (said when it is not).
RULES: dict[str, tuple[Callable[[Any], Any], str]] = {
    "MAIL_TIMEOUT": (_seconds, SECONDS),
    "WORKER_TIMEOUT": (_seconds, SECONDS),
    "MAX_CONTENT_LENGTH": (_integer(1), BYTES),
    "MAIL_MAX_BYTES": (_integer(1), BYTES),
    "MAIL_UPLOAD_RATE": (_integer(0), "a whole number of bytes per second, 0 or more (0 gives "
                         "large messages no more time), like 125000 (1 Mbit/s)"),
    "GRAPH_REQUEST_LIMIT": (_integer(1), BYTES),
    "LOGO_MAX_BYTES": (_integer(1), BYTES),
    "SENDING_STALE_AFTER": (_integer(1), "a whole number of seconds of 1 or more, like 300"),
    "SEND_TEST_LIMIT": (_integer(0), LIMIT),
    "SEND_TEST_WINDOW": (_integer(1), "a whole number of seconds of 1 or more, like 600"),
    "NEW_MAIL_SERVER_LIMIT": (_integer(0), LIMIT),
    "NEW_MAIL_SERVER_WINDOW": (_integer(1), "a whole number of seconds of 1 or more, like 3600"),
    "LOGIN_FAILURES_PER_ACCOUNT": (_integer(1), COUNT),
    "LOGIN_FAILURES_PER_ADDRESS": (_integer(1), COUNT),
    "LOGIN_FAILURE_WINDOW": (_integer(1), "a whole number of seconds of 1 or more, like 900"),
    "TRUSTED_PROXIES": (_integer(0, 10), "the number of reverse proxies in front of the panel, "
                        "from 0 (none: the default) to 10; usually 1"),
    "SIGN_IN_LIFETIME": (_duration, LIFETIME),
    "SIGN_IN_LIFETIME_UNREMEMBERED": (_duration, LIFETIME),
    "PERMANENT_SESSION_LIFETIME": (_duration, LIFETIME),
    "BOUNCE_REPORTS_PER_CHECK": (_integer(1), COUNT),
    "BOUNCE_CHECK_MINUTES": (_integer(1, 60), "a whole number of minutes from 1 to 60, like 5"),
    "PDF_CACHE_MAX_AGE": (_integer(1), "a whole number of seconds of 1 or more, like 2592000 "
                          "(30 days)"),
    "PDF_CACHE_MAX_BYTES": (_integer(1), BYTES),
    "DEBUG": (_boolean, ON_OFF),
    "SECURE_COOKIES": (_optional(_boolean), ON_OFF),
    "SESSION_COOKIE_SECURE": (_boolean, ON_OFF),
    "REMEMBER_COOKIE_SECURE": (_boolean, ON_OFF),
    "MICROSOFT_LARGE_MESSAGES": (_boolean, ON_OFF),
    "WEBPANEL_ENV": (_choice("production", "development"), "production or development"),
    "MAIL_ALLOWED_HOSTS": (_host_list, 'a list of host names, like ["smtp.office365.com", '
                           '"*.example.com"] (empty: any host)'),
    "DNS_NAMESERVERS": (_nameservers, 'a list of IP addresses, like ["192.0.2.53"]'),
    "DNS_PORT": (_optional(_integer(1, 65535)), "a port number from 1 to 65535"),
    "WORKER_HEARTBEAT": (_seconds, SECONDS),
    "SEND_ATTEMPTS": (_integer(1, 20), "a whole number from 1 (no automatic retry) to 20, "
                      "like 6"),
    "SEND_RETRY_SECONDS": (_seconds_list, "a list of seconds from 1 to 86400, like "
                           "[60, 300, 900, 3600]"),
    "QUEUE_URL": (_optional(_queue_url), "a Redis URL, like redis://127.0.0.1:6379/0 (or unset, "
                  "for the queue file in the instance folder)"),
    "DATABASE_URL": (_database_url, "an SQLAlchemy database URL, like "
                     "sqlite:////srv/webpanel/instance/webpanel.db or "
                     "postgresql+psycopg://webpanel@localhost/webpanel"),
}
#: Settings whose value is never repeated in a message (it may hold a password).
QUIET = {"DATABASE_URL", "QUEUE_URL"}


def validate(config: dict[str, Any], sources: Mapping[str, str]) -> None:
    """Check and convert every known setting in place; raise BadSetting naming the first bad one.

    `sources` names where a value came from (e.g. "WEBPANEL_MAIL_TIMEOUT (environment)").
    """
    for key, (read, expected) in RULES.items():
        if key not in config:
            continue
        try:
            config[key] = read(config[key])
        except (BadSetting, TypeError):
            where = sources.get(key, key)
            shown = "" if key in QUIET else f" is {config[key]!r}, but it"
            raise BadSetting(f"The setting {where}{shown} must be {expected}.") from None

"""Key rotation while the panel serves: gunicorn with two workers (as the README starts it),
people saving passwords and pressing Send Test the whole time, and `flask keys rotate` run
in the middle. Nothing saved is lost and the running workers read every secret, no restart."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from tests.support.smtpd import free_port
from webpanel import create_app, migrate
from webpanel.auth import services as auth_services
from webpanel.crypto import SecretBox, secret_box
from webpanel.extensions import db
from webpanel.settings.models import EmailSettings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "correct horse battery"
PEOPLE = 5  # four keep saving while one only reads
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _prepare(instance: Path) -> list[int]:
    """Migrate the instance's database and create the people; their user ids."""
    app = create_app({"TESTING": True})
    with app.app_context():
        migrate.upgrade(app)
        ids = [auth_services.create_user(f"u{n}@example.com", PASSWORD).id
               for n in range(PEOPLE)]
        db.session.commit()
    app.extensions["webpanel.engine"].dispose()
    return ids


@pytest.fixture
def panel(instance_dir):
    """gunicorn --workers 2 --threads 4 on a free port, its own instance folder."""
    ids = _prepare(instance_dir)
    (instance_dir / "config.py").write_text("SEND_TEST_LIMIT = 100_000\n")  # tests galore
    port = free_port()
    log = instance_dir / "server.log"
    env = {**os.environ, "WEBPANEL_INSTANCE": str(instance_dir), "WEBPANEL_MAIL_TIMEOUT": "3"}
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--threads", "4", "--timeout", "60", "wsgi:app"], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield url, ids, env
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            if requests.get(f"{url}/login", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError(f"the panel did not start:\n{log.read_text()[-3000:]}")


class Person:
    """One signed-in browser session on the served panel."""

    def __init__(self, url: str, user_id: int, number: int, smtp) -> None:
        self.url, self.user_id, self.login, self.smtp = url, user_id, f"u{number}", smtp
        self.session = requests.Session()
        token = CSRF.search(self.session.get(f"{url}/login", timeout=10).text).group(1)
        signed_in = self.session.post(f"{url}/login", timeout=10, allow_redirects=False, data={
            "csrf_token": token, "email": f"u{number}@example.com", "password": PASSWORD})
        assert signed_in.status_code == 302
        self.token = CSRF.search(self.session.get(self._page("general"), timeout=10).text)[1]
        saved = self._post("general", {"display_name": self.login,
                                       "address": f"u{number}@example.com"})
        assert "Saved" in saved
        self.saved = ""

    def _page(self, tab: str) -> str:
        return f"{self.url}/users/{self.user_id}/email/{tab}"

    def _post(self, path: str, data: dict) -> str:
        response = self.session.post(self._page(path), data={"csrf_token": self.token, **data},
                                     headers={"HX-Request": "true", "X-CSRFToken": self.token},
                                     timeout=30)
        return response.text

    def _smtp(self, password: str) -> dict:
        return {"send_using": "smtp", "smtp_server": "127.0.0.1", "smtp_port": str(self.smtp.port),
                "smtp_security": "none", "smtp_username": self.login, "smtp_password": password}

    def save_password(self, password: str) -> None:
        """Save a new SMTP password (the server learns it first)."""
        self.smtp.users[self.login] = password
        html = self._post("smtp", self._smtp(password))
        assert "Saved" in html, html[-2000:]
        self.saved = password

    def send_test_with_the_stored_password(self) -> None:
        html = self._post("smtp/test", {**self._smtp(""), "test_to": "pat@example.org",
                                        "test_subject": "after rotation?"})
        assert "It works" in html, re.sub(r"\s+", " ", html)[:1500]


def _flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "flask"), "--app", "webpanel", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _stored(instance: Path) -> list[str]:
    app = create_app({"TESTING": True})
    with app.app_context():
        rows = list(db.session.scalars(select(EmailSettings.smtp_password_enc)
                                      .order_by(EmailSettings.user_id)))
    app.extensions["webpanel.engine"].dispose()
    return rows


def test_rotation_while_serving_loses_nothing(panel, smtp_server_factory, instance_dir):
    url, ids, env = panel
    smtp = smtp_server_factory(mode="plain", users={})
    people = [Person(url, uid, n, smtp) for n, uid in enumerate(ids)]
    for person in people:
        person.save_password(f"{person.login}-first")
    savers, reader = people[:-1], people[-1]  # the reader's password only rotation rewrites
    rounds, errors, stop = [0], [], threading.Event()

    def keep_saving(mine: list[Person]) -> None:
        try:
            while not stop.is_set():
                for person in mine:
                    person.save_password(f"{person.login}-{rounds[0]}")
                    person.send_test_with_the_stored_password()
                reader.send_test_with_the_stored_password()
                rounds[0] += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    writers = [threading.Thread(target=keep_saving, args=(savers[n::2],)) for n in range(2)]
    for writer in writers:
        writer.start()
    rotated = _flask(env, "keys", "rotate")
    after = rounds[0]
    while rounds[0] < after + 4 and not errors:  # keep going after the rotation too
        time.sleep(0.05)
    stop.set()
    for writer in writers:
        writer.join(60)

    assert rotated.returncode == 0, rotated.stderr
    assert "Re-encrypted" in rotated.stdout and "keys rotate --finish" in rotated.stdout
    assert errors == []
    key_file = instance_dir / "encryption.key"
    assert len(key_file.read_text().split()) == 2  # the old key stays, for reading only
    box = SecretBox(key_file)
    stored = _stored(instance_dir)
    assert len(stored) == PEOPLE and all(box.is_current(token) for token in stored)
    for person, token in zip(sorted(people, key=lambda p: p.user_id), stored, strict=True):
        assert person.saved in box.decrypt(token)
        person.send_test_with_the_stored_password()  # the same workers, no restart

    too_soon = _flask(env, "keys", "rotate", "--finish")
    assert too_soon.returncode != 0 and "too recent" in too_soon.stderr
    a_while_ago = time.time() - 120
    os.utime(key_file, (a_while_ago, a_while_ago))
    finished = _flask(env, "keys", "rotate", "--finish")
    assert finished.returncode == 0 and "old keys are removed" in finished.stdout
    assert len(key_file.read_text().split()) == 1
    for person in people:
        person.send_test_with_the_stored_password()


def test_a_running_box_follows_a_new_key_file(app):
    with app.app_context():
        running = secret_box()
        before = running.encrypt("saved before")
    rotator = SecretBox(running.key_file)  # another process's view of the same file
    rotator.begin_rotation()
    during = running.encrypt("saved by a worker that has not restarted")
    assert rotator.is_current(during) and not rotator.is_current(before)
    assert running.decrypt(before) == "saved before" and running.key_count == 2
    rotator.finish_rotation()
    assert running.decrypt(during) == "saved by a worker that has not restarted"
    assert running.key_count == 1


def test_a_key_file_moved_away_for_a_moment_does_not_stop_the_panel(app):
    with app.app_context():
        running = secret_box()
        token = running.encrypt("still readable")
    moved = running.key_file.with_name("encryption.key.moved")
    running.key_file.rename(moved)
    try:
        assert running.decrypt(token) == "still readable"
    finally:
        moved.rename(running.key_file)
    assert running.decrypt(running.encrypt("after")) == "after"

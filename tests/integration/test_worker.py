"""The background worker as a real process: `flask worker` on the instance folder's SQLite
queue, and on a real redis-server, beats (so `worker.running()` turns true), runs a task the
panel queues, and once killed is seen as stopped when its heartbeat goes stale."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from huey import RedisHuey, SqliteHuey

from tests.conftest import child_env
from tests.support.redis import queue_url_for
from tests.support.workers import wait_for, write_config
from webpanel import StartupError, create_app, worker
from webpanel.config import PROJECT_ROOT

#: Short heartbeats so "stale" comes within a second (three missed beats).
BEAT = 0.2


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request) -> Iterator[str | None]:
    """No QUEUE_URL (the instance folder's SQLite file), or a throwaway redis-server's."""
    with queue_url_for(request.param) as url:
        yield url


@pytest.fixture
def app(make_app, instance_dir, queue_url):
    """The panel's app on a migrated database; `flask worker` reads the same config.py (short
    heartbeats, the queue)."""
    settings = {"WORKER_HEARTBEAT": BEAT, **({"QUEUE_URL": queue_url} if queue_url else {})}
    write_config(instance_dir, **settings)
    return make_app(WORKER_IMMEDIATE=False, **settings)


def test_no_worker_is_running_before_one_ever_beat(app):
    assert worker.running(app) is False
    assert worker.last_heartbeat(app) is None


def test_a_worker_beats_and_runs_what_the_panel_queues(app, start_worker):
    process = start_worker()
    wait_for(lambda: worker.running(app))
    result = worker.task("ping", app)()
    assert result.get(blocking=True, timeout=10) == process.pid
    beat = worker.last_heartbeat(app)
    wait_for(lambda: worker.last_heartbeat(app) > beat)
    # the heartbeat's one key is all that stays: beats leave no results behind
    assert set(worker.queue(app).all_results()) == {worker.HEARTBEAT_KEY}


def test_a_killed_worker_is_seen_as_stopped_once_its_heartbeat_is_stale(app, start_worker):
    process = start_worker()
    wait_for(lambda: worker.running(app))
    process.kill()
    process.wait(timeout=10)
    killed_at = time.time()
    wait_for(lambda: not worker.running(app), timeout=10)
    assert time.time() - worker.last_heartbeat(app) >= worker.STALE_AFTER_BEATS * BEAT
    assert worker.last_heartbeat(app) <= killed_at


def test_sigterm_stops_the_worker_cleanly(app, start_worker):
    process = start_worker()
    wait_for(lambda: worker.running(app))
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0


@pytest.mark.parametrize("queue_url", ["sqlite"], indirect=True)
def test_the_queue_is_a_private_file_in_the_instance_folder(app, instance_dir):
    huey = worker.queue(app)
    assert isinstance(huey, SqliteHuey)
    path = instance_dir / worker.QUEUE_FILE
    assert huey.storage.filename == str(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_an_app_that_never_queues_opens_no_queue(instance_dir):
    create_app({"TESTING": True})
    assert not (instance_dir / worker.QUEUE_FILE).exists()


def test_queue_url_chooses_redis(instance_dir):
    app = create_app({"TESTING": True, "QUEUE_URL": "redis://127.0.0.1:6399/2"})
    huey = worker.queue(app)
    assert isinstance(huey, RedisHuey)
    assert huey.storage.pool.connection_kwargs["port"] == 6399
    assert not (instance_dir / worker.QUEUE_FILE).exists()


@pytest.mark.parametrize("value", [
    "127.0.0.1:6379", "postgresql://db/x", "redis://", "http://me:Secret-Pw@cache:6379/0"])
def test_a_bad_queue_url_stops_start_up_without_repeating_it(instance_dir, value):
    with pytest.raises(StartupError) as refused:
        create_app({"TESTING": True, "QUEUE_URL": value})
    message = str(refused.value)
    assert message.startswith("The setting QUEUE_URL must be a Redis URL, like "
                              "redis://127.0.0.1:6379/0")
    assert "Secret-Pw" not in message and "cache" not in message


def test_a_worker_refuses_a_database_that_is_not_up_to_date(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the instance folder's own, empty file
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "webpanel", "worker"],
                            cwd=PROJECT_ROOT, env=child_env(tmp_path), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "The database is not up to date: run `flask --app webpanel db upgrade` first" in (
        result.stderr)
    assert "Traceback" not in result.stderr

"""Real `flask worker` processes on a test's instance folder, and waiting for a condition.

`start_worker()` starts one (the worker reads the instance folder's config.py and the test's
database); every one started is killed at teardown, whatever happened."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import child_env
from webpanel.config import PROJECT_ROOT


def wait_for(condition: Callable[[], object], timeout: float = 15.0) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@pytest.fixture
def start_worker(instance_dir, tmp_path) -> Iterator[Callable[..., subprocess.Popen]]:
    """start_worker(threads=1): `flask worker` on the test's instance folder; its output goes
    to worker-N.log in the test's folder."""
    started: list[subprocess.Popen] = []

    def start(threads: int = 1) -> subprocess.Popen:
        log = open(tmp_path / f"worker-{len(started)}.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "webpanel", "worker",
             "--workers", str(threads)],
            cwd=PROJECT_ROOT, env=child_env(instance_dir), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)

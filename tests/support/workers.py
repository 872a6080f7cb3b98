"""Real `flask worker` processes for tests, on a test's instance folder (its config.py, its
queue) and database (DATABASE_URL from the environment), and polling for what they do.

Load as a plugin (tests/conftest.py) for the `start_worker` fixture.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import child_env
from webpanel.config import PROJECT_ROOT


def wait_for(condition: Callable[[], object], timeout: float = 15.0,
             why: Callable[[], str] = lambda: "") -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds, saying `why()`."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"condition not met in time. {why()}"
        time.sleep(0.05)


def write_config(instance_dir: Path, **settings) -> None:
    """The instance folder's config.py, which `flask worker` reads as it starts."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    (instance_dir / "config.py").write_text(
        "".join(f"{key} = {value!r}\n" for key, value in settings.items()))


class Workers:
    """The `flask worker` processes one test started; each writes its own log file."""

    def __init__(self, instance_dir: Path, logs: Path) -> None:
        self.instance_dir, self.logs = instance_dir, logs
        self.processes: list[subprocess.Popen] = []

    def start(self, threads: int = 1) -> subprocess.Popen:
        """Start `flask worker --workers threads`."""
        with open(self.logs / f"worker-{len(self.processes)}.log", "w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "webpanel", "worker", "--workers",
                 str(threads)], cwd=PROJECT_ROOT, env=child_env(self.instance_dir),
                stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def log(self) -> str:
        """The end of every worker's log, for a failure message."""
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
                         for path in sorted(self.logs.glob("worker-*.log")))

    def stop_all(self) -> None:
        """Kill what still runs and reap every process."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


@pytest.fixture
def workers(instance_dir, tmp_path) -> Iterator[Workers]:
    """Start `flask worker` processes on the test's instance folder; all stopped at teardown
    whatever happened."""
    started = Workers(instance_dir, tmp_path)
    yield started
    started.stop_all()


@pytest.fixture
def start_worker(workers) -> Callable[..., subprocess.Popen]:
    """`start_worker(threads=1)`: one more `flask worker` process."""
    return workers.start

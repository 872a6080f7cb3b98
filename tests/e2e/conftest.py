"""End-to-end fixtures: the panel started the way the README does, and Debian's Chromium."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest

from tests.support.smtpd import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ADMIN_EMAIL = "boss@example.com"
ADMIN_PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, with nothing that reaches out to the network."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"],
    }


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the panel stopped while starting:\n{log.read_text()[-3000:]}")
        try:
            with urlopen(url, timeout=2):
                return
        except URLError:
            time.sleep(0.2)
    raise RuntimeError(f"the panel did not start in {seconds} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def panel(tmp_path_factory, test_ca):
    """`make run` on a free port with its own instance folder; stopped after the session."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    port = free_port()
    log = instance / "server.log"
    env = {**os.environ, "WEBPANEL_INSTANCE": str(instance), "HOST": "127.0.0.1",
           "PORT": str(port), "WEBPANEL_MAIL_TIMEOUT": "3", "SSL_CERT_FILE": str(test_ca.ca_file)}
    with log.open("w") as out:
        process = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{url}/login", process, log)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)

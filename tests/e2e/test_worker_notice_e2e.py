"""The panel's web server without its background worker (the README's web service alone): the
home page says in plain words that the worker has never run, what that stops and what to do;
the notice goes while a worker runs, and comes back naming when it last ran once it stops. At
a phone's width too, and by keyboard."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ROOT, _wait_until_up, panel_app
from tests.e2e.screens import axe_violations, fits_the_width, sized_page, small_targets
from tests.support.smtpd import free_port
from webpanel import worker

pytestmark = pytest.mark.e2e

BIN = ROOT / ".venv" / "bin"
BEAT = 0.5  # seconds between heartbeats: the pages warn six seconds after the last


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def web_only(tmp_path_factory) -> Iterator[SimpleNamespace]:
    """gunicorn serving the panel on a free port, with a migrated database, an administrator,
    and no worker; `.start_worker()` starts `flask worker` on the same instance folder."""
    instance = tmp_path_factory.mktemp("e2e-web-only")
    (instance / "config.py").write_text(f"WORKER_HEARTBEAT = {BEAT}\n")
    env = {**os.environ, "WEBPANEL_INSTANCE": str(instance)}
    env.pop("DATABASE_URL", None)
    flask = [str(BIN / "flask"), "--app", "webpanel"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, timeout=120,
                   capture_output=True)
    subprocess.run([*flask, "users", "create", ADMIN_EMAIL, "--admin"], cwd=ROOT, env=env,
                   input=ADMIN_PASSWORD + "\n", text=True, check=True, timeout=60,
                   capture_output=True)
    port, log = free_port(), instance / "server.log"
    with log.open("w") as out:
        web = subprocess.Popen([str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                                "--workers", "1", "--threads", "8", "wsgi:app"], cwd=ROOT,
                               env=env, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)
    started: list[subprocess.Popen] = []

    def start_worker() -> subprocess.Popen:
        with (instance / "worker.log").open("a") as out:
            started.append(subprocess.Popen([*flask, "worker", "--workers", "1"], cwd=ROOT,
                                            env=env, stdout=out, stderr=subprocess.STDOUT))
        return started[-1]

    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{url}/login", web, log)
        yield SimpleNamespace(url=url, app=panel_app(instance), start_worker=start_worker)
    finally:
        for process in started:
            process.kill()
            process.wait(10)
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(20)


def sign_in_by_keyboard(page: Page, url: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{url}/")


def test_the_home_page_says_the_worker_is_stopped_and_what_to_do(page: Page, web_only):
    sign_in_by_keyboard(page, web_only.url)
    notice = page.get_by_role("region", name="The background worker is not running")
    expect(notice).to_contain_text("The background worker has never run, so emails wait and "
                                   "bounce reports are not read.")
    expect(notice).to_contain_text("Start it with flask --app wsgi worker beside the web server")
    link = notice.get_by_role("link", name="See what is waiting")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{web_only.url}/users/#background-worker")
    section = page.get_by_role("region", name="Background worker", exact=True)
    expect(section).to_contain_text("Not running. It has never run.")
    expect(section).to_contain_text("No message is waiting for it.")

    process = web_only.start_worker()
    wait_for(lambda: worker.running(web_only.app))
    page.goto(web_only.url)
    expect(page.get_by_role("heading", name="Your email")).to_be_visible()
    expect(notice).to_have_count(0)

    process.send_signal(signal.SIGINT)
    process.wait(20)
    wait_for(lambda: worker.health(web_only.app).stopped)  # twelve beats without one
    page.reload()
    expect(notice).to_contain_text(re.compile(
        r"The background worker has not run since \d+ \w+ \d\d:\d\d \w+, so emails wait and "
        r"bounce reports are not read\."))


def test_the_notice_fits_a_phone_and_passes_the_checks(browser: Browser, web_only):
    with sized_page(browser, "phone") as page:
        sign_in_by_keyboard(page, web_only.url)
        expect(page.get_by_role("region", name="The background worker is not running")
               ).to_be_visible()
        fits_the_width(page, "phone")
        assert small_targets(page) == []
        assert axe_violations(page) == []

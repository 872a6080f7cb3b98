"""A real Redis server for tests: Debian's redis-server on a free 127.0.0.1 port, in the
foreground, with no persistence and its folder under a temporary directory; stopped (and its
folder removed) by ``stop()``."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self

import redis

from tests.support.smtpd import free_port

HOST = "127.0.0.1"
START_TIMEOUT = 10


class RedisServer:
    """`redis-server --port N --save '' --dir DIR`, answered PING before `start()` returns."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="webpanel-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> Self:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no",
             "--dir", self.folder], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        client = redis.Redis(host=HOST, port=self.port)
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("redis-server did not start (make system-test installs "
                                       "it)") from None
                time.sleep(0.02)
        client.close()
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def queue_url_for(kind: str) -> Iterator[str | None]:
    """A throwaway redis-server's URL for "redis"; None (the queue file in the instance
    folder) for anything else. The server is stopped on leaving, whatever happened."""
    if kind != "redis":
        yield None
        return
    server = RedisServer().start()
    try:
        yield server.url
    finally:
        server.stop()

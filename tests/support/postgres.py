"""A real PostgreSQL server for tests: a throwaway cluster on a free 127.0.0.1 port.

``initdb`` and ``pg_ctl`` run as an unprivileged user (``nobody`` when the tests run as root,
as on a build machine; else the current user) on a data folder under a temporary directory, with
its socket in that folder too: no system service, no password, nothing left behind after
``stop()``. Each test gets its own database, copied from a template that the caller migrates
once (``CREATE DATABASE … TEMPLATE``), so a test starts from the newest schema in milliseconds.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Self

from tests.support.smtpd import free_port

HOST = "127.0.0.1"
SUPERUSER = "webpanel"
TEMPLATE = "webpanel_template"
START_TIMEOUT = 30


def bin_dir() -> Path | None:
    """Where initdb and pg_ctl live: on PATH, else Debian's versioned folder (newest first)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                     key=lambda path: int(Path(path).parent.name), reverse=True)
    return Path(folders[0]) if folders else None


class PostgresServer:
    """One cluster; ``url(name)`` is the SQLAlchemy URL of a database in it."""

    host = HOST

    def __init__(self) -> None:
        binaries = bin_dir()
        if binaries is None:
            raise RuntimeError("PostgreSQL is missing: run `make system-test` (it installs "
                               "the postgresql package).")
        self.bin = binaries
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="webpanel-postgres-"))
        self.data = self.root / "data"
        self._owner = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.getuid())

    def start(self) -> Self:
        """initdb, then start the server and wait until it accepts connections."""
        self.root.chmod(0o755)
        self.data.mkdir(mode=0o700)
        if os.geteuid() == 0:
            os.chown(self.data, self._owner.pw_uid, self._owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")
        options = (f"-c listen_addresses={HOST} -p {self.port} "
                   f"-c unix_socket_directories={self.data} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.data / "server.log"), "-w",
                  "-t", str(START_TIMEOUT), "-o", options, "start")
        return self

    def _run(self, program: str, *args: str) -> str:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", self._owner.pw_name, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root,
                              timeout=START_TIMEOUT * 2, check=False)
        if done.returncode:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr[-2000:]}"
                               f"{self.log()}")
        return done.stdout

    def log(self) -> str:
        """The server's log, for failure messages."""
        path = self.data / "server.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of `database` (psycopg 3)."""
        return f"postgresql+psycopg://{SUPERUSER}@{HOST}:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
        import psycopg

        with psycopg.connect(host=HOST, port=self.port, user=SUPERUSER, dbname="postgres",
                             autocommit=True, connect_timeout=10) as connection:
            connection.execute(sql)

    def create_database(self, template: str | None = None) -> str:
        """A new empty database (or a copy of `template`); returns its name."""
        name = f"t_{secrets.token_hex(6)}"
        self.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database, ending the connections still open to it."""
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server at once and remove its folder. Idempotent."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""A real IMAP server for tests: Debian's Dovecot, started on free 127.0.0.1 ports as an
unprivileged process with a throwaway configuration and mail folder (no system service).

Run as root (as on a build machine), the server drops to ``nobody``; otherwise it runs as the
current user. Every user name signs in with the server's one password and gets its own
mailbox, so each test takes a fresh account without a restart. Folders: INBOX, and ``Sent``
and ``Drafts`` with their special-use flags (RFC 6154).
"""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from tests.support.certs import Leaf
from tests.support.smtpd import free_port

DOVECOT = "/usr/sbin/dovecot"
HOST = "127.0.0.1"
START_TIMEOUT = 10.0

CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols = imap
listen = {host}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
disable_plaintext_auth = no
auth_failure_delay = 0
shutdown_clients = yes
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={dir}/home/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # no growing delay for an address after failed logins: tests fail some on purpose
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
}}
"""


@dataclass(frozen=True)
class Account:
    """One mailbox on the server."""

    user: str
    password: str


class DovecotServer:
    """Dovecot on ``port`` (plain, STARTTLS offered) and ``tls_port`` (TLS from the start)."""

    host = HOST

    def __init__(self, leaf: Leaf) -> None:
        self.leaf = leaf
        self.port, self.tls_port = free_port(), free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="webpanel-dovecot-"))
        self._process: subprocess.Popen[bytes] | None = None
        self.password = secrets.token_urlsafe(12)
        self._owner = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.getuid())

    def start(self) -> Self:
        """Write the configuration, start Dovecot in the foreground, wait for its ports."""
        user, group = self._owner.pw_name, grp.getgrgid(self._owner.pw_gid).gr_name
        for sub in ("run", "state", "home"):
            (self.dir / sub).mkdir()
        shutil.copy(self.leaf.cert_file, self.dir / "cert.pem")
        shutil.copy(self.leaf.key_file, self.dir / "key.pem")
        (self.dir / "dovecot.conf").write_text(CONFIG.format(
            dir=self.dir, host=HOST, password=self.password, user=user, group=group, port=self.port,
            tls_port=self.tls_port))
        self._chown()
        command = [DOVECOT, "-F", "-c", str(self.dir / "dovecot.conf")]
        if os.geteuid() == 0:
            command = ["runuser", "-u", user, "--", *command]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.PIPE, start_new_session=True)
        self._wait_for_ports()
        return self

    def _chown(self) -> None:
        if os.geteuid() != 0:
            return
        for path in (self.dir, *self.dir.rglob("*")):
            os.chown(path, self._owner.pw_uid, self._owner.pw_gid)

    def _wait_for_ports(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            if all(_listening(port) for port in (self.port, self.tls_port)):
                return
            time.sleep(0.02)
        raise RuntimeError(f"dovecot did not start in {START_TIMEOUT:g} s: {self.log()}")

    def log(self) -> str:
        """Dovecot's log (and its stderr once it has exited), for failure messages."""
        path = self.dir / "dovecot.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        if self._process is not None and self._process.poll() is not None:
            text += (self._process.stderr.read() if self._process.stderr else b"").decode()
        return text[-2000:]

    def stop(self) -> None:
        """Stop Dovecot and remove its folder. Idempotent."""
        process, self._process = self._process, None
        if process is not None:
            os.killpg(process.pid, signal.SIGKILL)  # a throwaway server: nothing to keep
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stderr:
                process.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- accounts and mail -----------------------------------------------------

    def add_account(self) -> Account:
        """A new account with an empty mailbox (INBOX, Sent, Drafts)."""
        return Account(f"u{secrets.token_hex(6)}@example.com", self.password)

    def connect(self, account: Account) -> imaplib.IMAP4:
        """A signed-in plain IMAP connection (for checking what the panel did)."""
        client = imaplib.IMAP4(HOST, self.port, timeout=5)
        try:
            client.login(account.user, account.password)
        except imaplib.IMAP4.error:
            client.shutdown()
            raise
        return client

    def append(self, account: Account, folder: str, data: bytes) -> None:
        """Put a message in a folder, as another program (or a delivery) would."""
        with self.connect(account) as client:
            status, _ = client.append(folder, None, None, data)
            assert status == "OK", status

    def messages(self, account: Account, folder: str) -> list[bytes]:
        """The exact bytes of every message in a folder, oldest first."""
        with self.connect(account) as client:
            client.select(_quote(folder), readonly=True)
            _, found = client.uid("SEARCH", "ALL")
            uids = found[0].split()
            out = []
            for uid in uids:
                _, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
                out.append(data[0][1])
            return out


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _listening(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False

"""The TLS context of outgoing mail connections is made once per trust store, not per send
(reading the system's CA bundle costs tens of milliseconds), and made again when it changes."""

from __future__ import annotations

import os
import shutil
import ssl

from webpanel.mail.smtp import tls_context


def test_the_context_is_kept_while_the_trust_store_stays_the_same():
    assert tls_context(False) is tls_context(False)
    assert tls_context(True) is not tls_context(False)
    assert tls_context(True).verify_mode == ssl.CERT_NONE
    assert tls_context(False).verify_mode == ssl.CERT_REQUIRED and tls_context(False).check_hostname


def test_another_or_a_changed_ca_file_makes_a_new_context(tmp_path, monkeypatch):
    bundle = tmp_path / "ca.pem"
    shutil.copy(ssl.get_default_verify_paths().cafile, bundle)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    first = tls_context(False)
    assert tls_context(False) is first
    os.utime(bundle, (1, 1))  # the file was replaced (a CA added, say)
    assert tls_context(False) is not first

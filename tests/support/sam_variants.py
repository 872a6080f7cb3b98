"""Other ways Sam is set up, each registered as the `sam` fixture of the module that imports
it (`from tests.support.sam_variants import sam_on_smtp  # noqa: F401`); the usual `sam` is in
tests/support/office.py."""

from __future__ import annotations

import pytest

from tests.conftest import sam_with_samples, sam_with_smtp


@pytest.fixture(name="sam")
def sam_on_smtp(app, user_client, user_id, plain_smtp):
    """`sam`: Sam with sample documents, sending through the local SMTP server as user/secret
    (`sam_with_smtp`)."""
    return sam_with_smtp(app, user_client, user_id, plain_smtp)


@pytest.fixture(name="sam")
def sam_on_smtp_trusting_ca(app, user_client, user_id, plain_smtp, trust_ca):
    """`sam`: as `sam_on_smtp`, with the panel trusting the test CA (Dovecot's certificate)."""
    return sam_with_smtp(app, user_client, user_id, plain_smtp)


@pytest.fixture(name="sam")
def sam_on_stand_ins(emulated, user_client, user_id):
    """`sam`: Sam, signed in to the panel pointed at the Google and Microsoft stand-ins, with
    General saved and sample documents."""
    return sam_with_samples(emulated, user_client, user_id)

"""Sign-ins end on the server after their lifetime (remember-me cookie included), a live one is
only read; expired sessions, old rate events and old or surplus cached PDFs are pruned by
`flask maintenance prune` and (the rows) at each sign-in."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tests.conftest import PASSWORD, child_env, csrf_from
from tests.support.sessions import age_sessions, session_count, sign_in, signed_in
from webpanel.auth import services as auth_services
from webpanel.database import utcnow
from webpanel.documents import services as documents
from webpanel.documents.models import Document
from webpanel.documents.sample import load_sample_data
from webpanel.extensions import db
from webpanel.throttle import RateEvent

pytestmark = pytest.mark.renders_pdfs  # fills and prunes the cache folder


def remember_cookie_only(app, client):
    """A browser that was closed: only the remember-me cookie is left."""
    cookie = client.get_cookie("webpanel_remember")
    assert cookie is not None
    fresh = app.test_client()
    fresh.set_cookie("webpanel_remember", cookie.value)
    return fresh


def test_a_remembered_sign_in_ends_after_the_lifetime_cookie_included(app, user_id):
    client = sign_in(app, remember=True)
    reopened = remember_cookie_only(app, client)
    age_sessions(app, timedelta(days=13))
    assert signed_in(client) and signed_in(reopened)
    age_sessions(app, timedelta(days=1, minutes=1))  # 14 days and a minute
    assert not signed_in(remember_cookie_only(app, client))
    assert session_count(app) == 0  # refused and deleted when presented
    assert not signed_in(client)


def test_a_sign_in_without_remember_me_ends_sooner(app, user_id):
    short = sign_in(app)
    long = sign_in(app, remember=True)
    age_sessions(app, timedelta(hours=12, minutes=1))
    assert not signed_in(short)
    assert signed_in(long)
    assert session_count(app) == 1


def test_the_lifetime_is_a_setting(make_app):
    app = make_app(SIGN_IN_LIFETIME=3600)
    with app.app_context():
        auth_services.create_user("sam@example.com", PASSWORD)
        db.session.commit()
    client = sign_in(app, remember=True)
    assert client.get_cookie("webpanel_remember").expires is not None
    age_sessions(app, timedelta(minutes=61))
    assert not signed_in(client)
    app.extensions["webpanel.engine"].dispose()


def test_a_page_view_of_a_live_sign_in_writes_nothing(app, user_id):
    client = sign_in(app, remember=True)
    age_sessions(app, timedelta(days=3))
    writes: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        if statement.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement)

    engine = app.extensions["webpanel.engine"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert signed_in(client)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert writes == []


def add_rate_events(app, ages: dict[str, timedelta]) -> None:
    with app.app_context():
        for key, age in ages.items():
            db.session.add(RateEvent(bucket="login-address", key=key, at=utcnow() - age))
        db.session.commit()


def rate_keys(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(RateEvent.key)))


def test_signing_in_prunes_expired_sessions_and_old_rate_events(app, user_id, make_user):
    make_user("lee@example.com")
    sign_in(app, "lee@example.com", remember=True)
    age_sessions(app, timedelta(days=15))  # Lee's sign-in has expired, unseen
    add_rate_events(app, {"old": timedelta(hours=2), "recent": timedelta(minutes=5)})
    sign_in(app)  # Sam signs in: Lee's dead session and the old event go
    assert session_count(app) == 1
    assert rate_keys(app) == {"recent"}  # the longest window (an hour) still counts it


def make_pdf(folder, name: str, size: int, age_days: float) -> None:
    path = folder / f"{name}.pdf"
    path.write_bytes(b"%PDF-" + b"x" * (size - 5))
    when = time.time() - age_days * 86_400
    os.utime(path, (when, when))


def test_flask_maintenance_prune_removes_only_what_is_expired(app, user_id, instance_dir):
    live = sign_in(app)
    sign_in(app, remember=True)
    age_sessions(app, timedelta(days=20), remembered_only=True)  # ended, never seen again
    add_rate_events(app, {"old": timedelta(days=2), "recent": timedelta(minutes=1)})
    cache = instance_dir / "pdf-cache"
    cache.mkdir()
    make_pdf(cache, "old", 1000, age_days=31)
    make_pdf(cache, "fresh", 1000, age_days=1)
    (instance_dir / "config.py").write_text("PDF_CACHE_MAX_BYTES = 1_500\n")
    make_pdf(cache, "newest", 1000, age_days=0.1)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "webpanel", "maintenance",
                             "prune"], capture_output=True, text=True, timeout=60,
                            env=child_env(instance_dir))
    assert result.returncode == 0, result.stderr
    assert ("Removed 1 expired sign-in sessions, 1 old rate-limit records, 0 spent invitation "
            "links and 2 cached PDFs"
            in result.stdout)
    assert sorted(p.name for p in cache.iterdir()) == ["newest.pdf"]  # by age, then by size
    assert signed_in(live) and session_count(app) == 1
    assert rate_keys(app) == {"recent"}


def test_the_cache_keeps_itself_within_its_size_after_rendering(app, instance_dir):
    cache = instance_dir / "pdf-cache"
    cache.mkdir()
    for n in range(5):
        make_pdf(cache, f"old{n}", 1000, age_days=5 - n)
    make_pdf(cache, "stale", 1000, age_days=40)
    app.config["PDF_CACHE_MAX_BYTES"] = 2_500  # read when the cache is first used
    with app.app_context():
        load_sample_data()
        document = db.session.scalars(select(Document).order_by(Document.id)).first()
        data, _name = documents.pdf_for(document)
    assert data.startswith(b"%PDF-")
    left = {p.name: p.stat().st_size for p in cache.iterdir()}
    assert sum(left.values()) <= 2_500 + len(data)  # the new PDF is kept, the oldest go
    assert "stale.pdf" not in left and "old0.pdf" not in left
    with app.app_context():
        assert documents.pdf_for(document)[0] == data


@pytest.mark.parametrize("remember", [True, False])
def test_signing_out_still_ends_the_session(app, user_id, remember):
    client = sign_in(app, remember=remember)
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    assert session_count(app) == 0

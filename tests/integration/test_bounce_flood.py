"""A flood of delivery reports (anyone can mail an office) cannot stop the reading of bounces:
each check looks at a capped number of reports within part of the IMAP deadline and keeps its
progress, reports about other people's mail cost a short look, and a failing server is tried
again only after a growing wait. A real Dovecot INBOX, behind a proxy that records what the
panel asked and counts what the server sent (and can answer slowly, or wrongly)."""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import make_msgid

import pytest
from sqlalchemy import select

from tests.conftest import Htmx
from tests.support.bounce_proxy import ImapProxy
from tests.support.documents import text_of
from tests.support.sent_mail import report, set_up_imap
from webpanel.bounces import jobs
from webpanel.bounces.models import BounceReport, BounceScan
from webpanel.extensions import db
from webpanel.mail import dsn
from webpanel.outbox.models import Message, MessageBody

CUSTOMER = "ann@customer.example"
UID_SET = re.compile(rb"UID FETCH ([0-9,:]+) \(UID (RFC822\.SIZE|BODY\.PEEK\[\]<)")


def original(message_id: str, padding: int = 0) -> bytes:
    """The headers (and body) of a message as it went out."""
    return (f"From: sam@example.com\r\nTo: {CUSTOMER}\r\nSubject: Invoice\r\n"
            f"Message-ID: {message_id}\r\n\r\n".encode() + b"x" * padding + b"\r\n")


def foreign(padding: int = 0) -> bytes:
    """A report about somebody else's message (a stranger's, sent to the office)."""
    message_id = make_msgid(domain="elsewhere.example")
    data = report(original(message_id), CUSTOMER, envid=dsn.envid_for(message_id))
    return data.replace(b"I'm sorry to have to inform you", b"Sorry. " + b"y" * padding)


def fill(dovecot, account, messages: list[bytes]) -> None:
    """Deliver the messages to the INBOX over one connection."""
    with dovecot.connect(account) as client:
        for data in messages:
            assert client.append("INBOX", None, None, data)[0] == "OK"


def own_message(app, user_id: int) -> tuple[int, bytes]:
    """A message Sam sent (its record and bytes), and a report that it bounced."""
    message_id = make_msgid(domain="example.com")
    with app.app_context():
        record = Message(user_id=user_id, idempotency_key=message_id, method="smtp",
                         status="sent", subject="Invoice", to_addrs=CUSTOMER)
        record.body = MessageBody(mime=original(message_id))
        db.session.add(record)
        db.session.commit()
        return record.id, report(original(message_id), CUSTOMER,
                                 envid=dsn.envid_for(message_id))


def uids(commands: list[bytes], whole: bool = False) -> list[int]:
    """The UIDs the panel fetched: looked at (default) or read whole, in order."""
    found = []
    for command in commands:
        match = UID_SET.search(command)
        if match and (match.group(2) != b"RFC822.SIZE") == whole:
            for part in match.group(1).split(b","):
                low, _, high = part.partition(b":")
                found += range(int(low), int(high or low) + 1)
    return found


def cli_check(app, proxy: ImapProxy, *args: str) -> tuple[str, list[bytes]]:
    """One `flask mail check-bounces`: its line, and the commands it sent."""
    proxy.reset()
    run = app.test_cli_runner().invoke(args=["mail", "check-bounces", *args])
    return run.output.strip(), list(proxy.commands)


def stored(app, user_id: int) -> BounceScan:
    with app.app_context():
        return db.session.get(BounceScan, user_id)


@pytest.fixture
def sam(app, user_client, user_id, dovecot, imap_account):
    """Sam, signed in, with IMAP set up through a proxy to Dovecot (``sam.proxy``)."""
    with ImapProxy(dovecot.port) as proxy:
        set_up_imap(app, user_id, dovecot, imap_account, port=proxy.port)
        hx = Htmx(user_client, "/sent")
        hx.proxy, hx.dovecot, hx.account, hx.user_id = proxy, dovecot, imap_account, user_id
        yield hx


def page_check(sam) -> str:
    """What Sent mail says after Check now (the worker's job runs in the request here)."""
    response = sam.post("/sent/bounces/check", {})
    assert response.status_code == 200
    return text_of(response).strip()


def test_a_flood_is_read_over_successive_checks_each_report_once(app, sam):
    app.config["BOUNCE_REPORTS_PER_CHECK"] = 40
    # the largest UIDVALIDITY IMAP allows (beyond a 32-bit signed integer) is kept as it is
    sam.proxy.rewrite = ((rb"\[UIDVALIDITY [0-9]+\]", b"[UIDVALIDITY 4294967295]"),)
    first_id, first = own_message(app, sam.user_id)
    last_id, last = own_message(app, sam.user_id)
    flood = [foreign() for _ in range(100)]
    fill(sam.dovecot, sam.account, flood[:5] + [first] + flood[5:95] + [last] + flood[95:])

    line, first_commands = cli_check(app, sam.proxy)
    assert line == "sam@example.com: 1 new bounce; 62 more to read"
    assert re.fullmatch(r"Checked for bounce reports a moment ago\. Bounce reports read at "
                        r"\d+ \w+ \d\d:\d\d UTC; 62 more to read\.", page_check(sam))
    line, second_commands = cli_check(app, sam.proxy)
    assert line == "sam@example.com: 0 new bounces; 22 more to read"
    line, third_commands = cli_check(app, sam.proxy)
    assert line == "sam@example.com: 1 new bounce"
    line, fourth_commands = cli_check(app, sam.proxy)
    assert line == "sam@example.com: 0 new bounces" and uids(fourth_commands) == []

    looked = [uids(c) for c in (first_commands, second_commands, third_commands)]
    assert [len(batch) for batch in looked] == [40, 40, 22]  # each check moved on
    assert sorted(sum(looked, [])) == list(range(1, 103))  # every report once, none twice
    read_whole = uids(first_commands + second_commands + third_commands, whole=True)
    assert read_whole == [6, 97]  # only the two about Sam's own messages
    with app.app_context():
        bounced = db.session.scalars(select(BounceReport.message_id)).all()
    assert sorted(bounced) == [first_id, last_id]
    assert stored(app, sam.user_id).uidvalidity == 4294967295
    assert page_check(sam).endswith("UTC.")  # read to the end: nothing more to read


def test_a_slow_server_is_read_in_time_over_several_checks(app, sam):
    app.config["MAIL_TIMEOUT"] = 3.0  # the whole IMAP visit; half of it is spent reading
    sam.proxy.delay = 0.5  # each FETCH (25 reports) answered half a second late
    fill(sam.dovecot, sam.account, [foreign() for _ in range(100)])

    looked, lines = [], []
    while not lines or "more to read" in lines[-1]:
        assert len(lines) < 6, lines
        line, commands = cli_check(app, sam.proxy)
        lines.append(line)
        looked.append(uids(commands))
        assert re.fullmatch(r"sam@example\.com: 0 new bounces(; \d+ more to read)?", line)
        assert looked[-1], lines  # every check moved on
    assert len(lines) >= 2  # too slow to read all at once
    assert sorted(sum(looked, [])) == list(range(1, 101))  # and none was read twice


def test_reports_about_other_peoples_mail_cost_only_a_short_look(app, sam):
    message_id, own = own_message(app, sam.user_id)
    flood = [foreign(padding=30_000) for _ in range(60)]
    fill(sam.dovecot, sam.account, flood[:30] + [own] + flood[30:])

    line, commands = cli_check(app, sam.proxy)
    assert line == "sam@example.com: 1 new bounce"
    assert uids(commands, whole=True) == [31]  # the one about Sam's message
    assert sorted(uids(commands)) == list(range(1, 62))
    assert sam.proxy.server_bytes < sum(map(len, flood)) / 10


def test_a_failing_server_is_tried_again_only_after_a_growing_wait(app, sam):
    set_up_imap(app, sam.user_id, sam.dovecot, sam.account, password="wrong password",
                port=sam.proxy.port)
    failed = page_check(sam)
    assert re.fullmatch(r"The last reading of bounce reports failed: .*rejected the user name "
                        r"or password\..* Next try at \d+ \w+ \d\d:\d\d UTC\.", failed)
    assert sam.proxy.connections == 1
    assert page_check(sam) == failed and sam.proxy.connections == 1  # not tried again yet
    note = text_of(sam.get("/sent/bounces/send-test-note")).strip()
    assert note == failed and sam.proxy.connections == 1  # under a Send Test result too
    with app.app_context():
        jobs.read_all()  # the worker's round waits too
    assert sam.proxy.connections == 1
    line, _ = cli_check(app, sam.proxy)  # cron waits too (exit code 1: nothing was read)
    assert line.startswith("sam@example.com: Not read now. The last reading of bounce reports "
                           "failed: ") and sam.proxy.connections == 0
    state = stored(app, sam.user_id)
    assert state.retry_at - state.checked_at == timedelta(minutes=1)

    wait_out(app, sam.user_id)
    sam.proxy.reset()
    page_check(sam)
    assert sam.proxy.connections == 1  # tried again once the wait was over, and failed
    state = stored(app, sam.user_id)
    assert state.failures == 2 and state.retry_at - state.checked_at == timedelta(minutes=2)
    line, _ = cli_check(app, sam.proxy, "--force")  # an administrator may read at once
    assert "rejected the user name or password" in line and sam.proxy.connections == 1
    state = stored(app, sam.user_id)
    assert state.retry_at - state.checked_at == timedelta(minutes=4)

    set_up_imap(app, sam.user_id, sam.dovecot, sam.account, port=sam.proxy.port)  # fixed
    sam.proxy.reset()
    assert page_check(sam).startswith("No new bounce reports in your inbox. Bounce reports "
                                      "read at ")
    assert sam.proxy.connections == 1 and stored(app, sam.user_id).failures == 0


def wait_out(app, user_id: int) -> None:
    """As if the wait after the last failure had passed."""
    with app.app_context():
        state = db.session.get(BounceScan, user_id)
        shift = state.retry_at - state.checked_at + timedelta(seconds=1)
        state.retry_at, state.checked_at = state.retry_at - shift, state.checked_at - shift
        db.session.commit()


@pytest.mark.parametrize("wrong", [
    (rb"\[UIDVALIDITY [0-9]+\]", b"[UIDVALIDITY not-a-number]"),
    (rb"\[UIDVALIDITY [0-9]+\]", b"[UIDVALIDITY 4294967296]"),
    (rb"RFC822\.SIZE [0-9]+", b"RFC822.SIZE 12x"),
    (rb"^\* SEARCH ([0-9]+)", rb"* SEARCH \1 two"),
    (rb"\(UID [0-9]+", b"(UID -1"),
    (rb" BODY\[2\]<0> ", b" BODY[2]<0> ("),
], ids=["uidvalidity-word", "uidvalidity-too-big", "size", "search", "uid", "unbalanced"])
def test_a_malformed_answer_is_a_plain_message_never_a_crash(app, sam, wrong):
    fill(sam.dovecot, sam.account, [foreign()])
    sam.proxy.rewrite = (wrong,)
    assert re.fullmatch(r"The last reading of bounce reports failed: The IMAP server at .+ sent "
                        r"an answer that is not IMAP \(.+\); it does not behave like a mail "
                        r"server\. Check the IMAP server .* Next try at .+ UTC\.", page_check(sam))


def test_a_check_that_fails_half_way_keeps_what_it_read(app, sam):
    message_id, own = own_message(app, sam.user_id)
    fill(sam.dovecot, sam.account, [foreign() for _ in range(4)] + [own]
         + [foreign() for _ in range(55)])
    sam.proxy.rewrite = ((rb"\(UID 30 RFC822\.SIZE [0-9]+", b"(UID 30 RFC822.SIZE 3O"),)

    line, commands = cli_check(app, sam.proxy)
    assert re.fullmatch(r"sam@example\.com: 1 new bounce; the reading stopped: The IMAP server "
                        r"at .+ sent an answer that is not IMAP \(RFC822\.SIZE\); .* Next try "
                        r"at .* UTC\.", line)
    assert stored(app, sam.user_id).last_uid == 25  # the first batch of 25 is kept
    sam.proxy.rewrite = ()
    wait_out(app, sam.user_id)
    line, commands = cli_check(app, sam.proxy)
    assert line == "sam@example.com: 0 new bounces"
    assert uids(commands) == list(range(26, 61))  # on from where it stopped

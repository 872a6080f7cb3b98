"""Whatever an IMAP server answers, the panel ends with a plain ImapError, in time and with
bounded memory: answers that announce 50 MB, lines that never end, numbers that are not
numbers, bytes that are not UTF-8, wrong tags, an early close. Scripted and generated
(Hypothesis) answers come from a real server socket on 127.0.0.1."""

from __future__ import annotations

import contextlib
import time
import tracemalloc
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.hostile_imap import HostileImapServer, endless, fetched, ok, raw
from webpanel.mail import imap
from webpanel.mail.bounces import scan_inbox
from webpanel.mail.imap import ImapConfig, ImapError
from webpanel.mailbase import MailError

DEADLINE = 3.0
IN_TIME = DEADLINE + 3.0  # the deadline, with a margin for a busy machine
FEW_MB = 4 * 1024 * 1024
MESSAGE = (b"From: sam@example.com\r\nTo: pat@example.org\r\nSubject: Invoice\r\n"
           b"Message-ID: <invoice-1@example.com>\r\n\r\nHello.\r\n")
NOT_IMAP = "sent an answer that is not IMAP; it does not behave like a mail server."
HYPOTHESIS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                      suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def server() -> Iterator[HostileImapServer]:
    with HostileImapServer() as running:
        yield running


def config_for(server: HostileImapServer, **changes) -> ImapConfig:
    return ImapConfig("127.0.0.1", server.port, "none", "sam", "pw", timeout=2.0,
                      deadline=DEADLINE, **changes)


def failure(action: Callable[[], object], memory: bool = False) -> tuple[ImapError, int]:
    """The ImapError the action ends with, and its memory peak (when ``memory``)."""
    if memory:
        tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ImapError) as caught:
            action()
        peak = tracemalloc.get_traced_memory()[1] if memory else 0
    finally:
        if memory:
            tracemalloc.stop()
    assert time.monotonic() - started < IN_TIME
    return caught.value, peak


# -- byte budgets ------------------------------------------------------------------------------

def test_a_50_mb_folder_name_is_refused_before_it_is_read(server):
    server.play("LIST", endless(b'* LIST () "/" {52428800}\r\n', b"x" * 65536))
    error, peak = failure(lambda: imap.list_folders(config_for(server)), memory=True)
    assert error.reason == (f"The IMAP server at 127.0.0.1 port {server.port} sent more than "
                            "8 KB in one piece; it does not behave like a mail server.")
    assert error.step == "folder" and peak < FEW_MB


def test_a_line_that_never_ends_is_cut_short(server):
    server.play("LIST", endless(b'* LIST () "/" ', b"x" * 65536))
    error, peak = failure(lambda: imap.list_folders(config_for(server)), memory=True)
    assert "sent more than 512 KB in one piece" in error.reason and peak < FEW_MB


def test_lines_that_never_end_stop_at_the_visits_budget(server):
    server.play("LIST", endless(b"", b'* LIST () "/" Folder\r\n' * 500))
    error, peak = failure(lambda: imap.list_folders(config_for(server)), memory=True)
    assert "sent more than 1 MB; it does not behave like a mail server" in error.reason
    assert peak < 2 * FEW_MB  # a megabyte of lines, kept by imaplib as short bytes objects


def test_names_that_each_fit_stop_at_the_visits_budget(server):
    server.play("LIST", endless(b"", b'* LIST () "/" {8000}\r\n' + b"n" * 8000 + b"\r\n"))
    error, peak = failure(lambda: imap.list_folders(config_for(server)), memory=True)
    assert "sent more than 1 MB" in error.reason and peak < FEW_MB


def fetch_one(server: HostileImapServer, items: str, **changes) -> list:
    """UID FETCH of message 1 with ``items``, in a session of its own; its data."""
    with imap.session(config_for(server, **changes)) as client:
        client.select("INBOX", readonly=True)
        status, data = client.uid("FETCH", "1", items)
    assert status == "OK"
    return data


TWO_MB = 2 * 1024 * 1024


def test_a_fetched_message_has_an_allowance_of_its_own(server):
    message = MESSAGE + b"x" * (1536 * 1024)  # more than the visit's 1 MB, less than 2 MB
    server.play("UID FETCH", fetched(message), close=False)
    [(_, data), _] = fetch_one(server, "(BODY.PEEK[])", max_message=TWO_MB)
    assert data == message


def test_a_fetched_message_over_the_largest_is_refused_before_it_is_read(server):
    server.play("UID FETCH", fetched(MESSAGE + b"x" * TWO_MB))
    error, peak = failure(lambda: fetch_one(server, "(BODY.PEEK[])", max_message=TWO_MB),
                          memory=True)
    assert "sent more than 2 MB in one piece" in error.reason and peak < FEW_MB


def test_a_partial_fetch_takes_no_more_than_it_asked_for(server):
    server.play("UID FETCH", fetched(b"x" * 100_000))
    error, _ = failure(lambda: fetch_one(server, "(UID BODY.PEEK[]<0.4096>)"))
    assert "sent more than 4 KB in one piece" in error.reason


def test_one_fetch_brings_at_most_one_messages_worth(server):
    server.play("UID FETCH", fetched(b"x" * 1_500_000, b"y" * 1_500_000))
    error, _ = failure(lambda: fetch_one(server, "(BODY.PEEK[])", max_message=TWO_MB))
    assert "sent more than 2 MB; it does not behave like a mail server" in error.reason


def test_sizes_and_flags_bring_no_message(server):
    server.play("UID FETCH", fetched(b"x" * 10_000))
    error, _ = failure(lambda: fetch_one(server, "(UID RFC822.SIZE FLAGS)"))
    assert "sent more than 8 KB in one piece" in error.reason


def test_the_largest_message_follows_what_the_panel_sends():
    assert imap.MESSAGE_BYTES >= 20 * 1024 * 1024 + 1024 * 1024  # MAIL_MAX_BYTES and a margin
    assert ImapConfig("h", 1, "none", "u", "p").max_message == imap.MESSAGE_BYTES


# -- malformed answers ---------------------------------------------------------------------------

def test_a_uidvalidity_that_is_not_a_number_is_a_plain_error(server):
    server.play("EXAMINE", ok(b"* OK [UIDVALIDITY not-a-number] ok\r\n", b"OK [READ-ONLY] ok"),
                close=False)

    def read_uidvalidity() -> int:
        with imap.session(config_for(server)) as client:
            client.select("INBOX", readonly=True)
            return int(client.untagged_responses["UIDVALIDITY"][-1])  # as a caller would
    error, _ = failure(read_uidvalidity)
    assert error.reason == f"The IMAP server at 127.0.0.1 port {server.port} {NOT_IMAP}"
    assert error.step == "folder"


def test_list_flags_and_names_that_are_not_utf8_are_listed_readably(server):
    server.play("LIST", ok(b'* LIST (\\Sent \xff\xfe) "/" "Sent \xc3("\r\n'
                           b'* LIST () "/" &A-\r\n* LIST () "/" {6}\r\nA\r\nB C\r\n'), close=False)
    folders = imap.list_folders(config_for(server))
    assert [f.label for f in folders] == ["Sent \ufffd(", "&A-"]  # no CR/LF name: no command
    assert folders[0].flags == ("\\Sent", "\ufffd\ufffd") and folders[0].is_sent


def test_capabilities_that_are_not_ascii_are_a_plain_error(server):
    server.play("CAPABILITY", ok(b"* CAPABILITY IMAP4rev1 \xff\r\n"))
    error, _ = failure(lambda: imap.list_folders(config_for(server)))
    assert NOT_IMAP in error.reason


def test_a_search_answered_with_a_literal_is_not_a_found_copy(server):
    server.play("UID SEARCH", ok(b"* SEARCH {1}\r\n1\r\n"), close=False)
    result = imap.copy_to_sent(config_for(server), MESSAGE)
    assert result == imap.CopyResult("Sent", appended=True)


# -- generated hostile answers ---------------------------------------------------------------

NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70).map(lambda n: str(n).encode()),
    st.sampled_from([b"", b"x", b"1e3", b"0x1F", b"\xff\xfe", b"9" * 5000, b" ", b"(", b"{3}"]),
    st.binary(max_size=8))
JUNK = st.binary(max_size=40)
SIZES = st.one_of(st.integers(0, 64), st.integers(8000, 10**12)).map(lambda n: b"%d" % n) | \
    st.just(b"9" * 5000)


@st.composite
def literal(draw) -> bytes:
    """A literal whose announced size may be right, short, long, or absurd."""
    announced, body = draw(SIZES), draw(st.binary(max_size=64))
    return b"{%s}\r\n" % announced + body


LINES = st.one_of(
    st.tuples(NUMBERS).map(lambda v: b"* OK [UIDVALIDITY %s] ok\r\n" % v),
    st.tuples(NUMBERS).map(lambda v: b"* %s EXISTS\r\n" % v),
    st.tuples(NUMBERS, NUMBERS).map(lambda v: b"* SEARCH %s %s\r\n" % v),
    st.tuples(NUMBERS, NUMBERS).map(lambda v: b"* 1 FETCH (UID %s RFC822.SIZE %s)\r\n" % v),
    st.tuples(JUNK, JUNK).map(lambda v: b'* LIST (%s) "/" %s\r\n' % v),
    st.tuples(JUNK, literal()).map(lambda v: b'* LIST (%s) "/" %s\r\n' % v),
    st.tuples(literal()).map(lambda v: b"* 1 FETCH (UID 1 BODY[] %s)\r\n" % v),
    st.tuples(JUNK).map(lambda v: b"* CAPABILITY IMAP4rev1 %s\r\n" % v),
    st.tuples(JUNK).map(lambda v: b"+ %s\r\n" % v),
    st.tuples(JUNK).map(lambda v: b"* BYE %s\r\n" % v),
    JUNK.map(lambda v: v + b"\r\n"),
    JUNK,  # no line end
)
ENDINGS = st.sampled_from([b"<tag> OK done", b"<tag> NO no", b"<tag> BAD bad", b"A999 OK done",
                           b"<tag> OK [UIDVALIDITY x] done", b"<tag> \xff", b""])


@st.composite
def answers(draw) -> Callable:
    """Hostile untagged lines, maybe forever, then a tagged line (maybe wrong, maybe none)."""
    lines = draw(st.lists(LINES, max_size=4))
    ending, forever = draw(ENDINGS), draw(st.sampled_from([False] * 9 + [True]))
    if forever:
        piece = b"".join(lines) or b"* 1 EXISTS\r\n"
        return endless(b"", piece * max(1, 65536 // len(piece)))

    def answer(tag: bytes, line: bytes) -> list[bytes]:
        last = ending.replace(b"<tag>", tag) + b"\r\n" if ending else b""
        return [*lines, last]
    return answer


def plain_or_done(action: Callable[[], object]) -> None:
    """The action returns, or ends with a MailError; in time either way."""
    started = time.monotonic()
    with contextlib.suppress(MailError):
        action()
    assert time.monotonic() - started < IN_TIME


GREETINGS = st.one_of(
    st.just(b"* OK [CAPABILITY IMAP4rev1 \xff] hi\r\n"),
    st.lists(LINES, max_size=3).map(b"".join))


@HYPOTHESIS
@given(command=st.sampled_from(["greeting", "CAPABILITY", "LOGIN", "LIST"]), answer=answers(),
       greeting=GREETINGS)
def test_finding_folders_on_a_hostile_server_ends_plainly(server, command, answer, greeting):
    if command == "greeting":
        answer = raw(greeting)
    server.play(command, answer)
    plain_or_done(lambda: imap.list_folders(config_for(server)))


@HYPOTHESIS
@given(command=st.sampled_from(["LIST", "EXAMINE", "UID SEARCH", "APPEND+", "APPEND"]),
       answer=answers())
def test_copying_to_a_hostile_server_ends_plainly(server, command, answer):
    server.play(command, answer)
    plain_or_done(lambda: imap.copy_to_sent(config_for(server), MESSAGE))


@HYPOTHESIS
@given(command=st.sampled_from(["EXAMINE", "UID SEARCH", "UID FETCH"]), answer=answers())
def test_reading_bounces_from_a_hostile_server_ends_plainly(server, command, answer):
    others = {"UID SEARCH": ok(b"* SEARCH 1\r\n"), "UID FETCH": fetched(MESSAGE)}
    server.play(command, answer, others=others)
    plain_or_done(lambda: scan_inbox(config_for(server)))

"""Run a WSGI app on a free 127.0.0.1 port in a daemon thread, for tests; and
:class:`FakeService`, the harness of the emulators: request log, delivered-message log
and misbehaviour switches for a Flask app served that way."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Self

from flask import Flask, Response, g, jsonify, request
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietRequestHandler(WSGIRequestHandler):
    """Keeps the access log out of test output (errors are still logged)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class LiveServer:
    """A werkzeug server for ``app`` on ``host``; ``port`` 0 picks a free port."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self._requested_port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("server is not running")
        return self._server.server_port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    @property
    def is_running(self) -> bool:
        return self._server is not None

    def start(self) -> LiveServer:
        if self._server is not None:
            return self
        self._server = make_server(
            self.host, self._requested_port, self.app, threaded=True,
            request_handler=QuietRequestHandler,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"live-server-{self._server.server_port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class ServedApp:
    """Mixin for objects that own a Flask ``app`` and serve it with a :class:`LiveServer`."""

    app: Any
    _live: LiveServer | None = None

    @property
    def live(self) -> LiveServer:
        if self._live is None:
            self._live = LiveServer(self.app)
        return self._live

    def start(self) -> Self:
        self.live.start()
        return self

    def stop(self) -> None:
        self.live.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash); only while started."""
        return self.live.base_url

    @property
    def port(self) -> int:
        return self.live.port


@contextmanager
def running(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[LiveServer]:
    """Serve ``app`` for the duration of the ``with`` block."""
    server = LiveServer(app, host, port).start()
    try:
        yield server
    finally:
        server.stop()


FAIL_KINDS = ("invalid_grant", "401", "403", "429", "500", "slow")


@dataclass
class RecordedRequest:
    method: str
    path: str
    endpoint: str | None  # logical name, as for fail_next
    grant_type: str | None = None  # token requests only
    status: int | None = None


@dataclass
class SentMessage:
    """A delivered message: the account it was sent as and the raw MIME."""

    email: str
    raw: bytes
    endpoint: str  # "gmail.send", "graph.sendMail" or "graph.send" (a draft)
    upload_type: str  # "json", "media", "multipart" (Gmail); "mime", "json", "upload-session"

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore


@dataclass
class Failure:
    kind: str
    remaining: int
    retry_after: int | None = None
    delay: float = 1.0


class ApiError(Exception):
    """An API error; each service renders it in its provider's shape."""

    def __init__(self, status: int, message: str | None = None, *, code: str | None = None,
                 retry_after: int | None = None) -> None:
        super().__init__(message or str(status))
        self.status, self.message, self.code, self.retry_after = status, message, code, retry_after


class FakeService(ServedApp):
    """A served Flask app that logs requests and messages and can be told to misbehave.

    Subclasses name their fail-able ``ENDPOINTS`` (Flask endpoint names, or aliases of them
    in ``ENDPOINT_ALIASES``) and call :meth:`install_harness` on their app.
    """

    ENDPOINTS: frozenset[str] = frozenset()
    ENDPOINT_ALIASES: dict[str, str] = {}

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.sent: list[SentMessage] = []
        self.requests: list[RecordedRequest] = []
        self._failures: dict[str, list[Failure]] = {}
        self._in_flight = 0
        self._idle = threading.Condition(self.lock)

    def wait_until_idle(self, timeout: float = 30.0) -> None:
        """Wait until no request is being answered (e.g. a "slow" one its client gave up on)."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout):
                raise RuntimeError(f"{type(self).__name__}: a request is still running")

    def fail_next(self, endpoint: str, kind: str, times: int = 1,
                  retry_after: int | None = None, delay: float | None = None) -> None:
        """Make the next ``times`` calls to ``endpoint`` fail as ``kind`` (see FAIL_KINDS);
        "slow" waits ``delay`` seconds (default 1) and then answers normally."""
        if endpoint not in self.ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {sorted(self.ENDPOINTS)}")
        if kind not in FAIL_KINDS or (kind == "invalid_grant" and endpoint != "token"):
            raise ValueError(f"kind {kind!r} is not available for {endpoint!r}")
        if kind == "429" and retry_after is None:
            retry_after = 1
        failure = Failure(kind, times, retry_after, 1.0 if delay is None else delay)
        with self.lock:
            self._failures.setdefault(endpoint, []).append(failure)

    def clear_failures(self) -> None:
        with self.lock:
            self._failures.clear()

    def reset_records(self) -> None:
        with self.lock:
            self.sent.clear()
            self.requests.clear()

    def record_sent(self, account: str, raw: bytes, endpoint: str, upload_type: str) -> None:
        with self.lock:
            self.sent.append(SentMessage(account, raw, endpoint, upload_type))

    def _take_failure(self, endpoint: str) -> Failure | None:
        with self.lock:
            queue = self._failures.get(endpoint)
            if not queue:
                return None
            failure = queue[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.pop(0)
            return failure

    # hooks
    def on_request(self, record: RecordedRequest) -> None:
        """Called (under the lock) for each request after it is logged."""

    def failure_response(self, endpoint: str, failure: Failure) -> Response:
        raise ApiError(int(failure.kind), retry_after=failure.retry_after)

    def render_api_error(self, error: ApiError) -> Response:
        return jsonify(error={"code": error.code or error.status, "message": error.message})

    # Flask wiring
    def install_harness(self, app: Flask) -> None:
        app.before_request(self._before_request)
        app.after_request(self._after_request)
        app.teardown_request(self._request_done)
        app.register_error_handler(ApiError, self._api_error_view)

    def _before_request(self) -> Response | None:
        with self._idle:
            self._in_flight += 1
        g.fake_service_counted = True
        name = request.url_rule.endpoint if request.url_rule else None
        endpoint = self.ENDPOINT_ALIASES.get(name or "", name)
        record = RecordedRequest(request.method, request.path, endpoint)
        g.fake_service_record = record
        with self.lock:
            self.requests.append(record)
            self.on_request(record)
        failure = self._take_failure(endpoint) if endpoint else None
        if failure is None:
            return None
        if failure.kind == "slow":
            time.sleep(failure.delay)
            return None
        resp = self.failure_response(endpoint or "", failure)
        if failure.retry_after is not None:
            resp.headers["Retry-After"] = str(failure.retry_after)
        return resp

    def _request_done(self, _error: BaseException | None) -> None:
        if not g.pop("fake_service_counted", False):  # a test client may tear down twice
            return
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def _after_request(self, resp: Response) -> Response:
        record = g.get("fake_service_record")
        if record is not None:
            record.status = resp.status_code
        return resp

    def _api_error_view(self, error: ApiError) -> Response:
        resp = self.render_api_error(error)
        resp.status_code = error.status
        if error.retry_after is not None:
            resp.headers["Retry-After"] = str(error.retry_after)
        return resp

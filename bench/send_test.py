"""Send Test against a closed port answers quickly, through the whole web request."""

from __future__ import annotations

import socket

from bench.harness import Row, csrf, make_panel, median_seconds


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run() -> list[Row]:
    """Median time of a Send Test POST that meets a closed port."""
    _app, client, uid = make_panel()
    token = csrf(client.get(f"/users/{uid}/email/general").get_data(as_text=True))
    client.post(f"/users/{uid}/email/general", data={"csrf_token": token,
                                                     "address": "bench@example.com"})
    port = closed_port()
    data = {"csrf_token": token, "send_using": "smtp", "smtp_server": "127.0.0.1",
            "smtp_port": str(port), "smtp_security": "tls", "test_to": "pat@example.org",
            "test_subject": "bench"}

    def attempt():
        response = client.post(f"/users/{uid}/email/smtp/test", data=data,
                               headers={"HX-Request": "true"})
        assert b"Nothing accepted the connection" in response.data

    seconds = median_seconds(attempt)
    return [Row("Send Test to a closed port (full request)", f"{seconds * 1000:.1f} ms",
                "< 1000 ms", seconds < 1.0)]

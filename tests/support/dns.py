"""A small DNS server for tests (dnslib) on 127.0.0.1 and a free UDP port, answering MX
queries from a table; every other name is NXDOMAIN. ``queries`` records what was asked."""

from __future__ import annotations

import threading
from typing import Any, Self

from dnslib import MX, QTYPE, RCODE, RR, DNSRecord
from dnslib.server import DNSLogger, DNSServer

HOST = "127.0.0.1"


class _Zone:
    """dnslib resolver: MX answers for the names in ``records``."""

    def __init__(self, owner: MxServer) -> None:
        self.owner = owner

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        with self.owner.lock:
            self.owner.queries.append((name, QTYPE[request.q.qtype]))
            exchanges = self.owner.records.get(name)
        if exchanges is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.MX:
            for preference, exchange in exchanges:
                reply.add_answer(RR(request.q.qname, QTYPE.MX, ttl=60,
                                    rdata=MX(exchange, preference)))
        return reply  # a known name asked for another type: NOERROR, no answer


class MxServer:
    """``records``: {"acme-office.example": [(0, "acme-office-example.mail.protection...")]}."""

    host = HOST

    def __init__(self, records: dict[str, list[tuple[int, str]]] | None = None) -> None:
        self.records = dict(records or {})
        self.queries: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        quiet = DNSLogger("-recv,-send,-request,-reply,-truncated,-error,-data",
                          logf=lambda _text: None)
        self._server = DNSServer(_Zone(self), address=HOST, port=0, logger=quiet)
        self.port: int = self._server.server.server_address[1]

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._server.server.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.server.shutdown()
        self._server.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

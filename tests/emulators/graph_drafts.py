"""Graph drafts and large attachments, as the Microsoft stand-in serves them.

- ``POST /v1.0/me/messages``: a draft from base64 MIME (``text/plain``, at most 4 MB) -> 201
- ``POST /v1.0/me/messages/{id}/attachments``: a ``fileAttachment`` (JSON, ``contentBytes``)
- ``POST /v1.0/me/messages/{id}/attachments/createUploadSession`` -> 201 ``uploadSession``
- ``PUT  /upload/{session}?authtoken=...``: byte ranges in order (``Content-Range``, at most
  4 MB each, no ``Authorization`` header); 200 with ``nextExpectedRanges``, the last one 201
  with ``Location``
- ``POST /v1.0/me/messages/{id}/send`` -> 202; ``DELETE /v1.0/me/messages/{id}`` -> 204

Drafts and sessions need Mail.ReadWrite, sending needs Mail.Send. On sending, each attached
file is added to the draft's MIME as a base64 part at the end of its root multipart, as
Exchange re-renders a message with its attachments.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from dataclasses import dataclass, field
from email.message import MIMEPart
from email.policy import SMTP
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, jsonify, request

from .server import ApiError

if TYPE_CHECKING:
    from .microsoft import MicrosoftEmulator

GRAPH = "https://graph.microsoft.com/"
READ_WRITE = frozenset({GRAPH + "Mail.ReadWrite"})
MB = 1024 * 1024
RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)$")


@dataclass
class Draft:
    owner: str
    mime: bytes
    files: list[tuple[dict, bytes]] = field(default_factory=list)


@dataclass
class Session:
    draft: str
    item: dict
    token: str
    data: bytearray = field(default_factory=bytearray)


class GraphDrafts:
    """The draft, attachment and upload-session endpoints of one Microsoft stand-in."""

    def __init__(self, emu: MicrosoftEmulator, upload_limit: int = 150 * MB) -> None:
        self.emu = emu
        self.upload_limit = self._initial_upload_limit = upload_limit
        self.drafts: dict[str, Draft] = {}
        self.sessions: dict[str, Session] = {}
        self.puts: list[dict[str, Any]] = []  # per PUT: size, range, authorization sent

    def reset(self) -> None:
        """No drafts, sessions or PUTs; the upload limit as constructed."""
        with self.emu.lock:
            self.upload_limit = self._initial_upload_limit
            self.drafts.clear()
            self.sessions.clear()
            self.puts.clear()

    def register(self, app: Flask) -> None:
        add = app.add_url_rule
        add("/v1.0/me/messages", "draft", self._create, methods=["POST"])
        add("/v1.0/me/messages/<mid>", "draft_delete", self._delete, methods=["DELETE"])
        add("/v1.0/me/messages/<mid>/attachments", "attach", self._attach, methods=["POST"])
        add("/v1.0/me/messages/<mid>/attachments/createUploadSession", "upload_session",
            self._session, methods=["POST"])
        add("/upload/<sid>", "upload", self._put, methods=["PUT"])
        add("/v1.0/me/messages/<mid>/send", "send_draft", self._send, methods=["POST"])

    def _draft(self, mid: str, scopes: frozenset[str]) -> Draft:
        item = self.emu.bearer(scopes)
        draft = self.drafts.get(mid)
        if draft is None or draft.owner != item.email:
            raise ApiError(404, "The specified object was not found in the store.",
                           code="ErrorItemNotFound")
        return draft

    def _create(self) -> Response:
        item = self.emu.bearer(READ_WRITE)
        data = request.get_data()
        if len(data) > self.emu.send_limit_bytes:
            raise ApiError(413)
        if request.mimetype != "text/plain":
            raise ApiError(415, f"Unsupported Content-Type: {request.mimetype}")
        try:
            mime = base64.b64decode(b"".join(data.split()), validate=True)
        except binascii.Error:
            raise ApiError(400, "Invalid base64 string for MIME content.",
                           code="ErrorMimeContentInvalidBase64String") from None
        mid = "AAMk" + secrets.token_urlsafe(24) + "="
        with self.emu.lock:
            self.drafts[mid] = Draft(item.email, mime)
        return Response(json.dumps({"id": mid, "isDraft": True}), 201,
                        content_type="application/json")

    def _delete(self, mid: str) -> Response:
        self._draft(mid, READ_WRITE)
        with self.emu.lock:
            self.drafts.pop(mid, None)
        return Response(status=204)

    def _attach(self, mid: str) -> Response:
        draft = self._draft(mid, READ_WRITE)
        if request.content_length and request.content_length > self.emu.send_limit_bytes:
            raise ApiError(413)
        body = request.get_json(silent=True) or {}
        if body.get("@odata.type") != "#microsoft.graph.fileAttachment":
            raise ApiError(400, "Invalid attachment type.", code="ErrorInvalidRequest")
        content = base64.b64decode(body.get("contentBytes", ""))
        with self.emu.lock:
            draft.files.append((body, content))
        return Response(json.dumps({"id": secrets.token_urlsafe(12)}), 201,
                        content_type="application/json")

    def _session(self, mid: str) -> Response:
        self._draft(mid, READ_WRITE)
        item = (request.get_json(silent=True) or {}).get("AttachmentItem") or {}
        size = item.get("size")
        if item.get("attachmentType") != "file" or not isinstance(size, int) or size <= 0:
            raise ApiError(400, "Invalid AttachmentItem.", code="ErrorInvalidRequest")
        if size > self.upload_limit:
            raise ApiError(413, "The attachment exceeds the maximum size of 150 MB.")
        sid, token = secrets.token_urlsafe(16), secrets.token_urlsafe(24)
        with self.emu.lock:
            self.sessions[sid] = Session(mid, item, token)
        url = f"{request.url_root}upload/{sid}?authtoken={token}"
        return Response(json.dumps({"uploadUrl": url, "expirationDateTime": "2099-01-01T00:00:00Z",
                                    "nextExpectedRanges": ["0-"]}), 201,
                        content_type="application/json")

    def _put(self, sid: str) -> Response:
        session = self.sessions.get(sid)
        if session is None or request.args.get("authtoken") != session.token:
            raise ApiError(401, "The upload session token is not valid.")
        chunk = request.get_data()
        self.puts.append({"size": len(chunk), "range": request.headers.get("Content-Range"),
                          "authorization": "Authorization" in request.headers})
        if "Authorization" in request.headers:
            raise ApiError(400, "Do not send an Authorization header with the upload URL.")
        match = RANGE.match(request.headers.get("Content-Range", ""))
        start, end, total = (int(g) for g in match.groups()) if match else (-1, -1, -1)
        if (start != len(session.data) or end - start + 1 != len(chunk) or len(chunk) > 4 * MB
                or total != session.item["size"]):
            raise ApiError(416, "The Content-Range does not match the next expected range.")
        session.data += chunk
        if len(session.data) < total:
            return jsonify(expirationDateTime="2099-01-01T00:00:00Z",
                           nextExpectedRanges=[str(len(session.data))])
        with self.emu.lock:
            self.drafts[session.draft].files.append((session.item, bytes(session.data)))
            del self.sessions[sid]
        resp = Response(status=201)
        resp.headers["Location"] = f"{request.url_root}v1.0/me/messages/{session.draft}/" \
                                   f"attachments/{secrets.token_urlsafe(12)}"
        return resp

    def _send(self, mid: str) -> Response:
        draft = self._draft(mid, frozenset({GRAPH + "Mail.Send"}))
        mime = with_files(draft.mime, draft.files)
        with self.emu.lock:
            self.drafts.pop(mid, None)
        self.emu.record_sent(draft.owner, mime, "graph.send", "upload-session")
        return Response(status=202)


def with_files(mime: bytes, files: list[tuple[dict, bytes]]) -> bytes:
    """The draft's MIME with each file added as a base64 part before its closing delimiter."""
    boundary = re.search(rb'boundary="?([^";\r\n]+)"?', mime)
    if boundary is None or not files:
        return mime
    close = b"\r\n--" + boundary.group(1) + b"--"
    at = mime.rfind(close)
    added = b"".join(b"\r\n--" + boundary.group(1) + b"\r\n" + _part(item, data)
                     for item, data in files)
    return mime[:at] + added + mime[at:]


def _part(item: dict, data: bytes) -> bytes:
    maintype, _, subtype = str(item.get("contentType") or "application/octet-stream").partition("/")
    part = MIMEPart()
    part.set_content(data, maintype=maintype, subtype=subtype or "octet-stream",
                     filename=item.get("name"),
                     disposition="inline" if item.get("isInline") else "attachment")
    if item.get("contentId"):
        part["Content-ID"] = f"<{item['contentId']}>"
    return part.as_bytes(policy=SMTP)

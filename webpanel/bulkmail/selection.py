"""What Email selected would do: the chosen documents read from the request, who each goes to
with which template, and whatever refuses the whole batch before anything is queued."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webpanel import sending
from webpanel.company import services as company
from webpanel.documents.kinds import KINDS
from webpanel.documents.models import Document
from webpanel.extensions import db
from webpanel.mailtemplates import services as templates
from webpanel.settings import readiness
from webpanel.settings.models import EmailSettings

#: The most documents one batch takes (one page of the list is 25).
MAX_DOCUMENTS = 100
_ID = re.compile(r"^[0-9]{1,18}$")


class BadSelection(Exception):
    """The chosen documents cannot be emailed as one batch; the message says what to do."""


@dataclass(frozen=True)
class Refusal:
    """Why no document of the batch can go, and the link that fixes it (may be empty)."""

    reason: str
    link: str = ""
    link_text: str = ""


@dataclass(frozen=True)
class Entry:
    """One chosen document, who it goes to (empty: its contact has no email address) and the
    subject its kind's template gives it."""

    document: Document
    to: str
    subject: str


@dataclass
class Selection:
    """The chosen documents in the order they were listed; `missing_ids`: those that no longer
    exist (deleted since the list was shown)."""

    entries: list[Entry]
    missing_ids: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def missing(self) -> int:
        """How many chosen documents no longer exist."""
        return len(self.missing_ids)

    @property
    def sendable(self) -> list[Entry]:
        """The documents that will be queued."""
        return [entry for entry in self.entries if entry.to]

    @property
    def no_address(self) -> list[Entry]:
        """The documents whose contact has no email address: listed, never sent."""
        return [entry for entry in self.entries if not entry.to]

    def templates_used(self) -> list[tuple[str, int]]:
        """Each kind's template in use, with how many emails it fills."""
        counts: dict[str, int] = {}
        for entry in self.sendable:
            title = KINDS[entry.document.kind].title
            counts[title] = counts.get(title, 0) + 1
        return list(counts.items())


def parse_ids(values: list[str]) -> list[int]:
    """The chosen ids, each once, in order; nonsense, none or too many say so plainly."""
    if any(not _ID.match(value) for value in values):
        raise BadSelection("The selection could not be read. Choose the documents again in "
                           "the list, then press Email selected.")
    ids = list(dict.fromkeys(int(value) for value in values))
    if not ids:
        raise BadSelection("No document is selected. Tick the box of each document to email "
                           "(or Select all on this page), then press Email selected.")
    if len(ids) > MAX_DOCUMENTS:
        raise BadSelection(f"You selected {len(ids)} documents; Email selected sends up to "
                           f"{MAX_DOCUMENTS} at once. Select fewer (one page of the list, "
                           "say), send them, then select the rest.")
    return ids


def select_documents(ids: list[int], settings: EmailSettings) -> Selection:
    """The documents with these ids (in this order), each with its recipient and subject."""
    rows = db.session.scalars(select(Document).where(Document.id.in_(ids))
                              .options(selectinload(Document.contact))).all()
    found = {row.id: row for row in rows}
    selection = Selection([], missing_ids=[i for i in ids if i not in found])
    chosen = [found[document_id] for document_id in ids if document_id in found]
    for document, filled in zip(chosen, templates.fill_all(chosen, settings), strict=True):
        selection.entries.append(_entry(document, filled, selection))
    return selection


def _entry(document: Document, filled: templates.Filled, selection: Selection) -> Entry:
    if filled.problem and filled.problem not in selection.problems:
        selection.problems.append(filled.problem)
    to = (document.contact.email or "").strip() if document.contact else ""
    return Entry(document, to, filled.subject)


def refusal_and_caution(settings: EmailSettings) -> tuple[Refusal | None, Refusal | None]:
    """What stops the whole batch, and what is only said above it (from one readiness check)."""
    ready = readiness.check(settings)
    caution = None if ready.working or ready.ready else Refusal(ready.problem, ready.link,
                                                                ready.link_text)
    return refusal(settings, ready), caution


def refusal(settings: EmailSettings, ready: readiness.Readiness | None = None) -> Refusal | None:
    """What stops the whole batch before anything is queued: the company has no name, the
    person's email is not set up, or their way of sending is their own email program. (A failed
    check of the saved settings only warns: the server may be back.)"""
    unnamed = company.unnamed(current_user.is_admin)
    if unnamed:
        return Refusal(f"Nothing was sent. {unnamed.reason}", unnamed.link, unnamed.link_text)
    ready = ready or readiness.check(settings)
    if not ready.ready and ready.working:  # not set up
        return Refusal(f"Nothing was sent. {ready.problem}", ready.link, ready.link_text)
    method = sending.METHODS.get(settings.send_using)
    if method is not None and not method.network:
        return Refusal(
            f"Email selected needs the panel to send the emails itself, and you send with "
            f"{method.label}, which opens one draft at a time in your email program. Email "
            "each document with its own Email button, or choose another way of sending.",
            url_for("settings.email_tab", user_id=settings.user_id, tab="smtp"),
            "Change Send Mail Using on the SMTP tab")
    return None

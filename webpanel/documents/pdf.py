"""Render documents of every kind (webpanel.documents.kinds) as PDF files.

The rendering layer knows nothing of the database: callers map their models to the
frozen dataclasses below. Rendering needs a Flask app context (for the templates under
``templates/documents/pdf/``); ``PdfCache`` keeps rendered files keyed by ``fingerprint``.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import hashlib
import io
import json
import logging
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from flask import current_app

from webpanel.documents.cache_pruning import PRUNE_EVERY, prune_folder
from webpanel.documents.kinds import KINDS
from webpanel.documents.pdf_fonts import (
    FACES,
    FontSet,
    MissingFonts,
    coverage,
    find_fonts,
    font_face_css,
    register,
    replace_base14,
)
from webpanel.documents.pdf_text import PDF_TEXT, PdfText, family_css, pdf_environment
from webpanel.formatting import date_in, decimal_in, money_in

log = logging.getLogger(__name__)

#: Bump when the rendering code changes in a way the templates and fonts do not show.
RENDER_VERSION = "3"

#: kind -> title ("Sales Order"), from the table of kinds.
KIND_TITLES: dict[str, str] = {key: kind.title for key, kind in KINDS.items()}

_TEMPLATE_DIR = "documents/pdf"
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}")
#: Where the page's fonts go in _base.html; a "<" no printed value can hold (all are escaped).
FONTS_MARKER = "/*<fonts>*/"


@dataclass(frozen=True)
class PdfParty:
    """A company, customer or vendor as printed on a document; ``address`` may be multi-line."""

    name: str
    contact: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    tax_id: str = ""
    registration_number: str = ""


@dataclass(frozen=True)
class PdfBank:
    """Where customers pay: printed under an invoice's totals."""

    account: str
    holder: str = ""
    code: str = ""
    bank: str = ""

    @property
    def is_iban(self) -> bool:
        """Whether the account looks like an IBAN (two letters, two digits, then more)."""
        return bool(_IBAN.fullmatch(self.account.replace(" ", "").upper()))

    @property
    def account_label(self) -> str:
        """ "IBAN" or "Account no."."""
        return "IBAN" if self.is_iban else "Account no."

    @property
    def code_label(self) -> str:
        """ "BIC" beside an IBAN, else "Routing / SWIFT"."""
        return "BIC" if self.is_iban else "Routing / SWIFT"


@dataclass(frozen=True)
class PdfLogo:
    """An image as a ``data:`` URI and the size it is printed at, in points."""

    data_uri: str
    width: float
    height: float


@dataclass(frozen=True)
class PdfLine:
    """One item row; ``amount`` is computed by the caller."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class PdfDocument:
    """Everything printed on one PDF. ``kind`` is a key of ``KINDS``; ``tax_rate`` is a
    percentage: Decimal("8.25") is 8.25 %."""

    kind: str
    number: str
    date: datetime.date
    company: PdfParty
    contact: PdfParty
    lines: tuple[PdfLine, ...]
    subtotal: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal
    notes: str = ""
    currency: str = "USD"
    locale: str = "en_US"
    terms: str = ""
    due_date: datetime.date | None = None
    valid_until: datetime.date | None = None
    delivery_date: datetime.date | None = None
    delivery_address: str = ""
    bank: PdfBank | None = None
    logo: PdfLogo | None = None
    footer: str = ""


class PdfRenderError(Exception):
    """A document could not be turned into a PDF."""


# --- formatting helpers (passed to the templates) ---------------------------------------


def formatters(doc: PdfDocument) -> dict[str, Callable[..., str]]:
    """The template's money, qty, percent and date functions in the document's locale."""
    return {
        "money": lambda value: money_in(value, doc.currency, doc.locale),
        "qty": lambda value: decimal_in(value, doc.locale),
        "percent": lambda value: decimal_in(value, doc.locale),
        "date": lambda value: date_in(value, doc.locale),
    }


# --- fonts, templates, fingerprint ------------------------------------------------------


def _resolve_fonts() -> FontSet:
    """The PDF fonts (``PDF_FONT_DIR`` first, then Debian's folders); missing ones are an error
    that names the packages to install."""
    try:
        return find_fonts(current_app.config.get("PDF_FONT_DIR"))
    except MissingFonts as exc:
        raise PdfRenderError(str(exc)) from exc


def _template_names(kind: str) -> tuple[str, str]:
    """The base template and the template of ``kind``; an unknown kind is an error."""
    if kind not in KINDS:
        known = ", ".join(KINDS)
        raise PdfRenderError(f"Unknown document kind {kind!r}; expected one of: {known}.")
    return f"{_TEMPLATE_DIR}/_base.html", KINDS[kind].pdf_template


def _template_sources(kind: str) -> list[str]:
    env = current_app.jinja_env
    assert env.loader is not None
    return [env.loader.get_source(env, name)[0] for name in _template_names(kind)]


def _json_default(value: object) -> str:
    if isinstance(value, Decimal | datetime.date):
        return str(value)
    raise TypeError(f"Cannot serialize {type(value).__name__} for a PDF fingerprint")


@cache
def _library_versions() -> tuple[str, str]:
    """The renderer's versions, read from the installed packages once per process (reading
    their metadata cost more than the rest of a fingerprint)."""
    return version("xhtml2pdf"), version("reportlab")


def fingerprint(doc: PdfDocument) -> str:
    """SHA-256 over the document, its templates, the fonts and the renderer versions.

    Equal inputs give the same key in every process; any change gives a new one.
    Needs an app context (templates and ``PDF_FONT_DIR`` come from the app). Raises
    ``PdfRenderError`` when fonts are missing.
    """
    payload = {
        "render_version": RENDER_VERSION,
        "libraries": list(_library_versions()),
        "document": dataclasses.asdict(doc),
        "templates": _template_sources(doc.kind),
        "fonts": _resolve_fonts().identity(),
    }
    text = json.dumps(payload, default=_json_default, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- rendering --------------------------------------------------------------------------


def _tame_xhtml2pdf_logger() -> None:
    """xhtml2pdf logs HTML fragments on every warning; keep only errors, unless configured."""
    logger = logging.getLogger("xhtml2pdf")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.ERROR)


def _render_html(doc: PdfDocument, fonts: FontSet) -> str:
    """The document's HTML, with ``@font-face`` rules for the faces its text needs."""
    name, text = _template_names(doc.kind)[1], PdfText(doc.locale, fonts)
    context: dict[str, Any] = {"doc": doc, "title": KIND_TITLES[doc.kind], PDF_TEXT: text,
                               **formatters(doc)}
    current_app.update_template_context(context)
    html = pdf_environment(current_app).get_template(name).render(context)
    faces = text.faces()
    for face in faces:
        register(fonts, face)
    css = font_face_css(fonts, faces) + "\n  " + family_css()
    return html.replace(FONTS_MARKER, css, 1)


def _policy_base_dir() -> Path:
    app = current_app
    return Path(app.root_path, app.template_folder or "templates", _TEMPLATE_DIR)


def _html_to_pdf(html: str, fonts: FontSet) -> bytes:
    from xhtml2pdf import pisa
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    policy = ResourceAccessPolicy.server(_policy_base_dir(), extra_roots=fonts.folders)
    out = io.BytesIO()
    try:
        status = pisa.CreatePDF(html, dest=out, encoding="utf-8", resource_policy=policy)
    except Exception as exc:
        raise PdfRenderError(f"The PDF renderer stopped with an error: {exc}") from exc
    if status.err:
        raise PdfRenderError(
            f"The PDF renderer reported {status.err} error(s); the document was not created. "
            "Check the PDF templates under templates/documents/pdf/."
        )
    return out.getvalue()


def render_pdf(doc: PdfDocument) -> bytes:
    """Render ``doc`` to PDF bytes; raise ``PdfRenderError`` if the renderer fails.

    Needs an app context.
    """
    _tame_xhtml2pdf_logger()
    fonts = _resolve_fonts()
    replace_base14(fonts)
    return _html_to_pdf(_render_html(doc, fonts), fonts)


WARM_UP_DOCUMENT = PdfDocument(
    kind="invoice", number="WARM-UP", date=datetime.date(2026, 1, 1), company=PdfParty("Office"),
    contact=PdfParty("Customer"), lines=(PdfLine("Item", Decimal(1), Decimal(1), Decimal(1)),),
    subtotal=Decimal(1), tax_rate=Decimal(0), tax=Decimal(0), total=Decimal(1))


def warm_up() -> float | None:
    """Load the renderer, parse every font and compile each kind's template, then render one
    tiny throwaway PDF (not cached), so a process's first real PDF is as quick as later ones.
    Needs an app context; returns the milliseconds taken, or None (logged) when the PDF fonts
    are missing (each PDF then says so)."""
    started = time.perf_counter()
    try:
        fonts = _resolve_fonts()
        for face in FACES:
            coverage(fonts, face)
        for kind in KINDS:
            pdf_environment(current_app).get_template(_template_names(kind)[1])
        render_pdf(WARM_UP_DOCUMENT)
        gc.collect()
        gc.freeze()  # later collections skip what is loaded now (fonts, modules, templates)
    except PdfRenderError as exc:
        log.warning("PDF renderer not ready: %s", exc)
        return None
    taken = (time.perf_counter() - started) * 1000
    log.info("PDF renderer ready in %d ms", taken)
    return taken


def pdf_filename(doc: PdfDocument) -> str:
    """A download name of safe ASCII characters, e.g. ``Invoice-INV-0001.pdf``."""
    title = KIND_TITLES.get(doc.kind, "Document").replace(" ", "-")
    ascii_number = unicodedata.normalize("NFKD", doc.number).encode("ascii", "ignore").decode()
    number = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_number).strip("-._")
    number = re.sub(r"-{2,}", "-", number)
    return f"{title}-{number}.pdf" if number else f"{title}.pdf"


# --- cache ------------------------------------------------------------------------------


def _read_if_present(path: Path) -> bytes | None:
    """The file's bytes, or None when it does not exist (a cache miss)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


class PdfCache:
    """Rendered PDFs on disk, one ``<fingerprint>.pdf`` file per distinct document."""

    def __init__(self, directory: Path, max_age: float | None = None,
                 max_bytes: int | None = None) -> None:
        self.directory = Path(directory)
        self.render_count = 0
        self.max_age, self.max_bytes = max_age, max_bytes
        self._pruned_at: float | None = None

    def path_for(self, doc: PdfDocument) -> Path:
        """Where the PDF of ``doc`` is (or would be) stored."""
        return self.directory / f"{fingerprint(doc)}.pdf"

    def get_or_render(self, doc: PdfDocument) -> tuple[bytes, bool]:
        """Return ``(pdf_bytes, was_cached)``, rendering and storing on a miss."""
        path = self.path_for(doc)
        cached = _read_if_present(path)
        if cached is not None:
            return cached, True
        data = render_pdf(doc)
        self.render_count += 1
        self._write_atomically(path, data)
        if self._pruned_at is None or time.monotonic() - self._pruned_at > PRUNE_EVERY:
            self.prune(keep=path)  # a file was added: keep the folder within bounds (hourly)
        return data, False

    def prune(self, keep: Path | None = None) -> tuple[int, int]:
        """Remove old PDFs, then the oldest beyond the size limit; returns (files, bytes)."""
        self._pruned_at = time.monotonic()
        return prune_folder(self.directory, self.max_age, self.max_bytes, keep)

    def _write_atomically(self, path: Path, data: bytes) -> None:
        """Write to a temporary file beside ``path``, then rename it into place."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".pdf")
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

"""The documents blueprint. Its route modules import it; `create_app` registers it.

A PDF that cannot be made answers with the error page, app-wide (the Email dialog attaches it
too), from here: the error pages (``webpanel.errors``) sit below every feature."""

import logging

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from webpanel.documents.pdf import PdfRenderError
from webpanel.documents.pdf_fonts import MissingFonts, find_fonts
from webpanel.errors import error_response

log = logging.getLogger(__name__)
bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.record_once
def _check_fonts(state: BlueprintSetupState) -> None:
    """Say at start-up, not at the first PDF, that fonts are missing (and which package)."""
    try:
        find_fonts(state.app.config.get("PDF_FONT_DIR"))
    except MissingFonts as exc:
        log.error("%s No PDF can be made until then.", exc)


@bp.app_errorhandler(PdfRenderError)
def _pdf_error(error: Exception):
    return error_response(500, "The PDF could not be made", f"{error} Nothing was sent. Tell "
                          "your administrator; your document itself is saved.")

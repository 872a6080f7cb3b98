"""The documents blueprint. Its route modules import it; `create_app` registers it.

A PDF that cannot be made answers with the error page, app-wide (the Email dialog attaches it
too), from here: the error pages (``webpanel.errors``) sit below every feature."""

from flask import Blueprint

from webpanel.documents.pdf import PdfRenderError
from webpanel.errors import error_response

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.app_errorhandler(PdfRenderError)
def _pdf_error(error: Exception):
    return error_response(500, "The PDF could not be made", f"{error} Nothing was sent. Tell "
                          "your administrator; your document itself is saved.")

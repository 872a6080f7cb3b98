"""The documents blueprint with all its routes: views adds the lists, document page and PDF,
editing the forms. create_app registers `bp` from here."""

from __future__ import annotations

from webpanel.documents import editing  # noqa: F401  (adds its routes to views.bp)
from webpanel.documents.views import bp

__all__ = ["bp"]

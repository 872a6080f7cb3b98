"""The main menu: which of its sections the page being shown belongs to, so its link carries
aria-current="page" (and a visible mark). Decided by the path's first part, so new pages under
a section's address count without a change here."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from markupsafe import Markup

#: The first part of a path, and the menu section it belongs to.
SECTIONS = {"": "home", "documents": "documents", "customers": "customers", "vendors": "vendors",
            "company": "company", "email-templates": "email-templates",
            "integrations": "integrations", "reminders": "reminders", "sent": "sent",
            "account": "password"}


def section_of(path: str, user_id: int | None) -> str | None:
    """The section of `path`: one's own Email tab is "email", a colleague's is "users"."""
    parts = path.strip("/").split("/")
    if parts[0] == "users":
        own = len(parts) > 2 and parts[1] == str(user_id) and parts[2] == "email"
        return "email" if own else "users"
    return SECTIONS.get(parts[0])


def menu_current(*sections: str, mark: str = "page") -> Markup:
    """` aria-current="page"` on the menu link of the page's section, else nothing; a menu
    that folds several sections (Office) passes them all and `mark="true"`."""
    user_id = current_user.id if current_user.is_authenticated else None
    if section_of(request.path, user_id) in sections:
        return Markup(f' aria-current="{mark}"')
    return Markup("")


def init_app(app: Flask) -> None:
    """Give templates `menu_current(section)`."""
    app.add_template_global(menu_current)
